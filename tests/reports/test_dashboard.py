"""Leaders' dashboard: findings in the titles, one self-contained file, drawn by Chromium offline, 通报 images."""

from __future__ import annotations

import re
import threading
import time
from datetime import date

import polars as pl
import pytest
from plotly.offline import get_plotlyjs

from pipelines.reports.dashboard import (
    DashboardInputs,
    ImageExport,
    build_dashboard,
    export_static,
    render_html,
    write_dashboard,
)
from pipelines.reports.figures import FONT, report_month
from pipelines.settings import Indicators, Settings
from pipelines.warnings.schema import WARNING_SCHEMA
from tests.headless import png_colours, png_size, render
from tests.reports import given_reports as given

N_FIGURES = 12  # 3 国考 by district, 3 trends, ranking, compliance, cases, warnings, rules, data quality
LOADS_FROM_NETWORK = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|@import""",
    re.IGNORECASE,
)


def built(settings: Settings | None = None, **frames):
    inputs = {
        "area_month": given.area_month(),
        "ranking": given.ranking(),
        "lines": given.lines(),
        "findings": given.findings(),
    } | frames
    return build_dashboard(
        DashboardInputs(
            inputs["area_month"], inputs["ranking"], inputs["lines"], inputs["findings"], given.areas(),
            given.AS_OF, settings or Settings(),
        )
    )  # fmt: skip


def titles() -> dict[str, str]:
    return {c.key: c.finding for c in built().charts}


def july(column: str) -> pl.DataFrame:
    return given.area_month().filter(
        (pl.col("month") == "2025-07") & ~pl.col("area_code").is_in(["ALL", "UNKNOWN"])
    )[column]


def test_titles_state_the_findings_computed_from_the_data():
    t = titles()
    below_90 = int((july("rn_update_rate") < 0.90).sum())
    assert t["rn_update_rate"].startswith(f"{below_90} 个区县实名制更新率低于90%（全市 ")
    not_over_60 = int((july("key_staff_onsite_rate") <= 0.60).sum())
    assert t["key_staff_onsite_rate"].startswith(f"{not_over_60} 个区县项目经理和总监到岗率未超过60%")
    assert t["warnings"].startswith(
        "本期预警 14 个项目：红色 4、橙色 4、黄色 6；新增 3、升级 1；丰泽区最多（5 个）"
    )
    # the most frequent rule, and the rule behind the most red lines (R12's lines are all yellow here)
    assert (
        t["rules"] == "触发最多的规则：R12 未缴存工资保证金（2 个项目）；产生红色预警最多的规则：R03（1 个）"
    )
    assert t["quality"].startswith(
        "数据质量：4 类问题，其中阻断级 1 类（文件无法读取）"
    )  # the closed finding is gone
    city = given.area_month().filter((pl.col("month") == "2025-07") & (pl.col("area_code") == "ALL"))
    assert t["cases"].startswith(f"欠薪案件：全市未结 {city['open_cases'][0]} 件")
    # every title carries a number: a finding, not a metric name
    assert all(re.search(r"\d", finding) for finding in t.values()), t


def test_the_targets_come_from_the_settings():
    strict = Settings(indicators=Indicators(target_rn_update_rate=0.99))
    finding = {c.key: c.finding for c in built(strict).charts}["rn_update_rate"]
    below_99 = int((july("rn_update_rate") < 0.99).sum())
    assert finding.startswith(f"{below_99} 个区县实名制更新率低于99%")


def test_the_ranking_marks_the_ladder():
    bottom = given.ranking().filter((pl.col("month") == "2025-07") & pl.col("is_bottom"))
    levels = bottom["ladder_level"].value_counts()
    count = dict(zip(levels["ladder_level"], levels["count"], strict=True))
    dash = built()
    ranking = next(s for s in dash.sections if s.key == "ranking")
    assert ranking.charts[0].finding.startswith(
        f"{bottom['area_code'].n_unique()} 个区县有指标排名后3：问责 {count.get(3, 0)} 项、约谈 {count.get(2, 0)} 项、"
        f"通报 {count.get(1, 0)} 项"
    )
    cells = [t for row in ranking.charts[0].figure.data[0].text for t in row]
    assert sum(t.startswith("③") for t in cells) == count.get(3, 0)


def test_the_report_month_is_the_last_complete_month():
    months = given.area_month()
    assert report_month(months, date(2025, 7, 31)) == "2025-07"
    assert report_month(months, date(2025, 7, 15)) == "2025-06"  # July is not over: June is reported
    assert report_month(months, date(2026, 1, 31)) == "2025-07"  # newest month on file
    assert report_month(pl.DataFrame({"month": []}, schema={"month": pl.Utf8}), date(2025, 7, 31)) is None


def test_only_svg_traces_and_the_chinese_font_chain():
    dash = built()
    assert len(dash.charts) == N_FIGURES
    for chart in dash.charts:
        assert {t.type for t in chart.figure.data} <= {"bar", "scatter", "heatmap"}, chart.key
        assert chart.figure.layout.font.family == FONT
    assert FONT == "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, SimHei, sans-serif"


def test_the_sql_frames_and_empty_inputs_render():
    area_month, ranking = given.real_indicator_frames()
    real = built(area_month=area_month, ranking=ranking)
    assert {c.key for c in real.charts} == {c.key for c in built().charts}
    empty = built(
        area_month=pl.DataFrame(),
        ranking=None,
        lines=pl.DataFrame(schema=WARNING_SCHEMA),
        findings=pl.DataFrame(),
    )
    findings = {c.key: c.finding for c in empty.charts}
    assert findings["warnings"] == "本期无预警项目"
    assert findings["quality"] == "数据质量：本期未发现问题"
    assert findings["rn_update_rate"] == "实名制更新率：本月无指标数据"
    assert render_html(empty).count(get_plotlyjs()) == 1


def test_the_fixture_has_the_sql_columns():
    real, ranking = given.real_indicator_frames()
    assert given.area_month().schema == real.schema
    assert given.ranking().schema == ranking.schema


def test_one_self_contained_file_with_plotly_inlined_once(dashboard):
    page = dashboard["html"].read_text(encoding="utf-8")
    bundle = get_plotlyjs()
    assert page.count(bundle) == 1
    assert page.index(bundle) < page.index('id="fig-')  # inlined before (in) the first figure
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    # plotly.js itself names a few https links in map attributions it never loads here: check the rest
    rest = page.replace(bundle, "")
    assert not LOADS_FROM_NETWORK.search(rest), LOADS_FROM_NETWORK.search(rest)
    assert rest.count('class="plotly-graph-div"') == N_FIGURES
    assert "泉州市农民工工资支付监测看板" in page
    assert "数据截至 2025-07-31" in page


@pytest.mark.browser
def test_chromium_draws_every_figure_offline_and_requests_nothing(dashboard, chromium, tmp_path):
    seen = render(dashboard["html"], tmp_path)
    assert seen.requests == []
    assert seen.dom.count('class="main-svg"') >= N_FIGURES
    drawn = re.findall(r'<div id="fig-([a-z_0-9]+)" class="plotly-graph-div js-plotly-plot"', seen.dom)
    assert len(drawn) == N_FIGURES, drawn
    assert png_size(seen.screenshot) == (1600, 3000)
    assert png_colours(seen.screenshot) > 500  # charts, text and cards, not a blank page


@pytest.mark.browser
def test_the_request_check_sees_a_page_that_loads_from_the_network(chromium, tmp_path):
    page = tmp_path / "leaky.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p><img src='http://example.invalid/logo.png'>"
        "<script src='https://cdn.example.invalid/plotly.js'></script></body></html>",
        encoding="utf-8",
    )
    seen = render(page, tmp_path / "run", window=(800, 600))
    assert seen.requests == ["http://example.invalid/logo.png", "https://cdn.example.invalid/plotly.js"]
    assert png_colours(seen.screenshot) < 50  # a near-blank page (a word, a broken image) counts as blank
    assert LOADS_FROM_NETWORK.search(page.read_text(encoding="utf-8"))


@pytest.mark.browser
def test_the_key_charts_are_exported_for_the_bulletin(dashboard, chromium):
    folder = dashboard["html"].parent / "通报图"
    if any("通报图 skipped" in w for w in dashboard["warnings"]):
        pytest.skip(f"kaleido could not run here: {dashboard['warnings']}")
    images = sorted(p.name for p in folder.glob("*.png"))
    assert images == [
        "01_实名制更新率.png", "02_平均考勤人数.png", "03_项目经理和总监到岗率.png", "04_区县排名.png",
        "05_条例合规.png", "06_欠薪案件.png", "07_预警分布.png",
    ]  # fmt: skip
    assert all(png_size(folder / name)[0] == 1600 for name in images)


@pytest.mark.browser
def test_a_browser_started_ahead_and_never_given_figures_ends_without_files(tmp_path, chromium):
    """write_reports starts Chromium before it reads its inputs; a failure before the figures exist must not
    leave the browser or its thread behind (night_steps.write_reports ends it in a finally)."""
    images = ImageExport(browser=chromium)
    assert images.result() == []
    assert images.result() == []  # ending twice is harmless
    assert not [t for t in threading.enumerate() if t.name.startswith("static-export")]
    assert not list(tmp_path.iterdir())


@pytest.mark.browser
def test_the_images_rendered_on_one_page_are_kaleidos_own_bytes(tmp_path, chromium):
    """The export keeps the browser's page between figures (kaleido reloads it after each): the same PNGs."""
    import asyncio

    import kaleido

    figures = dict(list(built().static_figures().items())[:3])
    ours = export_static(figures, tmp_path / "ours", browser=chromium)

    async def kaleidos_own() -> None:
        async with kaleido.Kaleido(mathjax=False, path=str(chromium)) as browser:
            await browser.write_fig_from_object(
                [
                    {"fig": fig, "path": str(tmp_path / f"{stem}.png"),
                     "opts": {"format": "png", "width": 1600, "height": fig["layout"]["height"], "scale": 1}}
                    for stem, fig in figures.items()
                ]
            )  # fmt: skip

    asyncio.run(kaleidos_own())
    assert [p.name for p in ours] == [f"{stem}.png" for stem in figures]
    assert [p.read_bytes() for p in ours] == [(tmp_path / p.name).read_bytes() for p in ours]


