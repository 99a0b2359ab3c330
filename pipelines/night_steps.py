"""The nightly job's steps as plain functions (the Prefect flow in flows/nightly.py only wires them).

Each step takes what it needs and returns what the next needs; tests call them without Prefect.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from pipelines.incremental import STATE_TABLE
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import connect, discover_models, frame, has_table, run_models, transaction

if TYPE_CHECKING:  # imported where used: loading pulls in the readers, which the CLI does not need to start
    from pipelines.features.scoring import ModelPreload
    from pipelines.ingest.load import LoadReport
    from pipelines.reports.dashboard import ImageExport

# Output tables other tools read (indicators.md "Outputs that other tools read"), plus the lists' detail.
PUBLISHED_TABLES = (
    "indicator_project_month",
    "indicator_area_month",
    "warning",
    "project_risk",
    "disposition_area_month",
    "rule_firing",
    "rule_worker",
    "rpt_area_ranking",
    "dq_finding",
)

# The files of a published table list its rows in one order, so that a night run again writes the same bytes (a
# table's rows come back from DuckDB in whatever order its threads finished): every column in turn, the warning
# list by its rank (docs/decisions.md "Money sums to the fen").
PUBLISHED_ORDER = {"warning": '"rank" nulls last, project_code, list'}

# While a run works, the published tables it is about to rebuild are kept aside under this prefix; they come back
# if the run does not publish (blocked, failed, crashed) and are dropped when it does.
HELD_PREFIX = "_held_"


def extract_dates(inbox: Path) -> list[date]:
    """The extract dates delivered to the inbox (its `YYYY-MM-DD` sub-folders), oldest first."""
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder not found: {inbox}")
    from pipelines.ingest.load import extract_date_of  # the loader's rule, one definition

    return sorted(d for d in map(extract_date_of, inbox.iterdir()) if d is not None)


def resolve_as_of(inbox: Path, as_of: date | None) -> date:
    """The run's as-of date: the one asked for, else the newest extract date in the inbox."""
    if as_of is not None:
        return as_of
    dates = extract_dates(inbox)
    if not dates:
        raise FileNotFoundError(f"no extract folders (YYYY-MM-DD) in {inbox}")
    return dates[-1]


def first_extract(inbox: Path, warehouse: Path) -> date | None:
    """The oldest extract date delivered: the inbox's first folder, or an older one the warehouse already holds."""
    dates = extract_dates(inbox)[:1] if inbox.is_dir() else []
    if warehouse.exists():
        con = connect(warehouse, read_only=True)
        try:
            if has_table(con, "load_file"):
                oldest = con.execute("select min(extract_date) from load_file").fetchone()[0]  # type: ignore[index]
                dates += [oldest] if oldest is not None else []
        finally:
            con.close()
    return min(dates) if dates else None


