"""The real nightly flow on a generated world: outputs exist, open, follow the spec, and re-runs change nothing."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import polars as pl

from tests.checksums import table_checksums
from tests.headless import dom, render

WARNING_COLUMNS = ["as_of", "project_code", "area_code", "level", "score", "rules", "reasons", "is_new"]


def test_nightly_publishes_lists_dashboard_and_tables(nightly_run):
    s = nightly_run["summary"]
    assert s["status"] == "published", s["message"]
    run = Path(s["output_dir"])
    assert (nightly_run["out"] / "latest").resolve() == run.resolve()
    for name in (
        "indicator_project_month",
        "indicator_area_month",
        "warning",
        "project_risk",
        "disposition_area_month",
    ):
        assert (run / "tables" / f"{name}.parquet").exists(), name
        # for machines: no BOM, text quoted so that codes stay text
        assert not (run / "tables" / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert Path(s["outputs"]["dashboard"]).exists()
    assert Path(s["outputs"]["warning list (city)"]).suffix == ".xlsx"
    assert (run / "run_summary.json").exists()
    # each step carries the process's peak memory so far: never falling, and a real figure (a Python process with
    # DuckDB, polars and Prefect loaded holds well over 50 MB)
    peaks = [step["peak_rss_mb"] for step in s["steps"]]
    assert all(p is not None and p > 50 for p in peaks), peaks
    assert peaks == sorted(peaks)
    # and its CPU seconds (this process's threads and the child processes that ended in it): at most every core
    # busy for the whole step, and real work somewhere (the night's GX suites alone take more than a CPU-second)
    cores = os.cpu_count() or 1
    for step in s["steps"]:
        assert step["cpu_seconds"] is not None, step
        assert 0 <= step["cpu_seconds"] <= step["seconds"] * cores + 0.2, step
    assert sum(step["cpu_seconds"] for step in s["steps"]) > 1.0
    # no `wagewatch train --warehouse` yet on this warehouse: the shipped prior ranks, and the summary says so
    assert s["ranking"] == "排序依据：内置先验模型"


def test_output_tables_have_the_spec_columns(nightly_run):
    run = Path(nightly_run["summary"]["output_dir"])
    warning = pl.read_parquet(run / "tables" / "warning.parquet")
    assert warning.columns[: len(WARNING_COLUMNS)] == WARNING_COLUMNS or set(WARNING_COLUMNS) <= set(
        warning.columns
    )
    assert warning.height > 0
    assert {"warning_id", "warning_date", "list", "status", "rank"} <= set(warning.columns)
    assert set(warning["level"].unique()) <= {"red", "orange", "yellow"}
    risk = pl.read_parquet(run / "tables" / "project_risk.parquet")
    assert {"as_of", "project_code", "area_code", "score", "rules", "in_risk_scope", "score_source"} <= set(
        risk.columns
    )
    listed = warning.filter((pl.col("list") == "inspection") & pl.col("rank").is_not_null())
    assert set(listed["project_code"]) <= set(risk.filter(pl.col("listed"))["project_code"])
    # each district's list within its capacity, except hard-evidence lines
    soft = (
        listed.filter(~pl.col("hard_evidence"))
        .group_by("area_code")
        .agg(pl.len(), pl.col("capacity").first())
    )
    assert (soft["len"] <= soft["capacity"]).all()
    assert warning.filter(pl.col("level").is_in(["red", "orange"]))["reasons"].str.len_chars().min() > 0
    ipm = pl.read_parquet(run / "tables" / "indicator_project_month.parquet")
    assert {
        "project_code",
        "month",
        "area_code",
        "rn_update_rate",
        "avg_attendance",
        "pm_onsite_rate",
    } <= set(ipm.columns)
    iam = pl.read_parquet(run / "tables" / "indicator_area_month.parquet")
    assert {"area_code", "month", "rn_update_rate", "rn_update_rate_target_met_share"} <= set(iam.columns)


def test_city_list_opens_and_holds_no_clear_personal_data(nightly_run):
    path = Path(nightly_run["summary"]["outputs"]["warning list (city)"])
    wb = openpyxl.load_workbook(path)
    first = wb.worksheets[0]
    header = [c.value for c in first[1]]
    assert header[:5] == ["区内排名", "预警编号", "风险等级", "欠薪概率", "项目编码"]
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert not re.search(r"\b\d{17}[\dX]\b", text), "a clear ID number leaked into the list"
    assert not re.search(r"\b1[3-9]\d{9}\b", text), "a clear phone number leaked into the list"


class _Resources(HTMLParser):
    """Collect the URLs a page would load: script/img/iframe src, stylesheet href (not text inside scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def remote_resources(page: str) -> list[str]:
    parser = _Resources()
    parser.feed(page)
    return [u for u in parser.urls if re.match(r"(?:https?:)?//", u)]


def test_dashboard_renders_offline_in_chromium(nightly_run, tmp_path):
    html = Path(nightly_run["summary"]["outputs"]["dashboard"])
    page = html.read_text(encoding="utf-8")
    assert remote_resources(page) == []
    assert page.count("plotly.js v") == 1  # the bundle is inlined once
    shown = render(html, tmp_path / "dashboard", window=(1500, 4000))
    n_figures = page.count('class="plotly-graph-div"')
    assert n_figures >= 5
    assert shown.dom.count('class="main-svg"') >= n_figures  # plotly drew every figure without the network
    assert shown.screenshot.stat().st_size > 100_000  # a blank page is a few kB
    assert "实名制更新率" in shown.dom
    assert shown.requests == []  # nothing left the file


def test_quality_reports_open_offline(nightly_run, tmp_path):
    outputs = nightly_run["summary"]["outputs"]
    for key in ("data docs", "data-quality bulletin"):
        page = Path(outputs[key])
        assert remote_resources(page.read_text(encoding="utf-8")) == [], key
        assert "<table" in dom(page, tmp_path / key.replace(" ", "_")), key
    bulletin = Path(outputs["data-quality bulletin"]).read_text(encoding="utf-8")
    assert "数据质量通报" in bulletin
    # the night's lists exist: the bulletin, written again after them, ends with the closed loop
    loop = pl.read_parquet(
        Path(nightly_run["summary"]["output_dir"]) / "tables" / "disposition_area_month.parquet"
    )
    assert "附：预警核查闭环" in bulletin
    assert f"累计开出核查 {loop['n_opened'].sum()} 条" in bulletin


def test_rerunning_the_night_changes_nothing(nightly_run):
    from pipelines.flows.nightly import nightly

    def checksums(path: Path) -> dict[str, tuple]:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return table_checksums(con)
        finally:
            con.close()

    before = checksums(nightly_run["warehouse"])
    again = nightly(inbox=nightly_run["inbox"], out=nightly_run["out"], warehouse=nightly_run["warehouse"])
    assert again["status"] == "published"
    assert checksums(nightly_run["warehouse"]) == before


def test_district_workbooks_are_ordered_coloured_and_filtered(nightly_run):
    from pipelines.reports import labels_zh as zh

    lists = Path(nightly_run["summary"]["output_dir"]) / "lists"
    books = sorted(lists.glob("*.xlsx"))
    warning = pl.read_parquet(Path(nightly_run["summary"]["output_dir"]) / "tables" / "warning.parquet")
    districts = set(warning["area_code"])
    assert {p.name.split("_")[1] for p in books if "全市" not in p.name} >= districts
    fill_of = {zh.LEVEL[lv]: rgb for lv, rgb in zh.LEVEL_FILL.items()}
    for path in books:
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [
            "核查清单",
            "整改跟踪",
            "欠薪线索",
            "整改清单",
            "涉及工人",
            "数据质量提示",
            "变化情况",
        ]
        ws = wb["核查清单"]
        assert [c.value for c in ws[1]] == [*zh.LIST_COLUMNS.values(), *zh.RETURN_COLUMNS.values()]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        if rows[0][0] == zh.NO_LINES:
            continue
        order = [list(zh.LEVEL.values()).index(r[2]) for r in rows]
        assert order == sorted(order), path.name
        for level in zh.LEVEL.values():
            scores = [r[3] for r in rows if r[2] == level]
            scored = [v for v in scores if v is not None]  # 完工/停工 projects on hard evidence have no score
            assert scores == sorted(scored, reverse=True) + [None] * (len(scores) - len(scored)), path.name
        if "全市" not in path.name:
            assert [r[0] for r in rows] == list(range(1, len(rows) + 1)), (
                path.name
            )  # 区内排名 = the district rank
        for row in ws.iter_rows(min_row=2):
            assert row[2].fill.fgColor.rgb.endswith(fill_of[row[2].value]), path.name
    city = next(p for p in books if "全市" in p.name)
    listed = warning.filter(
        (pl.col("list") == "inspection") & (pl.col("status") == "open") & (pl.col("stage") == "awaiting")
    )
    assert openpyxl.load_workbook(city)["核查清单"].max_row == listed.height + 1
