"""The analyst notebooks run on the demo world's warehouse as `wagewatch notebook` runs them (what the README tells
analysts): one executed file per subject, figures also as PNGs beside them, and Chinese end to end — no English
prose in the markdown, the figures (titles, axes, legends, category labels) or the table headings."""

from __future__ import annotations

import re

import nbformat
import plotly.graph_objects as go
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines import investigate as inv
from pipelines import notebooks
from pipelines.cli import app

# ASCII words a Chinese regulator's page may carry: units, formats, acronyms, product names
ALLOWED_WORDS = {
    "PDF",
    "ID",
    "PNG",
    "CSV",
    "Excel",
    "HTML",
    "GX",
    "DuckDB",
    "Great",
    "Expectations",
    "USCC",
    "R",
}
_CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \t\-/]+[A-Za-z][A-Za-z'’]*)+")
_IDENTIFIER = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def english_prose(text: str) -> list[str]:
    """Runs of two or more ASCII words (outside code spans) that are not all on the allow-list."""
    runs = _WORDS.findall(_CODE.sub(" ", text or ""))
    return [r for r in runs if not set(re.findall(r"[A-Za-z]+", r)) <= ALLOWED_WORDS]


def figure_texts(fig: go.Figure) -> list[str]:
    """Every text a reader sees on a figure: title, axis titles, legend entries, annotations, category labels."""
    layout = fig.layout
    texts = [layout.title.text, layout.legend.title.text]
    for name in dir(layout):
        if re.fullmatch(r"[xy]axis\d*", name) and getattr(layout, name) is not None:
            axis = getattr(layout, name)
            texts.append(axis.title.text)
            texts += [str(t) for t in axis.ticktext or ()]
    texts += [a.text for a in layout.annotations or ()]
    for trace in fig.data:
        texts.append(trace.name)
        for values in (getattr(trace, "x", None), getattr(trace, "y", None), getattr(trace, "text", None)):
            texts += [v for v in (values if values is not None else ()) if isinstance(v, str)]
    return [t for t in texts if t]


def test_english_prose_is_found_and_codes_units_and_code_spans_are_not():
    assert english_prose("One project's attendance on one timeline") != []
    assert english_prose("Parameter: `WAREHOUSE` 与 `PROJECT_CODE`") == []
    assert english_prose("金额（万元）2025-01 R01 人工费 PDF ID 350521") == []
    assert english_prose("运行 `wagewatch notebook data_quality` 后查看") == []
    assert english_prose("Jan 2025") == []  # one word: the month-axis test below catches it


def test_the_timeline_figure_is_in_wan_yuan_with_a_month_axis_and_axes_from_zero():
    timeline = pl.DataFrame(
        {
            "month": ["2025-01", "2025-02"],
            "labor_cost_inflow_yuan": [1_200_000.0, None],
            "payroll_due_yuan": [300_000.0, 310_000.0],
            "payroll_paid_yuan": [300_000.0, 0.0],
            "avg_daily_workers": [42.0, 3.5],
            "n_complaints": [None, 2],
        }
    )
    fig = inv.timeline_figure(timeline, "项目 1：时间线")
    assert list(fig.data[0].y) == [120.0, None]  # 万元
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.xaxis.title.text == "月份"
    assert list(fig.data[0].x) == ["2025-01", "2025-02"]
    assert fig.layout.yaxis.rangemode == "tozero"
    assert fig.layout.yaxis2.rangemode == "tozero"
    assert "万元" in fig.layout.yaxis.title.text
    assert fig.layout.yaxis.tickformat == ",.0f"
    assert not [t for t in figure_texts(fig) if english_prose(t)]


@pytest.mark.parametrize("name", notebooks.available())
def test_notebook_runs_in_chinese_one_file_per_subject_with_static_images(name, demo_night, tmp_path):
    out = tmp_path / "notebooks"  # not there yet, like data/out/notebooks after `make demo`
    result = CliRunner().invoke(
        app, ["notebook", name, "--warehouse", str(demo_night["warehouse"]), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    written = sorted(out.glob("*.ipynb"))
    assert len(written) == 1
    path = written[0]
    if name in notebooks.SUBJECT_PARAM:  # project_investigation_<16 digits>, district_drilldown_<6 digits>
        assert re.fullmatch(rf"{name}_\d{{6,18}}\.ipynb", path.name), path.name
    else:
        assert path.name == f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]

    figures = [o for o in outputs if notebooks.PLOTLY_MIME in o.get("data", {})]
    assert figures, f"{name} showed no figure"
    assert all("image/png" in o["data"] for o in figures)  # the static image beside the interactive one
    pngs = sorted((out / f"{path.stem}_图片").glob("*.png"))
    assert len(pngs) == len(figures)
    assert all(p.stat().st_size > 5_000 for p in pngs)

    problems = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            problems += [("markdown", r) for r in english_prose(cell.source)]
    for o in figures:
        fig = go.Figure(o["data"][notebooks.PLOTLY_MIME])
        problems += [("figure", t) for t in figure_texts(fig) if english_prose(t)]
        axes = [getattr(fig.layout, a) for a in dir(fig.layout) if re.fullmatch(r"[xy]axis\d*", a)]
        for axis in axes:
            if axis.title.text == "月份":
                assert axis.type == "category", "months must print as 2025-01, not Jan 2025"
            elif axis.type != "category" and axis.title.text:
                assert axis.tickformat, f"{axis.title.text}: plotly would print 1.2M / 5k"
    for o in outputs:
        if "text/html" in o.get("data", {}):
            heads = re.findall(r"<th[^>]*>(.*?)</th>", o["data"]["text/html"], re.DOTALL)
            problems += [("table heading", h) for h in heads if _IDENTIFIER.search(h) or english_prose(h)]
        if o.get("output_type") == "stream":
            problems += [("printed", r) for r in english_prose(o.get("text", ""))]
    assert not problems, problems
    shown = " ".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "prj_status" not in shown
    assert ": 003" not in shown


@pytest.mark.parametrize(
    ("name", "option", "code", "said"),
    [
        ("project_investigation", "--project", "350521202500016", "未找到项目编码“350521202500016”"),
        ("district_drilldown", "--area", "359999", "未找到区县代码“359999”"),
    ],
)
def test_an_unknown_code_is_refused_in_chinese_without_a_traceback(
    name, option, code, said, demo_night, tmp_path
):
    out = tmp_path / "notebooks"
    result = CliRunner().invoke(
        app, ["notebook", name, "--warehouse", str(demo_night["warehouse"]), "--out", str(out), option, code]
    )
    assert result.exit_code == 2
    assert said in result.output
    assert "Traceback" not in result.output
    assert "polars" not in result.output
    assert not list(out.glob("*.ipynb"))  # refused before a kernel started


def test_the_three_notebooks_are_there():
    assert notebooks.available() == ["data_quality", "district_drilldown", "project_investigation"]