def hold_published(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Set the published tables aside before a run rebuilds them; other tools keep reading them only after publish.

    A run that died without putting them back (a crash, a kill) left them aside: they are restored first.
    """
    release_published(con, keep_new=False)
    held = [name for name in PUBLISHED_TABLES if has_table(con, name)]
    with transaction(con):
        for name in held:
            con.execute(f"alter table {name} rename to {HELD_PREFIX}{name}")
    return held


def release_published(con: duckdb.DuckDBPyConnection, *, keep_new: bool) -> None:
    """End a run's hold: keep the tables it built (it publishes the newest date) or put the held ones back."""
    with transaction(con):
        for name in PUBLISHED_TABLES:
            held = f"{HELD_PREFIX}{name}"
            if not has_table(con, held):
                continue
            if keep_new and has_table(con, name):
                con.execute(f"drop table {held}")
            else:
                con.execute(f"drop table if exists {name}")
                con.execute(f"alter table {held} rename to {name}")
                if has_table(con, STATE_TABLE):  # an earlier night's rows: not tonight's build any more
                    con.execute(f"delete from {STATE_TABLE} where model = ?", [name])


def open_warehouse(path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing and bring its schema to the current version (backed up first)."""
    from pipelines.migrations import migrate

    con = connect(path, memory_limit=settings.duckdb_memory_limit, threads=settings.duckdb_threads)
    migrate(con, path)
    return con


def load_extracts(con: duckdb.DuckDBPyConnection, inbox: Path, settings: Settings, as_of: date) -> LoadReport:
    """Load every not-yet-loaded file delivered up to as_of (ledger, quarantine, hashed personal data). The files a
    night read before and that have not changed since are not read again (ingest/unchanged.py)."""
    from pipelines.ingest.load import load_inbox
    from pipelines.ingest.unchanged import remember, unchanged_loaded

    skip = unchanged_loaded(con, inbox, as_of)
    report = load_inbox(con, inbox, settings, up_to=as_of, skip=skip)
    remember(con, inbox, report.read)
    return report


def build_layer(
    con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date, layers: tuple[str, ...]
) -> list[str]:
    """Rebuild the SQL models of the given layers as of `as_of`: the month-partitioned ones only in the months that
    changed since their last build, unless settings say otherwise (incremental_nights, full_rebuild)."""
    models = discover_models()
    names = [n for n, m in models.items() if m.layer in layers]
    if not settings.incremental_nights:
        con.execute(f"drop table if exists {STATE_TABLE}")
    return run_models(
        con,
        sql_params(settings, as_of),
        models=models,
        only=names,
        incremental=settings.incremental_nights,
        full=settings.full_rebuild,
    )


def missing_sources(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[str]:
    """Entities with no row delivered by as_of (at all, without as_of): indicators that need them are null
    (数据未报送) and named in the summary, and the rules that need them do not fire (int_source_delivered)."""
    from pipelines.delivery import undelivered_sources

    return undelivered_sources(con, as_of)


def check_quality(
    con: duckdb.DuckDBPyConnection, warehouse: Path, settings: Settings, as_of: date, out_dir: Path
) -> Any:
    """Great Expectations suites and cross-source checks on the staged tables."""
    from pipelines.quality import run_quality

    return run_quality(warehouse, settings, as_of, out_dir, con=con)


def preload_model(warehouse: Path | None, settings: Settings) -> ModelPreload:
    """Start reading the ranking's risk model in a thread (scikit-learn's import, the joblib file), for the score
    step: started before the models step, whose DuckDB work leaves the interpreter to it."""
    from pipelines.features.scoring import ModelPreload

    return ModelPreload(warehouse, settings)


def score_projects(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    as_of: date,
    warehouse: Path | None = None,
    preload: ModelPreload | None = None,
) -> pl.DataFrame:
    """Risk score (0–1) and top factors for every in-scope project at as_of, by the ranking chosen for `warehouse`
    (its own promoted model, the shipped prior or the rules count: pipelines/features/ranking.py); `preload`: the
    model being read since before the models step (preload_model)."""
    from pipelines.features import score_projects as _score

    # the models step has just built the rule tables at as_of: the features read them (no second build)
    return _score(con, as_of, settings, warehouse=warehouse, rules_built=True, preload=preload)


def ranking_label(warehouse: Path | None, settings: Settings) -> str:
    """排序依据：… — which ranking orders the list (run summary and the 核查清单's title row)."""
    from pipelines.features.ranking import ranking_in_use

    return ranking_in_use(warehouse, settings).label_zh


@dataclass
class WarningList:
    """Tonight's lines (both lists, with the lines that ended tonight), the project_risk rows, the workers affected."""

    lines: pl.DataFrame
    resolved: pl.DataFrame
    workers: pl.DataFrame
    project_risk: pl.DataFrame | None = None
    # 欠薪线索: hard evidence not on tonight's 核查清单 (assemble.arrears_leads)
    leads: pl.DataFrame | None = None
    # disposition_area_month's columns for the whole city per month (area_code null): 核实率 by level and band
    loop_city: pl.DataFrame | None = None
    # the inspectors' returns known tonight (stg_disposition): 整改跟踪's rows show the return that put them there
    returns: pl.DataFrame | None = None

    @property
    def inspection(self) -> pl.DataFrame:
        """The open lines of tonight's 核查清单 (what the dashboard counts)."""
        return self.lines.filter(
            (pl.col("list") == "inspection") & (pl.col("status") == "open") & pl.col("rank").is_not_null()
        )


def assemble_warning_list(
    con: duckdb.DuckDBPyConnection, scores: pl.DataFrame, settings: Settings, as_of: date
) -> WarningList:
    """Rule firings, scores, owed wages, the previous night's lines and returns → tonight's two lists."""
    from pipelines.warnings.assemble import arrears_leads, assemble_warnings, project_risk, risk_frame

    firings = frame(con, "select * from rule_firing")
    projects = frame(con, "select * from stg_project")
    owed = frame(con, "select * from risk_wages_owed") if has_table(con, "risk_wages_owed") else None
    dispositions = frame(con, "select * from stg_disposition") if has_table(con, "stg_disposition") else None
    previous = _previous_list(con, as_of)
    cooling = _closed_recently(con, as_of, settings.triage.relist_after_days) if previous is not None else {}
    scope = frame(con, "select project_code from rule_scope")["project_code"].to_list()
    lines = assemble_warnings(
        firings, scores, projects, previous, settings, as_of, owed, dispositions, cooling, scope
    )
    risk_rows = risk_frame(firings, scores, projects, settings, owed, scope)
    risk = project_risk(risk_rows, lines, as_of)
    _store_warning(con, lines, risk)
    loop_city = _store_disposition_area_month(con, dispositions, settings, as_of, lines)
    workers = frame(con, "select * from rule_worker")
    ended = lines.filter(pl.col("status") != "open")
    leads = arrears_leads(risk_rows, lines, as_of)
    return WarningList(
        lines=lines,
        resolved=ended,
        workers=workers,
        project_risk=risk,
        leads=leads,
        loop_city=loop_city,
        returns=dispositions,
    )


def _previous_list(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame | None:
    """The last night's lines before as_of (the ledger `warning_history`), if any."""
    has_history = con.execute(
        "select count(*) from information_schema.columns where table_name = 'warning_history' and column_name = 'warning_id'"
    ).fetchone()[0]  # type: ignore[index]
    if not has_history:
        return None
    prev = con.execute("select max(as_of) from warning_history where as_of < ?", [as_of]).fetchone()[0]  # type: ignore[index]
    if prev is None:
        return None
    return frame(con, "select * from warning_history where as_of = ?", [prev])


def _history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    has = con.execute(
        "select count(*) from information_schema.columns where table_name = 'warning_history' and column_name = 'warning_id'"
    ).fetchone()[0]  # type: ignore[index]
    return frame(con, "select * from warning_history") if has else pl.DataFrame()


def _checked_returns(con: duckdb.DuckDBPyConnection, settings: Settings) -> pl.DataFrame | None:
    """The inspectors' returns known tonight, checked against the ledger (rejected ones quarantined)."""
    from pipelines.warnings.disposition import check_returns, ledger_lines, quarantine_returns

    if not has_table(con, "stg_disposition"):
        return None
    returns = frame(con, "select * from stg_disposition")
    if returns.height == 0:
        return None
    valid, rejected = check_returns(returns, ledger_lines(_history(con)))
    quarantine_returns(con, rejected)
    return valid


def _store_disposition_area_month(
    con: duckdb.DuckDBPyConnection,
    returns: pl.DataFrame | None,
    settings: Settings,
    as_of: date,
    lines: pl.DataFrame,
) -> pl.DataFrame:
    """Store disposition_area_month; return the same indicators for the whole city per month (area_code null),
    counted from the lines (a rate by level or band cannot be summed from the districts' rates)."""
    from pipelines.warnings.disposition import AREA_MONTH_SCHEMA, disposition_area_month

    # the ledger before tonight (it takes tonight's lines only when the run publishes) and tonight's lines
    history = _history(con)
    history = history.filter(pl.col("as_of") < as_of) if history.height else history
    history = pl.concat([history, lines], how="diagonal_relaxed") if history.height else lines
    empty = pl.DataFrame(
        schema={
            "warning_id": pl.Utf8,
            "outcome": pl.Utf8,
            "inspect_date": pl.Date,
            "arrears_amount": pl.Float64,
            "workers_owed": pl.Int64,
        }
    )
    area_month = (  # noqa: F841 - DuckDB reads the frame by its name below
        disposition_area_month(
            history, returns if returns is not None else empty, as_of, settings.triage.review_deadline_days
        )
        if history.height
        else pl.DataFrame(schema=AREA_MONTH_SCHEMA)
    )
    con.execute("create or replace table disposition_area_month as select * from area_month")
    if not history.height:
        return pl.DataFrame(schema=AREA_MONTH_SCHEMA)
    return disposition_area_month(
        history.with_columns(area_code=pl.lit(None, dtype=pl.Utf8)),
        returns if returns is not None else empty,
        as_of,
        settings.triage.review_deadline_days,
    )


def _closed_recently(
    con: duckdb.DuckDBPyConnection, as_of: date, days: int
) -> dict[str, tuple[float | None, int | None]]:
    """Projects whose inspection line closed within `days` before as_of, with the amount and workers owed on the
    line when it closed (the latest such line): re-listed only when what is owed grew since."""
    rows = con.execute(
        "select project_code, arg_max(owed_yuan, closed_date), arg_max(workers_owed, closed_date) "
        "from warning_history where list = 'inspection' and status = 'closed' "
        "and as_of < ? and closed_date > ? - to_days(?) group by project_code",
        [as_of, as_of, days],
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _store_warning(con: duckdb.DuckDBPyConnection, lines: pl.DataFrame, risk: pl.DataFrame) -> None:
    """`warning` and `project_risk` hold this night's rows (published tables: set aside until the run publishes)."""
    with transaction(con):
        con.execute("create or replace table warning as select * from lines")
        con.execute("create or replace table project_risk as select * from risk")


def commit_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """At publish: the night's lines (`warning`) join the lines' ledger `warning_history`, replacing an earlier run
    of the same night, so a night that did not publish never becomes the "previous list" of the next one.
    A history from before triage.md (no warning_id) is kept aside as warning_history_before_triage."""
    if not has_table(con, "warning"):
        return
    cols = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_name = 'warning'"
        ).fetchall()
    }
    if "warning_id" not in cols:
        return
    with transaction(con):
        have = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = 'warning_history'"
            ).fetchall()
        }
        if have and "warning_id" not in have:
            con.execute("drop table if exists warning_history_before_triage")
            con.execute("alter table warning_history rename to warning_history_before_triage")
            have = set()
        if not have:
            con.execute("create table warning_history as select * from warning")
        else:
            con.execute("delete from warning_history where as_of in (select distinct as_of from warning)")
            con.execute("insert into warning_history by name select * from warning")


