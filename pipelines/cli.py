"""`wagewatch` command line: generate a world, run a night (or its SQL layers on Spark), backfill, train."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

app = typer.Typer(
    name="wagewatch",
    help="农民工工资拖欠预警 — wage-arrears early warning for construction regulators.\n\n"
    "Typical use: `wagewatch generate --tier demo --out data/generated/demo`, then "
    "`wagewatch run --inbox data/generated/demo/inbox --out data/out`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Set by a command whose work is all closed, flushed and renamed into place when it returns (`run`, `backfill`):
# the console entry point then ends the process without Python's interpreter teardown (`leave`).
_LEAVING_FAST: set[str] = set()


OFFLINE_ENV = {
    # Prefect and GX must not phone home: regulators' servers have no internet (ecosystem-notes.md).
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "False",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


# `run` refuses an as-of date before the first extract, or behind OUT/LATEST without --republish (README)
EXIT_REFUSED = 4


@app.callback()
def _main() -> None:
    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)


def _say(msg: str) -> None:
    typer.echo(f"[{datetime.now():%H:%M:%S}] {msg}", err=True)


@app.command()
def generate(
    tier: Annotated[
        str, typer.Option(help="World size: tiny, demo (200 projects), city (2,000), province (10,000).")
    ] = "demo",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 7,
    out: Annotated[Path, typer.Option(help="Folder to write the world into (inbox/, truth/).")] = Path(
        "data/generated/demo"
    ),
    faults: Annotated[
        bool, typer.Option("--faults", help="Inject realistic bad data and write faults_manifest.json.")
    ] = False,
    projects: Annotated[int | None, typer.Option(help="Override the tier's number of projects.")] = None,
    mechanism: Annotated[
        str,
        typer.Option(
            help="Causal mechanism of the world: base, no-crisis, contractor-led, rare-events "
            "(pipelines/synth/mechanism.py says what each changes and why)."
        ),
    ] = "base",
    start: Annotated[
        str | None,
        typer.Option(
            help="First month (yyyy-MM-dd) earlier than the tier's, for a longer history (e.g. own-history "
            "training: a 13-month world has only 7 closed month ends); the world still ends at the tier's end."
        ),
    ] = None,
    other_habits: Annotated[
        bool,
        typer.Option(
            "--other-habits",
            help="Deliver the same facts with other export habits: every file's rows in another order, every CSV "
            "in the other encoding (UTF-8 <-> GB18030) with CRLF line ends, its dates and months spelled as a "
            "spreadsheet saves them (2025/6/3, 2025年6月), its headers marked as a template marks them (*项目编码, "
            "应发金额（元）), amounts as currency cells or in 万元, shares as percentages, cards and phones as people "
            "write them, and some dates' files zipped (pipelines/synth/habits.py).",
        ),
    ] = False,
) -> None:
    """Write a synthetic world: an inbox of platform extracts plus the true hazards beside it."""
    from pipelines.synth import generate as _generate
    from pipelines.synth.habits import redeliver
    from pipelines.synth.mechanism import MECHANISMS

    if mechanism not in MECHANISMS:
        raise typer.BadParameter(
            f"one of {', '.join(MECHANISMS)}, not {mechanism!r}", param_hint="--mechanism"
        )
    if other_habits and faults:
        raise typer.BadParameter(
            "the faults manifest names files and lines as the generator wrote them: not with --faults",
            param_hint="--other-habits",
        )
    summary = _generate(
        tier,
        seed,
        out,
        faults=faults,
        n_projects=projects,
        progress=_say,
        mechanism=mechanism,
        start=date.fromisoformat(start) if start else None,
    )
    if other_habits:
        done = redeliver(out / "inbox", seed)
        _say(
            f"other habits: {done['rewritten']} files rewritten ({done['csv_to_gb18030']} CSV to GB18030, "
            f"{done['csv_to_utf8']} to UTF-8, {done['tab_separated_utf16']} tab-separated UTF-16; "
            f"{done['html_workbook']} workbooks as HTML pages named .xls, {done['merged_workbook']} with merged "
            "cells), "
            f"{done['left_as_delivered']} left as delivered, {done['zipped']} "
            "moved into zip archives"
        )
    typer.echo(f"inbox: {out / 'inbox'}")
    typer.echo(f"truth: {out / 'truth'}")
    if faults:
        typer.echo(f"faults manifest: {out / 'faults_manifest.json'}")
    _say(f"done: {summary.get('files', '?')} files, {summary.get('seconds', '?')} s")


@app.command()
def run(
    inbox: Annotated[
        Path, typer.Option(help="The drop folder: one sub-folder per extract date (YYYY-MM-DD).")
    ],
    out: Annotated[
        Path, typer.Option(help="Where run folders are published (OUT/runs/<as_of>, OUT/latest).")
    ],
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file (default: data/warehouse/wagewatch.duckdb).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="As-of date YYYY-MM-DD (default: the newest extract date).")
    ] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait if another run holds the warehouse.")] = 0.0,
    republish: Annotated[
        bool,
        typer.Option(
            "--republish",
            help="Allow an as-of date earlier than OUT/LATEST: it is re-published into OUT/runs/<date>, "
            "LATEST and the warehouse's published tables stay on the newest run.",
        ),
    ] = False,
    full_rebuild: Annotated[
        bool,
        typer.Option(
            "--full-rebuild",
            help="Rebuild every SQL model whole tonight instead of only the months the new rows touch.",
        ),
    ] = False,
) -> None:
    """Run the nightly job once: load, check, compute indicators and warnings, publish lists and dashboard.

    Exit codes: 0 published, 3 blocked by a data-quality finding, 4 as-of date refused (before the first extract,
    or earlier than OUT/LATEST without --republish), 2 warehouse busy, 1 failure, 137 stopped at the night's
    deadline (WAGEWATCH_NIGHT_DEADLINE_MINUTES; OUT/attempts/<as_of>_stopped_… holds its stacks).
    """
    from pipelines.flows.ephemeral import EarlyServer
    from pipelines.flows.heartbeat import unjoined_heartbeats

    _LEAVING_FAST.add("run")
    server = (
        EarlyServer()
    )  # without PREFECT_API_URL: the ephemeral server starts while the pipeline is imported
    unjoined_heartbeats()  # the run's end does not wait for the heartbeat thread's sleep
    from pipelines.flows.nightly import nightly
    from pipelines.quality.gx_suites import import_gx_early
    from pipelines.runs import WarehouseBusyError
    from pipelines.settings import get_settings

    if get_settings().is_demo_secret:
        _say("note: personal data is hashed with the DEMO key; set WAGEWATCH_PII_SECRET in production")
    server.ready()
    # after the server started (the import would slow its start): GX's import runs while DuckDB loads and stages
    import_gx_early()
    try:
        summary = nightly(
            inbox=inbox,
            out=out,
            warehouse=warehouse,
            as_of=date.fromisoformat(as_of) if as_of else None,
            wait_for_lock_seconds=wait,
            republish=republish,
            full_rebuild=full_rebuild,
        )
    except WarehouseBusyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    _print_outcome(summary)


def _print_outcome(summary: dict) -> None:
    status = summary["status"]
    for s in summary["steps"]:
        rows = f", {s['rows']} rows" if s.get("rows") is not None else ""
        _say(f"  {s['step']:<10} {s['status']:<7} {s['seconds']:>7.1f} s{rows}")
    for s in summary["steps"]:
        for line in (s.get("detail") or {}).get("deliveries") or []:
            _say(f"  delivery: {line}")
    if summary.get("missing_sources"):
        _say("  sources not delivered (their indicators are null): " + ", ".join(summary["missing_sources"]))
    if status == "published":
        if summary.get("message"):  # a re-published past date says where LATEST stays
            _say(summary["message"])
        outputs = summary.get("outputs") or {}
        for label, path in outputs.items():
            typer.echo(f"{label}: {path}")
        typer.echo(f"run folder: {summary['output_dir']}")
        return
    typer.echo(f"{status}: {summary.get('message', '')}", err=True)
    if status == "refused":  # nothing was written: no details folder
        raise typer.Exit(EXIT_REFUSED)
    typer.echo(f"details: {summary.get('output_dir')}", err=True)
    raise typer.Exit(3 if status == "blocked" else 1)


@app.command("spark-run")
def spark_run(
    warehouse: Annotated[
        Path | None,
        typer.Option(
            help="DuckDB warehouse loaded by `wagewatch run` (default: data/warehouse/wagewatch.duckdb)."
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            help="Output folder: raw/, models/<model>/ (Parquet), summary.json. Shared by all executors."
        ),
    ] = Path("data/out/spark"),
    as_of: Annotated[
        str | None, typer.Option(help="As-of date YYYY-MM-DD (default: the newest extract date loaded).")
    ] = None,
    master: Annotated[
        str, typer.Option(help="Spark master URL: local[2], spark://host:7077, yarn …")
    ] = "local[2]",
    driver_memory: Annotated[str, typer.Option(help="Spark driver memory (spark.driver.memory).")] = "2g",
    verify: Annotated[
        bool,
        typer.Option(
            "--verify", help="Also build the models on DuckDB and require the same rows (small worlds only)."
        ),
    ] = False,
) -> None:
    """Run the SQL layers (staging → intermediate → rules → marts) on Apache Spark from a loaded warehouse.

    Ingestion, checks, scoring and reports stay single-node. Needs Java 17 and `uv sync --group spark`.
    """
    from pipelines import spark_run as sr
    from pipelines.settings import get_settings

    try:
        as_of_date = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {as_of}", param_hint="--as-of") from None
    settings = get_settings()
    try:
        result = sr.spark_run(
            warehouse or settings.paths.warehouse,
            out,
            as_of=as_of_date,
            master=master,
            driver_memory=driver_memory,
            verify=verify,
            settings=settings,
            progress=_say,
        )
    except sr.SparkRunError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for step, seconds in result.seconds.items():
        n = sum(1 for m in result.models.values() if m["layer"] == step)
        models = f", {n} models" if n else ""
        _say(f"  {step:<12} {seconds:>7.1f} s{models}")
    typer.echo(f"models: {Path(result.out) / 'models'}")
    typer.echo(f"summary: {Path(result.out) / 'summary.json'}")
    for name, error in result.failed.items():
        typer.echo(f"failed on Spark: {name}: {error}", err=True)
    if result.verified:
        for diff in result.differences.values():
            typer.echo(f"differs from DuckDB: {diff}", err=True)
        if not result.differences:
            typer.echo(f"verified: all {len(result.models)} models give the same rows on Spark and DuckDB")
    if not result.ok:
        raise typer.Exit(1)


@app.command("play-inspectors")
def play_inspectors(
    warehouse: Annotated[Path, typer.Option(help="The warehouse whose published lines are inspected.")],
    truth: Annotated[Path, typer.Option(help="The generated world's truth folder (events.parquet).")],
    inbox: Annotated[Path, typer.Option(help="The drop folder the returns are written into.")],
    deliver_on: Annotated[str, typer.Option(help="Extract date YYYY-MM-DD the returns arrive with.")],
    seed: Annotated[int, typer.Option(help="Random seed of the simulated inspectors.")] = 7,
) -> None:
    """Demo only: simulated inspectors return the latest night's 核查清单 from the world's truth (triage.md)."""
    import duckdb
    import polars as pl

    from pipelines.synth.inspectors import simulate_returns, write_returns
    from pipelines.warehouse import frame

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        lines = frame(con, "select * from warning")
    finally:
        con.close()
    events = pl.read_parquet(truth / "events.parquet")
    day = date.fromisoformat(deliver_on)
    returns = simulate_returns(lines, events, day, seed=seed)
    path = write_returns(returns, inbox, day)
    counts = dict(returns.group_by("outcome").len().sort("outcome").iter_rows())
    _say(f"{returns.height} returns for {lines.height} lines → {path} (outcomes {counts})")


@app.command()
def backfill(
    inbox: Annotated[Path, typer.Option(help="The drop folder.")],
    out: Annotated[Path, typer.Option(help="Where run folders are published.")],
    start: Annotated[str, typer.Option(help="First as-of date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last as-of date, YYYY-MM-DD.")],
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
    every: Annotated[
        str, typer.Option(help="Which dates: 'extract' (each delivered extract date) or 'month-end'.")
    ] = "extract",
    republish: Annotated[
        bool,
        typer.Option(
            "--republish",
            help="Also run dates earlier than OUT/LATEST (LATEST stays on the newest run).",
        ),
    ] = False,
) -> None:
    """Run the nightly job for each as-of date in a range, oldest first; already-published dates are skipped."""
    from pipelines.flows.ephemeral import EarlyServer
    from pipelines.flows.heartbeat import unjoined_heartbeats

    _LEAVING_FAST.add("backfill")
    server = EarlyServer()  # as in `run`
    unjoined_heartbeats()
    from pipelines.flows.backfill import backfill as _backfill

    server.ready()
    result = _backfill(
        inbox=inbox,
        out=out,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        warehouse=warehouse,
        every=every,
        republish=republish,
    )
    for d, status in result.items():
        typer.echo(f"{d}: {status}")
    if any(s not in ("published", "skipped") for s in result.values()):
        raise typer.Exit(1)


@app.command()
def train(
    out: Annotated[Path, typer.Option(help="Where the model artifacts and backtest report go.")] = Path(
        "models/risk/artifacts"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the training world.")] = 11,
    validation_seed: Annotated[int, typer.Option(help="Seed of the held-out validation world.")] = 23,
    projects: Annotated[
        int | None,
        typer.Option(help="Projects per generated world (province tier); default: the protocol's."),
    ] = None,
    work_dir: Annotated[
        Path | None, typer.Option(help="Where the worlds are generated (reused when already there).")
    ] = None,
    also_validate: Annotated[
        list[int] | None,
        typer.Option(
            help="Another held-out seed to test the same model on (repeatable); reported in the card."
        ),
    ] = None,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            help="Fit on this warehouse's own history instead (champion/challenger against the model in use and "
            "the rules count); the decision, model and card go to WAREHOUSE.models/."
        ),
    ] = None,
) -> None:
    """Retrain the risk model: on a warehouse's own history (--warehouse), or the shipped prior on generated
    worlds (a training seed, validated on another seed)."""
    from pipelines.training.prior import TRAIN_PROJECTS, train_and_validate

    if warehouse is not None:
        from pipelines.features.ranking import CARD_FILE, model_home
        from pipelines.settings import get_settings
        from pipelines.training.own_history import train_own_history

        if not warehouse.exists():
            raise typer.BadParameter(f"no warehouse at {warehouse}", param_hint="--warehouse")
        r = train_own_history(warehouse, get_settings())
        typer.echo(f"{r['ranking_zh']} — {r['decision']['reason']}")
        typer.echo(f"model card: {model_home(warehouse) / CARD_FILE}")
        return

    report = train_and_validate(
        out=out,
        seed=seed,
        validation_seed=validation_seed,
        progress=_say,
        n_projects=projects or TRAIN_PROJECTS,
        work_dir=work_dir,
        also_validate=also_validate or (),
    )
    typer.echo(f"model: {report['model_path']}")
    typer.echo(f"model card: {report['model_card']}")


@app.command()
def notebook(
    name: Annotated[
        str, typer.Argument(help="Notebook: project_investigation, district_drilldown or data_quality.")
    ],
    warehouse: Annotated[Path, typer.Option(help="The warehouse the nightly run wrote.")] = Path(
        "data/warehouse/wagewatch.duckdb"
    ),
    out: Annotated[Path, typer.Option(help="Folder for the executed notebook (.ipynb).")] = Path(
        "data/out/notebooks"
    ),
    project: Annotated[str | None, typer.Option(help="PROJECT_CODE for project_investigation.")] = None,
    area: Annotated[str | None, typer.Option(help="AREA_CODE for district_drilldown.")] = None,
) -> None:
    """Run an analyst notebook on a warehouse and save it with its tables and figures (open it in Jupyter/VS Code):
    one file per subject (project_investigation_<code>.ipynb), its figures also as PNGs in <file>_图片/."""
    from pipelines import notebooks
    from pipelines.reports import labels_zh as zh

    if name not in notebooks.available():
        typer.echo(
            zh.NB_UNKNOWN_NOTEBOOK.format(name=name, choices="、".join(notebooks.available())), err=True
        )
        raise typer.Exit(2)
    if not warehouse.exists():
        typer.echo(zh.NB_NO_WAREHOUSE.format(path=warehouse), err=True)
        raise typer.Exit(1)
    params: dict[str, str] = {"WAREHOUSE": str(warehouse.absolute())}
    if project:
        params["PROJECT_CODE"] = project
    if area:
        params["AREA_CODE"] = area
    try:
        subject = notebooks.resolve_subject(name, warehouse, params)
        if subject is not None:
            params[notebooks.SUBJECT_PARAM[name]] = subject
        target = out.absolute() / notebooks.output_name(name, subject)
        _say(f"executing notebooks/{name}.py on {warehouse}")
        notebooks.execute(name, params, target)
    except notebooks.NotebookError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"notebook: {target}")


def main() -> None:
    """The `wagewatch` console script: the app, then `leave` after `run` and `backfill`, `sys.exit` otherwise."""
    try:
        app()
        code = 0
    except SystemExit as exc:
        if not _LEAVING_FAST:
            raise
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    if _LEAVING_FAST:
        leave(code)
    sys.exit(code)


def leave(code: int) -> NoReturn:
    """End the process as `sys.exit` would, without the interpreter's teardown of every imported module.

    After a night the process has imported prefect, GX, plotly, scikit-learn, polars and DuckDB; freeing their
    objects one by one at exit took 1.5–2.5 s of every `wagewatch run` (docs/decisions.md "Reports and overhead,
    second round"). What exit must still do is done here, in the same order: non-daemon threads are joined, the
    atexit handlers run (Prefect's log and event workers drain to the API, an ephemeral server stops, logging
    flushes), the standard streams are flushed; then `os._exit`. The warehouse connection and every output file
    are closed by the run itself before this (NightlyRun.__exit__, the writers' context managers).
    """
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe: nothing more can be said
            stream.flush()
    os._exit(code)
