"""Data quality after load, before publish: GX suites on staged tables, cross-source SQL checks, load facts.

`run_quality` writes this run's findings to `dq_finding` (FINDING_SCHEMA), keeps every run's in
`dq_finding_history` (first_seen carries over), builds offline GX Data Docs and the Chinese 数据质量通报 under
out_dir, and says whether a blocking finding stops publication.

    gx_suites.py     one suite per staged entity, generated from the contracts, run by GX on DuckDB
    cross_source.py  the checks that join sources (one SQL file each: pipelines/sql/checks/chk_<check_id>.sql)
    load_facts.py    unreadable files, quarantined rows, duplicates, the night's shares (ledger + quarantine)
    findings.py      finding rows, severity (Settings.quality), dq_finding and its history
    bulletin.py      数据质量通报 (HTML, no script)       offline.py  Data Docs without network
    titles_zh.py     every Chinese text of this package  schema.py   FINDING_SCHEMA
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.contracts import all_contracts
from pipelines.delivery import undelivered_sources
from pipelines.quality.cross_source import CROSS_SOURCE, build_checks, check_table
from pipelines.quality.findings import finding, findings_frame, severity_of, store_findings
from pipelines.quality.gx_suites import Rule, RuleResult, all_rules, attribution_sql, run_suites
from pipelines.quality.load_facts import LOAD_CHECKS, load_findings
from pipelines.quality.schema import FINDING_SCHEMA
from pipelines.quality.scope import (
    Batch,
    CheckScope,
    decide_scope,
    drop_batches,
    prepare_batches,
    record_night,
    rules_fingerprint,
)
from pipelines.quality.titles_zh import CHECK_TITLES, DETAIL, SCOPE, SCOPE_REASON, SCOPE_TEXT
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import connect, frame, set_params

log = logging.getLogger("wagewatch.quality")

QUALITY_FOLDER = "数据质量"
# load findings about a delivery as a whole, listed by file in the run summary (load_facts.py)
DELIVERY_CHECKS = (
    "file_cut_last_line",
    "file_unknown_columns",
    "file_entity_from_header",
    "hidden_sheet_not_loaded",
    "file_date_differs_from_folder",
    "event_correction_not_taken",
    "volume_low",
    "volume_high",
)


@dataclass
class QualityResult:
    """What the checks found, where the reports are, and whether publication is blocked."""

    blocking: bool
    findings: pl.DataFrame
    docs_index: Path | None = None
    bulletin_path: Path | None = None
    summary: dict = field(default_factory=dict)
    checks: pl.DataFrame = field(default_factory=pl.DataFrame)  # every check run: id, source, passed, errored
    # what the bulletin was written from: the reports step writes it again with the closed-loop section, which
    # exists only once tonight's lists are assembled (after the quality step)
    context: Any = None


def project_places(con: duckdb.DuckDBPyConnection) -> dict[str | None, dict]:
    """project_code → its area_code and corp_code (总承包单位): where a finding about the project belongs."""
    projects = frame(
        con, "select project_code, area_code, contractor_corp_code as corp_code from stg_project"
    )
    return {r["project_code"]: r for r in projects.iter_rows(named=True)}


def gx_findings(
    con: duckdb.DuckDBPyConnection, results: list[RuleResult], batches: dict[str, Batch] | None = None
) -> list[dict]:
    """Failed GX rules as findings, split by project where the table has one; errored rules as their own finding.
    `batches`: the rows GX validated per entity (default: the whole staged tables)."""
    where = project_places(con)
    rows: list[dict] = []
    for res in results:
        rule = res.rule
        if res.errored:
            detail = DETAIL["gx_errored"].format(title=rule.title_zh, message=res.message)
            rows.append(finding("gx_check_errored", rule.entity, 0, detail))
            continue
        if res.success:
            continue
        parts = _attributed(con, rule, res.n_rows, (batches or {}).get(rule.entity))
        for project_code, n in parts:
            place = where.get(project_code, {})
            rows.append(
                finding(
                    rule.check_id,
                    rule.entity,
                    n,
                    DETAIL["gx_rows"].format(n=n, title=rule.title_zh.split("：", 1)[-1]),
                    area_code=place.get("area_code"),
                    project_code=project_code,
                    corp_code=place.get("corp_code"),
                    title_zh=rule.title_zh,
                )
            )
    return rows


def _attributed(
    con: duckdb.DuckDBPyConnection, rule: Rule, n_gx: int, batch: Batch | None = None
) -> list[tuple[str | None, int]]:
    """A failed rule's rows per project; GX's own count when the split does not add up to it."""
    sql = attribution_sql(rule, batch)
    if sql is None:
        return [(None, n_gx)]
    parts = [(r[0], int(r[1])) for r in con.execute(sql).fetchall()]
    if sum(n for _, n in parts) != n_gx:
        log.warning(
            "%s: GX counted %s rows, the SQL split %s; reporting GX's count", rule.check_id, n_gx, parts
        )
        return [(None, n_gx)]
    return sorted(parts, key=lambda p: (p[0] is None, p[0] or ""))


def cross_source_findings(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every cross-source check as one finding per project (or firm); builds the check tables first."""
    build_checks(con)
    where = project_places(con)
    rows = []
    for check_id, entity in CROSS_SOURCE.items():
        for r in frame(con, f"select * from {check_table(check_id)}").iter_rows(named=True):
            place = where.get(r["project_code"], {})
            month = r.get("month")
            month_zh = f"{month[:4]}年{int(month[5:7])}月" if month else ""
            detail = DETAIL[check_id].format(n=r["n_rows"], n_people=r.get("n_people"), month=month_zh)
            rows.append(
                finding(
                    check_id,
                    entity,
                    r["n_rows"],
                    detail,
                    area_code=place.get("area_code"),
                    project_code=r["project_code"],
                    corp_code=place.get("corp_code"),
                )
            )
    return rows


