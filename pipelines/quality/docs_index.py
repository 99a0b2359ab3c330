"""The Chinese front page of the Data Docs (数据质量校验明细): what each suite checks, this run's result, links.

GX's own pages stay (translated and made offline by offline.py); its index is kept as `gx_index.html` and this page
takes `index.html`, so the bulletin's link and every GX page's "首页" land here. Written from the rules and results
themselves, not from GX's HTML: the run's local time, the kinds of check per table, the failed rules by name.
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.contracts import all_contracts
from pipelines.quality.offline import LOCAL_CSS
from pipelines.quality.titles_zh import DOCS_HOME as T
from pipelines.quality.titles_zh import RULE_KINDS

GX_INDEX = "gx_index.html"
CSS = """<style>
.ww-page{max-width:1200px;margin:0 auto;padding:16px 24px}.ww-page h1{font-size:22px;margin:8px 0}
.ww-sub{color:#555;margin:0 0 12px}.ww-kinds{margin:4px 0 12px 20px}td.n{text-align:right}
.ww-page table{width:100%}.ww-page td{font-size:13px}.ww-page td:nth-child(4){min-width:110px}
.ww-page td:nth-child(5){white-space:nowrap}
</style>"""


def write_docs_index(
    docs_dir: Path, results: list, as_of: date | None, run_at: datetime, tz: str = "Asia/Shanghai"
) -> Path:
    """Move GX's index to gx_index.html and write the Chinese index.html in its place; returns its path."""
    import great_expectations as gx

    docs_dir = Path(docs_dir)
    index = docs_dir / "index.html"
    if index.exists():
        index.replace(docs_dir / GX_INDEX)
    contracts = all_contracts()
    by_entity: dict[str, list] = {}
    for r in results:
        by_entity.setdefault(r.rule.entity, []).append(r)
    local = run_at.astimezone(ZoneInfo(tz))
    rows = []
    for entity in [e for e in contracts if e in by_entity]:
        res = by_entity[entity]
        kinds = Counter(r.rule.kind for r in res)
        checks = T["kinds_sep"].join(
            f"{RULE_KINDS.get(k, k)} {n} 项" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])
        )
        failed = [r for r in res if not r.success and not r.errored]
        errored = [r for r in res if r.errored]
        parts = []
        if failed:
            titles = "；".join(f"{_short(r.rule.title_zh)}（{r.n_rows} 条）" for r in failed)
            parts.append(
                f"<span class='ww-bad'>{html.escape(T['failed'].format(n=len(failed), titles=titles))}</span>"
            )
        if errored:
            titles = "；".join(_short(r.rule.title_zh) for r in errored)
            parts.append(
                f"<span class='ww-bad'>{html.escape(T['errored'].format(n=len(errored), titles=titles))}</span>"
            )
        result = "<br>".join(parts) or f"<span class='ww-ok'>{T['all_passed']}</span>"
        links = [f"<a href='expectations/{entity}.html'>{T['suite_link']}</a>"]
        validation = next(iter(sorted(docs_dir.glob(f"validations/{entity}/**/*.html"))), None)
        if validation is not None:
            links.append(f"<a href='{validation.relative_to(docs_dir).as_posix()}'>{T['result_link']}</a>")
        rows.append(
            "<tr>"
            f"<td>{html.escape(contracts[entity].zh)}<br><small>stg_{entity}</small></td>"
            f"<td>{html.escape(checks)}</td><td class='n'>{len(res)}</td><td>{result}</td>"
            f"<td>{' ｜ '.join(links)}</td></tr>"
        )
    n_failed = sum(1 for r in results if not r.success and not r.errored)
    n_errored = sum(1 for r in results if r.errored)
    summary = T["summary"].format(
        n_tables=len(by_entity),
        n_rules=len(results),
        n_passed=len(results) - n_failed - n_errored,
        n_failed=n_failed,
        n_errored=n_errored,
    )
    used = sorted({r.rule.kind for r in results}, key=list(RULE_KINDS).index)
    kinds_list = "".join(f"<li>{html.escape(RULE_KINDS[k])}</li>" for k in used if k in RULE_KINDS)
    head = "".join(f"<th>{html.escape(T[k])}</th>" for k in ("table", "checks", "n_rules", "result", "links"))
    page = (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(T['title'])}</title>{LOCAL_CSS}{CSS}</head><body><div class='ww-page'>"
        f"<h1>{html.escape(T['title'])}</h1>"
        f"<p class='ww-sub'>{html.escape(T['subtitle'].format(as_of=as_of or '—', run_at=local.strftime('%Y-%m-%d %H:%M:%S')))}</p>"
        f"<p><b>{html.escape(summary)}</b></p>"
        f"<p>{html.escape(T['intro'])}</p><ul class='ww-kinds'>{kinds_list}</ul>"
        f"<p>{html.escape(T['how'])}</p>"
        f"<table class='table-sm'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p><a href='{GX_INDEX}'>{html.escape(T['gx_index'])}</a></p>"
        f"<p class='ww-sub'>{html.escape(T['footer'].format(version=gx.__version__))}</p>"
        "</div></body></html>"
    )
    index.write_text(page, encoding="utf-8")
    return index


def _short(title: str) -> str:
    """A rule's title without its table prefix (工资发放明细：实发金额… → 实发金额…)."""
    return title.split("：", 1)[-1]