def write_tables(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, str]:
    """The machine-readable outputs: each published table as Parquet and CSV for machines (UTF-8 without BOM,
    text quoted so that codes stay text; people read the Excel lists)."""
    tables_dir = out_dir / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    existing = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    written: dict[str, str] = {}
    for name in PUBLISHED_TABLES:
        if name not in existing:
            continue
        df = frame(con, f"select * from {name} order by {PUBLISHED_ORDER.get(name, 'all')}")
        df.write_parquet(tables_dir / f"{name}.parquet")
        flat = df.with_columns(
            [pl.col(c).list.join(",") for c, t in df.schema.items() if isinstance(t, pl.List)]
        )
        flat.write_csv(tables_dir / f"{name}.csv", include_bom=False, quote_style="non_numeric")
        written[name] = str(tables_dir / f"{name}.parquet")
    return written


def read_areas(settings: Settings) -> pl.DataFrame:
    """District names (行政区划) for the lists and dashboard."""
    path = settings.paths.data_dir / "reference" / "areas.csv"
    if path.exists():
        return pl.read_csv(path, schema_overrides={"code": pl.Utf8})
    return pl.DataFrame({"code": [], "name_zh": []}, schema={"code": pl.Utf8, "name_zh": pl.Utf8})


@dataclass(frozen=True)
class ReportFiles:
    """What write_reports wrote: label → path inside its out_dir (the run summary's `outputs`)."""

    paths: dict[str, str]