def checks_run(results: list[RuleResult], findings: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """One row per check run this night: where it comes from, its severity, whether it passed or errored."""
    found = (
        dict(findings.group_by("check_id").agg(pl.col("n_rows").sum()).iter_rows()) if findings.height else {}
    )
    rows = [
        {
            "check_id": r.rule.check_id,
            "title_zh": r.rule.title_zh,
            "source": "gx",
            "entity": r.rule.entity,
            "severity": severity_of(r.rule.check_id, settings),
            "passed": r.success,
            "errored": r.errored,
            "n_rows": r.n_rows,
        }
        for r in results
    ]
    for source, ids in (("cross_source", list(CROSS_SOURCE)), ("load", list(LOAD_CHECKS))):
        for check_id in ids:
            rows.append(
                {
                    "check_id": check_id,
                    "title_zh": CHECK_TITLES[check_id],
                    "source": source,
                    "entity": CROSS_SOURCE[check_id] if source == "cross_source" else "all",
                    "severity": severity_of(check_id, settings),
                    "passed": check_id not in found,
                    "errored": False,
                    "n_rows": int(found.get(check_id, 0)),
                }
            )
    return pl.DataFrame(rows)


def run_quality(
    warehouse: Path,
    settings: Settings,
    as_of: date,
    out_dir: Path,
    con: duckdb.DuckDBPyConnection | None = None,
) -> QualityResult:
    """Run every check on the staged tables; write findings, Data Docs and the bulletin under out_dir.

    The GX suites read tonight's new rows only on an incremental night, everything on a full one (scope.py decides
    and records the night); cross-source and load checks read everything every night."""
    from pipelines.quality.bulletin import BulletinContext, Correction, write_bulletin
    from pipelines.quality.corrections import corrected_months

    own = con is None
    con = con or connect(warehouse)
    started = time.monotonic()
    try:
        set_params(con, sql_params(settings, as_of))
        quality_dir = Path(out_dir) / QUALITY_FOLDER
        scope, batches, gx = _gx_checks(con, settings, as_of, quality_dir / "data_docs")
        try:
            # DuckDB runs the load and cross-source checks' SQL without the GIL, while GX validates and renders its
            # Data Docs (mostly Python) in its thread, on cursors of its own
            own_rows = load_findings(con, as_of, settings) + cross_source_findings(con)
        finally:
            wait([gx])  # GX reads the batch tables until it is done
            drop_batches(con)
        results, docs, gx_rows, gx_seconds = gx.result()
        rows = own_rows + gx_rows
        findings = store_findings(con, findings_frame(rows, settings, as_of), as_of)
        checks = checks_run(results, findings, settings)
        history = frame(con, "select * from dq_finding_history")
        contracts = all_contracts()
        ctx = BulletinContext(
            as_of=as_of,
            area_names=_area_names(settings),
            firm_names=_firm_names(con),
            entity_names={e: c.zh for e, c in contracts.items()} | {"all": "全部", "unknown": "未知"},
            check_sources=dict(zip(checks["check_id"], checks["source"], strict=True))
            | {"gx_check_errored": "gx"},
            n_checks=dict(checks.group_by("source").len().iter_rows()),
            docs_href=docs.relative_to(quality_dir).as_posix() if docs else None,
            corrections=tuple(Correction(**r) for r in corrected_months(con, as_of).iter_rows(named=True)),
            missing_sources=tuple(undelivered_sources(con, as_of)),
            scope_zh=scope_text(scope, batches, settings),
        )
        bulletin = write_bulletin(
            findings, history, ctx, quality_dir / f"数据质量通报_{as_of.isoformat()}.html"
        )
        blocking = findings.filter(pl.col("severity") == "blocking")
        record_night(con, scope, as_of, blocking.height > 0)
        summary = {
            **_scope_summary(scope, batches),
            "checks": checks.height,
            "checks_by_source": dict(sorted(ctx.n_checks.items())),
            "gx_errored": int(checks["errored"].sum()),
            "findings": findings.height,
            "findings_by_severity": {
                s: int((findings["severity"] == s).sum()) for s in ("blocking", "warning")
            },
            "blocking_checks": sorted(set(blocking["check_id"].to_list())),
            "corrected_months": sorted(
                {c.month for c in ctx.corrections}
            ),  # 更正 (pipelines/quality/corrections.py)
            # deliveries to ask the platform about, named by file: cut files and far too small or large days
            "deliveries": [
                f"{r['title_zh']}：{r['detail_zh']}"
                for r in findings.filter(pl.col("check_id").is_in(DELIVERY_CHECKS)).iter_rows(named=True)
            ],
            "seconds": round(time.monotonic() - started, 1),
            "gx_seconds": round(gx_seconds, 1),
        }
        log.info("data quality: %s", summary)
        return QualityResult(blocking.height > 0, findings, docs, bulletin, summary, checks, ctx)
    finally:
        if own:
            con.close()


GxOutcome = tuple[list[RuleResult], Path | None, list[dict], float]


def _gx_checks(
    con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date, docs_dir: Path
) -> tuple[CheckScope, dict[str, Batch], Future[GxOutcome]]:
    """Tonight's scope, the batches GX reads (tonight's new rows or the staged tables), and GX's work started in a
    thread: its results, the Data Docs index, the findings of the failed rules and its seconds. The caller drops
    the incremental batch tables once that work is done (drop_batches)."""
    rules = all_rules(settings, as_of)
    scope = decide_scope(con, settings, as_of, rules_fingerprint(settings))
    try:
        batches = prepare_batches(con, scope, list(rules))
    except BaseException:
        drop_batches(con)
        raise

    def validate() -> GxOutcome:
        started = time.monotonic()
        # a cursor: a DuckDB connection object is not shared between threads (the main thread keeps `con`)
        cur = con.cursor()
        try:
            results, docs = run_suites(
                cur, rules, docs_dir, as_of=as_of, tz=settings.timezone, batches=batches
            )
            return results, docs, gx_findings(cur, results, batches), time.monotonic() - started
        finally:
            cur.close()

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx")
    try:
        return scope, batches, pool.submit(validate)
    finally:
        pool.shutdown(wait=False)


def _scope_summary(scope: CheckScope, batches: dict[str, Batch]) -> dict:
    """Which rows the GX suites read: 全量 (every staged row) or 当日新增 (rows delivered since the last checked
    night); cross-source and load checks read everything every night."""
    return {
        "check_scope": scope.kind,
        "check_scope_zh": SCOPE[scope.kind],
        "check_scope_reason": scope.reason,
        "gx_rows_checked": sum(b.n_rows for b in batches.values()),
        "last_full_check": scope.last_full.isoformat() if scope.last_full else None,
    }


def scope_text(scope: CheckScope, batches: dict[str, Batch], settings: Settings) -> str:
    """校验范围 as the bulletin states it: 全量 or 当日新增, why, how many rows the single-table checks read."""
    reason = SCOPE_REASON[scope.reason].format(days=settings.quality.full_check_every_days)
    return SCOPE_TEXT[scope.kind].format(
        n_rows=sum(b.n_rows for b in batches.values()),
        reason=reason,
        last_full=scope.last_full.isoformat() if scope.last_full else "—",
    )


def _area_names(settings: Settings) -> dict[str, str]:
    path = settings.paths.data_dir / "reference" / "areas.csv"
    if not path.exists():
        return {}
    areas = pl.read_csv(path, schema_overrides={"code": pl.Utf8})
    return dict(zip(areas["code"], areas["name_zh"], strict=True))


def _firm_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Firm names from the projects (总承包单位, 建设单位) and the project corps, by credit code."""
    names = frame(
        con,
        """
        select corp_code, any_value(corp_name) as corp_name from (
            select contractor_corp_code as corp_code, contractor_corp_name as corp_name from stg_project
            union all select build_corp_code, build_corp_name from stg_project
            union all select corp_code, corp_name from stg_project_corp
        ) where corp_code is not null and corp_name is not null group by corp_code
        """,
    )
    return dict(zip(names["corp_code"], names["corp_name"], strict=True))


__all__ = ["FINDING_SCHEMA", "QualityResult", "run_quality"]
