"""Acceptance of issue 17: own-history training on generated worlds of several mechanisms.

For each world (seed × mechanism): generate it, load it into a warehouse the production way, run
`wagewatch train --warehouse` on it (pipelines/training/own_history.py: fitted on the snapshots whose labels closed
before the cut-off, scored on the next `backtest_month_ends` month ends), and print precision@5 % of the own fit,
the shipped prior, the rules count and the true-hazard ceiling (truth/project_month.parquet), and the ranking the
champion/challenger rule chose. None of the seeds may be a training seed of the prior (11, 23).

    python -m benchmarks.own_history --worlds 31:base,37:no-crisis,41:contractor-led --tier demo [--start 2023-12-01]

A tier's world spans 13 months: 7 closed month ends, of which the backtest takes 3 and the candidate learns from
the 2 whose labels closed before them. `--start` generates a longer history (pipelines/synth generate(start=…)).

Worlds are reused from --work-dir when already there. Never run on the city tier on a shared machine.

`--train-cost` also times `wagewatch train --warehouse` as its own process (wall seconds and peak resident memory,
what the monthly retrain pays) against a baseline measured in the same run: one night's features (project_features
at the last closed month end, the rule tables built once), the cost the nightly run already pays.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.features.ranking import model_home
from pipelines.settings import REPO_ROOT, Settings
from pipelines.training.own_history import own_frame, train_own_history
from pipelines.training.prior import load_world, with_baselines

PRIOR_SEEDS = (
    11,
    23,
)  # the shipped prior's training and validation worlds (pipelines/training/prior.py)
COLUMNS = ("candidate", "current", "rules", "ceiling")


def train_cost(warehouse: Path, settings: Settings) -> dict:
    """`wagewatch train --warehouse` in a child process (wall, peak RSS) and one night's features (the baseline)."""
    from pipelines.features.extract import project_features
    from pipelines.training.own_history import closed_month_ends
    from pipelines.warehouse import connect

    con = connect(warehouse, threads=settings.duckdb_threads, memory_limit=settings.duckdb_memory_limit)
    try:
        night = closed_month_ends(con, settings)[-1]
        started = time.perf_counter()
        one_night = project_features(con, night, settings)
        baseline = time.perf_counter() - started
    finally:
        con.close()
    shutil.rmtree(model_home(warehouse), ignore_errors=True)
    cli = Path(sys.executable).with_name("wagewatch")
    started = time.perf_counter()
    subprocess.run([str(cli), "train", "--warehouse", str(warehouse)], check=True, capture_output=True)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB, the largest child so far
    return {
        "train_seconds": round(wall, 1),
        "train_peak_rss_mib": round(peak_kib / 1024),
        "one_night_features_seconds": round(baseline, 1),
        "one_night_rows": one_night.height,
        "train_vs_one_night": round(wall / baseline, 1) if baseline else None,
    }


def world_row(
    seed: int,
    mechanism: str,
    tier: str,
    n_projects: int | None,
    work_dir: Path,
    start: date | None = None,
    measure_cost: bool = False,
) -> dict:
    from pipelines.synth import generate

    span = f"-from{start:%Y%m}" if start else ""
    folder = work_dir / f"{tier}-{n_projects or 'full'}{span}-{mechanism}-seed{seed}"
    started = time.perf_counter()
    if not (folder / "truth" / "project_month.parquet").exists():
        generate(tier, seed, folder, faults=False, n_projects=n_projects, mechanism=mechanism, start=start)
    settings = Settings()
    warehouse = folder / "warehouse.duckdb"
    con = load_world(folder, settings, warehouse)
    loaded = time.perf_counter()
    cost: dict = {}
    if measure_cost:
        con.close()
        cost = train_cost(warehouse, settings)
        con = load_world(folder, settings, warehouse)
    data = own_frame(con, settings)
    # the ceiling: the world's true hazard (with_baselines' other columns are not used: own_frame chose the rules one)
    hazard = with_baselines(data, folder).select(
        "as_of", "project_code", pl.col("true_hazard").cast(pl.Float64)
    )
    data = data.join(hazard, on=["as_of", "project_code"], how="left")
    con.close()
    shutil.rmtree(model_home(warehouse), ignore_errors=True)  # the shipped prior is the model in use
    r = train_own_history(
        warehouse,
        settings,
        data=data,
        command=f"python -m benchmarks.own_history --worlds {seed}:{mechanism}",
    )
    table = r.get("comparison", {})
    return {
        "seed": seed,
        "mechanism": mechanism,
        "closed_month_ends": len(r["closed_month_ends"]),
        "train_window": r.get("train_window"),
        "test_window": r.get("test_window"),
        "n_train_rows": r.get("n_train_rows"),
        "n_events": r["n_events"],
        "test_event_rate": r.get("test_event_rate"),
        **{c: table.get(c, {}).get("precision_at_share") for c in COLUMNS},
        "ranking": r["decision"]["ranking"],
        "reason": r["decision"]["reason"],
        "card": str(model_home(warehouse) / "MODEL_CARD.md"),
        "seconds": round(time.perf_counter() - started),
        "generate_and_load_seconds": round(loaded - started),
        **cost,
    }