def _findings(con: duckdb.DuckDBPyConnection, quality: Any) -> pl.DataFrame:
    """Tonight's data-quality findings: the quality step's, else the warehouse's dq_finding (empty if none)."""
    findings = getattr(quality, "findings", None)
    if findings is None:
        findings = frame(con, "select * from dq_finding") if has_table(con, "dq_finding") else pl.DataFrame()
    return findings


def _bulletin_with_closed_loop(con: duckdb.DuckDBPyConnection, quality: Any, warnings: WarningList) -> None:
    """The bulletin again, now with its closed-loop section (the lists exist only after the quality step); left
    as it is when the quality step wrote none or there is no disposition_area_month."""
    bulletin = getattr(quality, "bulletin_path", None)
    context = getattr(quality, "context", None)
    if not (bulletin and context is not None and has_table(con, "disposition_area_month")):
        return
    from dataclasses import replace

    from pipelines.quality.bulletin import write_bulletin

    write_bulletin(
        quality.findings,
        frame(con, "select * from dq_finding_history"),
        replace(
            context,
            closed_loop=frame(con, "select * from disposition_area_month"),
            closed_loop_city=warnings.loop_city,
        ),
        Path(bulletin),
    )


def write_reports(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    settings: Settings,
    as_of: date,
    warnings: WarningList,
    quality: Any,
    ranking_zh: str | None = None,
) -> ReportFiles:
    """Inspectors' Excel lists and CSV, the leaders' HTML dashboard, and where each went.
    `ranking_zh` (排序依据：…) goes into the 核查清单 sheet's title row."""
    from pipelines.reports.dashboard import ImageExport
    from pipelines.reports.warning_list import second_process

    # Chromium starts now (the 通报图), while the inputs are read and the figures built; a second process writes the
    # city's workbook (it starts when the lists are written: earlier, its imports would slow those figures)
    images = ImageExport()
    big = warnings.lines.height + warnings.workers.height >= settings.reports_parallel_min_rows
    pool = second_process() if big else None
    try:
        with pool or contextlib.nullcontext():
            return _write_reports(con, out_dir, settings, as_of, warnings, quality, ranking_zh, pool, images)
    finally:
        images.result()  # already ended by the dashboard unless something failed before it


