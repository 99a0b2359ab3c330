"""Make GX Data Docs readable with no network: no CDN assets, no tracking image, no script, Chinese labels.

GX links Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs and fetches a logo from S3. Offline
those fail, and the index page stays empty because bootstrap-table fills its tables from a script. So every remote
tag and every script is removed, the index tables are written out as plain HTML from the data GX embedded, icons
become text, GX's English labels are translated, and a small local stylesheet takes Bootstrap's place.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

from pipelines.quality.titles_zh import DOCS_INDEX, DOCS_TEXT

_REMOTE = r"""(?:https?:)?//"""
_REMOTE_TAG = re.compile(
    rf"""<(?:link|img|iframe|source)\b[^>]*\b(?:href|src)\s*=\s*["']?{_REMOTE}[^>]*>""", re.IGNORECASE
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_REMOTE_HREF = re.compile(rf"""\s(?:href|src|action)\s*=\s*["']{_REMOTE}[^"']*["']""", re.IGNORECASE)
_REMOTE_CSS_URL = re.compile(rf"""url\(\s*["']?{_REMOTE}[^)]*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(rf"""@import\s+(?:url\()?["']?{_REMOTE}[^;]*;""", re.IGNORECASE)
_FOOTERS = re.compile(r"<footer\b.*?</footer\s*>", re.IGNORECASE | re.DOTALL)
_TABLE_DATA = re.compile(
    r"""\$\('#(?P<id>[^']+)'\)\.bootstrapTable\(.*?data:\s*(?P<data>\[.*?\]),\s*\n""", re.DOTALL
)
_TEXT_NODE = re.compile(r">(\s*)([^<>]+?)(\s*)<")

LOCAL_CSS = """<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",SimHei,sans-serif;margin:0;color:#222;
  background:#fafafa;font-size:14px}
a{color:#2F75B5;text-decoration:none}a:hover{text-decoration:underline}
nav,.navbar{background:#1F4E79;color:#fff;padding:10px 24px;margin:0}nav a,.navbar a{color:#fff}
.navbar-brand img,nav img{display:none}
.container-fluid,.container{padding:0 24px}.row{display:flex;flex-wrap:wrap;gap:16px}
.col-md-2,.col-lg-2,.ge-breadcrumbs{flex:0 0 220px}.col-md-10,.col-lg-10,.col-md-12,.col{flex:1 1 600px;min-width:0}
.card{background:#fff;border:1px solid #ddd;border-radius:4px;margin:12px 0;padding:8px 12px}
.card-header{font-weight:bold;border-bottom:1px solid #eee;padding:6px 0;margin-bottom:6px}
table{border-collapse:collapse;margin:8px 0;background:#fff}td,th{border:1px solid #ccc;padding:4px 8px;
  vertical-align:top;text-align:left}th{background:#D9E1F2}
.table-sm td,.table-sm th{padding:3px 6px}
.collapse,.collapse.show{display:block}.hide,.invisible,.d-none:not(.d-md-block),.sr-only{display:none}
.sticky>.card.mb-3,.btn-group-toggle,button{display:none}nav,.navbar{min-height:8px}
.cooltip{position:relative}.cooltip .top{display:none;position:absolute;z-index:9;background:#fff;
  border:1px solid #999;padding:6px;white-space:pre;font-size:12px}.cooltip:hover .top{display:block}
.fas,.far,.fa{font-style:normal}.fa-check-circle::before,.fa-check::before{content:"✔";color:#2E7D32}
.fa-times-circle::before,.fa-times::before{content:"✘";color:#C00000}
.fa-exclamation-triangle::before{content:"⚠";color:#B8860B}.fa-question-circle::before{content:"?"}
.text-success,.badge-success{color:#2E7D32}.text-danger,.badge-danger{color:#C00000}
.ww-ok{color:#2E7D32;font-weight:bold}.ww-bad{color:#C00000;font-weight:bold}
.ww-banner{background:#fff;border-left:4px solid #1F4E79;padding:8px 16px;margin:12px 24px}
ul.nav-tabs{list-style:none;padding:0;display:flex;gap:16px}.tab-pane{display:block;margin-bottom:24px}
</style>"""


def make_offline(folder: Path) -> int:
    """Rewrite every HTML and CSS file under `folder` in place; returns how many remote references were removed."""
    removed = 0
    for path in folder.rglob("*.css"):
        text = path.read_text(encoding="utf-8")
        text, n1 = _CSS_IMPORT.subn("", text)
        text, n2 = _REMOTE_CSS_URL.subn("none", text)
        removed += n1 + n2
        path.write_text(text, encoding="utf-8")
    for path in folder.rglob("*.html"):
        page, n = offline_page(path.read_text(encoding="utf-8"), is_index=path.parent == folder)
        removed += n
        path.write_text(page, encoding="utf-8")
    return removed


def offline_page(page: str, *, is_index: bool = False) -> tuple[str, int]:
    """One Data Docs page without network or script; the index's tables written out as HTML."""
    tables = _index_tables(page) if is_index else {}
    page, n_tags = _REMOTE_TAG.subn("", page)
    page, n_scripts = _SCRIPT.subn("", page)
    page, n_links = _REMOTE_HREF.subn(
        "", page
    )  # a link out of an intranet page goes nowhere: keep the text only
    page, n_urls = _REMOTE_CSS_URL.subn("none", page)
    page = _FOOTERS.sub("", page)  # GX's newsletter and tutorial footers
    for table_id, rows_html in tables.items():
        page = re.sub(
            rf"""<table\s+id="{re.escape(table_id)}"[^>]*>\s*</table>""",
            lambda _m, h=rows_html: h,
            page,
            count=1,
        )
    page = _translate(page)
    if is_index:
        banner = (
            f"<div class='ww-banner'><h2>{html.escape(DOCS_INDEX['title'])}</h2>"
            f"<p>{html.escape(DOCS_INDEX['intro'])}</p></div>"
        )
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, page, count=1)
    page = page.replace("</head>", LOCAL_CSS + "</head>", 1)
    if "<html" in page and 'lang="zh' not in page:
        page = page.replace("<html", '<html lang="zh-CN"', 1)
    return page, n_tags + n_links + n_urls + n_scripts


def _index_tables(page: str) -> dict[str, str]:
    """The index's bootstrap-table data (a Python literal GX renders into a script) as static HTML tables."""
    out = {}
    for m in _TABLE_DATA.finditer(page):
        try:
            rows = ast.literal_eval(m.group("data"))
        except (ValueError, SyntaxError):
            continue
        out[m.group("id")] = _static_table(rows)
    return out


def _static_table(rows: list[dict]) -> str:
    label = DOCS_INDEX
    if rows and "validation_success" in rows[0]:
        head = [label["status"], label["table"], label["suite"], label["result"], label["run_time"]]
        body = []
        for r in sorted(rows, key=lambda r: r.get("asset_name", "")):
            ok = r.get("_validation_success_text") == "Success"
            status = (
                f"<span class='ww-ok'>✔ {label['passed']}</span>"
                if ok
                else f"<span class='ww-bad'>✘ {label['failed']}</span>"
            )
            suite = html.escape(r.get("_expectation_suite_name_sort", ""))
            suite_link = f"<a href='expectations/{suite}.html'>{suite}</a>"
            result_link = f"<a href='{html.escape(r.get('_table_row_link_path', ''))}'>{label['open']}</a>"
            body.append(
                [
                    status,
                    html.escape(r.get("asset_name", "")),
                    suite_link,
                    result_link,
                    html.escape(r.get("run_time", "")),
                ]
            )
    else:
        head = [label["suite"]]
        body = [
            [
                f"<a href='{html.escape(r.get('_table_row_link_path', ''))}'>{html.escape(r.get('expectation_suite_name', ''))}</a>"
            ]
            for r in sorted(rows, key=lambda r: r.get("expectation_suite_name", ""))
        ]
    thead = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    tbody = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body)
    return f"<table class='table-sm'><thead><tr>{thead}</tr></thead><tbody>{tbody}</tbody></table>"


def _translate(page: str) -> str:
    """GX's English labels (whole text nodes only) in Chinese."""

    def swap(m: re.Match) -> str:
        text = m.group(2)
        return f">{m.group(1)}{DOCS_TEXT.get(text, text)}{m.group(3)}<"

    return _TEXT_NODE.sub(swap, page)


def remote_references(text: str) -> list[str]:
    """Every remote URL a browser would fetch from this HTML or CSS (src/href attributes, CSS url() and @import)."""
    found = re.findall(rf"""(?:src|href)\s*=\s*["']?({_REMOTE}[^"'\s>]+)""", text, re.IGNORECASE)
    found += re.findall(rf"""url\(\s*["']?({_REMOTE}[^)"']+)""", text, re.IGNORECASE)
    found += re.findall(rf"""@import\s+["']({_REMOTE}[^"']+)""", text, re.IGNORECASE)
    return found