def used_precision(row: dict) -> float | None:
    """precision@5 % of the ranking the rule chose (own model, the prior, or the rules count)."""
    return {"own_model": row["candidate"], "prior": row["current"], "rules": row["rules"]}.get(row["ranking"])


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def markdown(rows: list[dict], tier: str, n_projects: int | None, start: date | None = None) -> str:
    lines = [
        f"Own-history training, {tier} tier ({n_projects or 'all'} projects per world"
        f"{f', from {start:%Y-%m}' if start else ''}); precision@5 % averaged over the backtest's month ends",
        "",
        "| seed | mechanism | closed month ends | train window | test window | events | own fit | shipped prior | "
        "rules count | ceiling | own ÷ ceiling | own ÷ rules | ranking used | used |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        own, rules, ceiling = r["candidate"], r["rules"], r["ceiling"]
        lines.append(
            f"| {r['seed']} | {r['mechanism']} | {r['closed_month_ends']} | "
            f"{' … '.join(r['train_window'] or ['—'])} | {' … '.join(r['test_window'] or ['—'])} | {r['n_events']} | "
            f"{_f(own)} | {_f(r['current'])} | {_f(rules)} | {_f(ceiling)} | "
            f"{_f(own / ceiling if own is not None and ceiling else None)} | "
            f"{_f(own / rules if own is not None and rules else None)} | {r['ranking']} | {_f(used_precision(r))} |"
        )

    def mean(key) -> float | None:
        vals = [key(r) for r in rows if key(r) is not None]
        return sum(vals) / len(vals) if vals else None

    own, prior = mean(lambda r: r["candidate"]), mean(lambda r: r["current"])
    rules, ceiling, used = mean(lambda r: r["rules"]), mean(lambda r: r["ceiling"]), mean(used_precision)
    lines += [
        f"| mean | | | | | | {_f(own)} | {_f(prior)} | {_f(rules)} | {_f(ceiling)} | "
        f"{_f(own / ceiling if own is not None and ceiling else None)} | "
        f"{_f(own / rules if own is not None and rules else None)} | | {_f(used)} |",
        "",
        "Acceptance (issue 17): mean own fit ≥ 0.85 × ceiling and ≥ 1.2 × rules count.",
    ]
    return "\n".join(lines)


def parse_worlds(text: str) -> list[tuple[int, str]]:
    out = []
    for part in text.split(","):
        seed, _, mechanism = part.strip().partition(":")
        if int(seed) in PRIOR_SEEDS:
            raise SystemExit(f"seed {seed} trained or validated the shipped prior: pick another")
        out.append((int(seed), mechanism or "base"))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", default="31:base,37:no-crisis,41:contractor-led", help="seed:mechanism,…")
    ap.add_argument("--tier", default="demo")
    ap.add_argument("--projects", type=int, default=None, help="override the tier's number of projects")
    ap.add_argument(
        "--start", type=date.fromisoformat, default=None, help="first month (yyyy-MM-dd): a longer history"
    )
    ap.add_argument("--work-dir", type=Path, default=REPO_ROOT / "data" / "own_history")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    ap.add_argument(
        "--train-cost",
        action="store_true",
        help="also time `wagewatch train` as its own process (peak memory)",
    )
    a = ap.parse_args(argv)
    if a.tier in ("city", "province"):
        print("warning: the city/province tiers are heavy; do not run them on a shared machine")
    rows = []
    for seed, mechanism in parse_worlds(a.worlds):
        rows.append(world_row(seed, mechanism, a.tier, a.projects, a.work_dir, a.start, a.train_cost))
        print(json.dumps(rows[-1], ensure_ascii=False, default=str), flush=True)
    print(markdown(rows, a.tier, a.projects, a.start))
    for r in rows:
        if "train_seconds" in r:
            print(
                f"seed {r['seed']} ({r['mechanism']}): wagewatch train {r['train_seconds']} s, peak RSS "
                f"{r['train_peak_rss_mib']} MiB; one night's features {r['one_night_features_seconds']} s "
                f"({r['one_night_rows']} projects) → train = {r['train_vs_one_night']}× one night"
            )
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
