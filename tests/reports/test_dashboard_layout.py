"""The dashboard laid out by headless Chromium at a phone's and a desk's width: nothing sticks out past the right
edge, no two texts overlap (HTML and the charts' SVG text), and plotly speaks Chinese (locale zh-CN)."""

from __future__ import annotations

import re

import pytest

from tests.headless import layout
from tests.reports.test_dashboard import N_FIGURES

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.browser
@pytest.mark.parametrize("width", [500, 1400])
def test_the_page_fits_the_width_and_no_texts_overlap(dashboard, chromium, tmp_path, width):
    seen = layout(dashboard["html"], tmp_path, width)
    assert seen["viewport"] == width
    assert seen["past_right"] == []
    assert seen["scrollWidth"] <= width  # the page itself never scrolls sideways; wide tables scroll in a box
    assert seen["texts"] > 300  # cards, agenda, firms and every chart's labels were measured
    assert seen["overlaps"] == []
    assert seen["locales"] == ["zh-CN"] * N_FIGURES
    assert seen["modebar"]
    assert all(CJK.search(title) for title in seen["modebar"]), seen["modebar"]  # the toolbar in Chinese


@pytest.mark.browser
def test_the_probe_sees_what_sticks_out_and_what_overlaps(chromium, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta name='viewport' content='width=device-width'></head><body>"
        "<div style='width:900px'>太宽的块</div>"
        "<div style='overflow-x:auto;width:300px'><div style='width:900px'>在自己的框内滚动</div></div>"
        "<span style='position:absolute;left:10px;top:200px'>甲乙丙丁</span>"
        "<span style='position:absolute;left:22px;top:204px'>重叠文字</span>"
        "<span style='position:absolute;left:10px;top:300px;display:none'>隐藏的字</span>"
        "<span style='position:absolute;left:12px;top:300px'>可见的字</span>"
        "<svg width='300' height='100' style='position:absolute;top:400px'>"
        "<text x='10' y='50'>图中文字一</text><text x='16' y='54'>图中文字二</text></svg>"
        "</body></html>",
        encoding="utf-8",
    )
    seen = layout(page, tmp_path / "run", 500)
    # the wide block sticks out; the one that scrolls inside its own 300-px box does not
    assert seen["past_right"] == ["div 太宽的块 right=908"]
    # overlapping HTML text and SVG text are caught; a hidden text overlaps nothing
    assert seen["overlaps"] == ["甲乙丙丁 × 重叠文字", "图中文字一 × 图中文字二"]
    assert seen["scrollWidth"] == 908