def _write_reports(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    settings: Settings,
    as_of: date,
    warnings: WarningList,
    quality: Any,
    ranking_zh: str | None,
    pool: Executor | None,
    images: ImageExport,
) -> ReportFiles:
    """write_reports' work; `pool` writes the city's workbook (None: this process writes every workbook), `images`
    renders the dashboard's PNGs on a browser already started."""
    from pipelines.reports.dashboard import DashboardInputs, dashboard_written, firm_inputs
    from pipelines.reports.warning_list import ListInputs, write_warning_lists

    areas = read_areas(settings)
    findings = _findings(con, quality)
    area_month = frame(con, "select * from indicator_area_month")
    ranking = frame(con, "select * from rpt_area_ranking") if has_table(con, "rpt_area_ranking") else None
    # the dashboard first: Chromium renders its images (通报图) in the background while the Excel lists are written
    inputs = DashboardInputs(
        area_month,
        ranking,
        warnings.inspection,
        findings,
        areas,
        as_of,
        settings,
        missing_sources=missing_sources(con, as_of),
        firms=firm_inputs(con),
        disposition=frame(con, "select * from disposition_area_month")
        if has_table(con, "disposition_area_month")
        else None,
    )
    with dashboard_written(inputs, out_dir / f"看板_{as_of.isoformat()}.html", images=images) as dashboard:
        lists = write_warning_lists(
            ListInputs(
                warnings.lines,
                warnings.workers,
                findings,
                areas,
                as_of,
                ranking_zh=ranking_zh,
                leads=warnings.leads,
                returns=warnings.returns,
            ),
            out_dir / "lists",
            pool=pool,
        )
        _bulletin_with_closed_loop(con, quality, warnings)
    outputs = {
        "warning list (city)": next(
            (str(p) for p in lists if "全市" in p.name and p.suffix == ".xlsx"),
            str(lists[0]) if lists else "",
        ),
        "warning lists folder": str(out_dir / "lists"),
        "dashboard": str(dashboard),
    }
    docs = getattr(quality, "docs_index", None)
    bulletin = getattr(quality, "bulletin_path", None)
    if docs:
        outputs["data docs"] = str(docs)
    if bulletin:
        outputs["data-quality bulletin"] = str(bulletin)
    return ReportFiles(
        {
            k: str(Path(v).relative_to(out_dir)) if v and Path(v).is_relative_to(out_dir) else v
            for k, v in outputs.items()
        }
    )