def test_an_export_that_hangs_ends_in_a_logged_error_after_its_timeout(tmp_path, monkeypatch, caplog):
    """An export once hung for minutes (its browser alive, kaleido waiting): `result` gives up after the timeout
    with an error in the log and no paths, and the stuck thread cannot hold the process (a daemon)."""
    release = threading.Event()

    def hang(self, chromium):
        self._figures.result()
        release.wait(60)
        return []

    monkeypatch.setattr(ImageExport, "_run", hang)
    images = ImageExport(timeout=0.5)
    images.render({"01_x": {"data": [], "layout": {}}}, tmp_path)
    started = time.monotonic()
    assert images.result() == []
    assert time.monotonic() - started < 10
    assert images.result() == []  # ended once: no second wait
    assert "通报图 not written: the browser did not finish within 0.5 s" in caplog.text
    assert all(t.daemon for t in threading.enumerate() if t.name == "static-export")
    release.set()


def test_without_a_browser_the_export_is_a_logged_skip(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    path = write_dashboard(
        DashboardInputs(
            given.area_month(), given.ranking(), given.lines(), given.findings(), given.areas(), given.AS_OF,
            Settings(),
        ),
        tmp_path / "看板.html",
    )  # fmt: skip
    assert path.exists()
    assert not (tmp_path / "通报图").exists()
    assert "通报图 skipped: no Chrome/Chromium found" in caplog.text
