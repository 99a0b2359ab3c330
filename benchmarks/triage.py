"""Triage acceptance (issue 16): month-end nights in date order on a generated world, with the lists returned.

One run, in this order:
  1. `wagewatch generate --tier T --seed S [--mechanism M]` into benchmarks/.work/triage-T-S[-M] (reused when there);
  2. a staged inbox under <world>-nights/inbox: one real folder per extract date holding links to the world's files
     (so the returns the inspectors write never touch the world);
  3. the last N month ends whose score horizon (settings.score.horizon_days) still lies inside the world, in date
     order: before every night but the first, `wagewatch play-inspectors` returns the previous night's 核查清单
     (returns dated up to tonight), then `wagewatch run --as-of <night>` runs the real nightly flow;
  4. per night, read from the warehouse (read-only) and the world's truth (truth/events.parquet: every arrears event
     the generator drew, dated): per district the inspection lines against capacity (hard-evidence lines counted
     apart), inspection lines ÷ projects in risk scope, the red lines' event rate against the base rate (an event
     in (night, night + horizon]; base = every project in risk scope), and the closed-loop indicators
     (disposition_area_month summed over districts and months).
Prints a Markdown table per night, the districts over capacity, and the acceptance verdict.

    .venv/bin/python -m benchmarks.triage --tier demo --seed 7 --nights 6
    .venv/bin/python -m benchmarks.triage --tier city --seed 31 --nights 6
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipelines.settings import get_settings

WORK = Path(__file__).resolve().parent / ".work"
BIN = Path(sys.executable).parent
TRAINING_SEEDS = {11, 23}  # the shipped model's training worlds (models/risk/MODEL_CARD.md)
MAX_LISTED_SHARE = 0.20  # issue 16: inspection lines ≤ 20 % of in-scope projects
MIN_RED_LIFT = 2.0  # issue 16: red lines' event rate ≥ 2× the base rate


SNAPSHOT: Path | None = (
    None  # --snapshot: the nights run this commit's code, whatever the worktree does meanwhile
)


def snapshot_code() -> Path:
    """`git archive HEAD` into .work/code-<sha> (tracked files: code, contracts, reference data, the model)."""
    root = Path(__file__).resolve().parent.parent
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = WORK / f"code-{sha}"
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=root, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _env() -> dict[str, str]:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    return env


def wagewatch(*args: str) -> int:
    return subprocess.run([str(BIN / "wagewatch"), *args], env=_env(), check=False).returncode


def generate(world: Path, tier: str, seed: int, mechanism: str | None) -> None:
    if (world / "inbox").exists() and (world / "truth" / "events.parquet").exists():
        print(f"generate: reusing {world}", flush=True)
        return
    start = time.perf_counter()
    extra = ["--mechanism", mechanism] if mechanism else []
    rc = wagewatch("generate", "--tier", tier, "--seed", str(seed), "--out", str(world), *extra)
    if rc:
        raise SystemExit(f"generate failed ({rc})")
    print(f"generate {tier} seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)


def stage_inbox(world_inbox: Path, staged: Path) -> list[date]:
    """Real folders of links to the world's files; returns the extract dates."""
    shutil.rmtree(staged, ignore_errors=True)
    days = []
    for folder in sorted(p for p in world_inbox.iterdir() if p.is_dir()):
        (staged / folder.name).mkdir(parents=True)
        for f in folder.iterdir():
            (staged / folder.name / f.name).symlink_to(f.resolve())
        days.append(date.fromisoformat(folder.name))
    return days


def pick_nights(days: list[date], n: int, horizon_days: int) -> list[date]:
    """The last n month-end extract dates whose horizon ends inside the world (its last extract date)."""
    month_ends = [d for d in days if (d + timedelta(days=1)).day == 1]
    usable = [d for d in month_ends if d + timedelta(days=horizon_days) <= max(days)]
    return usable[-n:]


def night_figures(tables: Path, events: pl.DataFrame, night: date, horizon: int) -> dict:
    """The night's figures from its published tables (OUT/runs/<night>/tables) and the world's truth."""
    lines = pl.read_parquet(tables / "warning.parquet")
    risk = pl.read_parquet(tables / "project_risk.parquet")
    loop = pl.read_parquet(tables / "disposition_area_month.parquet")
    hit = (
        events.filter(
            (pl.col("event_date") > night) & (pl.col("event_date") <= night + timedelta(days=horizon))
        )
        .select("project_code")
        .unique()
        .with_columns(event=pl.lit(True))
    )
    risk = risk.join(hit, on="project_code", how="left").with_columns(pl.col("event").fill_null(False))
    listed = (
        lines.filter(
            (pl.col("list") == "inspection") & (pl.col("status") == "open") & pl.col("rank").is_not_null()
        )
        .join(hit, on="project_code", how="left")
        .with_columns(pl.col("event").fill_null(False))
    )
    scope_by_area = risk.group_by("area_code").len("in_scope")
    by_area = (
        listed.group_by("area_code")
        .agg(
            lines=pl.len(),
            hard=pl.col("hard_evidence").fill_null(False).sum(),
            capacity=pl.col("capacity").max(),
        )
        .join(scope_by_area, on="area_code", how="full", coalesce=True)
        .with_columns(pl.col("lines", "hard").fill_null(0))
        .with_columns(other=pl.col("lines") - pl.col("hard"))
        .sort("area_code")
    )
    red = listed.filter(pl.col("level") == "red")
    hard = listed.filter(pl.col("hard_evidence"))
    soft = listed.filter(~pl.col("hard_evidence"))
    base = risk["event"].mean() if risk.height else None
    tracking = lines.filter(
        (pl.col("list") == "inspection") & (pl.col("status") == "open") & (pl.col("stage") == "tracking")
    ).height

    def rate(df: pl.DataFrame) -> float | None:
        return df["event"].mean() if df.height else None

    s = loop.select(
        pl.col(
            "n_opened",
            "n_inspected_on_time",
            "n_verified",
            "n_not_verified",
            "n_closed",
            "n_open",
            "n_overdue",
            "arrears_found_yuan",
            "workers_owed",
        ).sum()
    ).row(0, named=True)
    return {
        "night": night,
        "in_scope": risk.height,
        "lines": listed.height,
        "hard": hard.height,
        "share": listed.height / risk.height if risk.height else None,
        "red": red.height,
        "orange": listed.filter(pl.col("level") == "orange").height,
        "yellow": listed.filter(pl.col("level") == "yellow").height,
        "tracking": tracking,
        "leads": risk.filter(pl.col("hard_evidence") & ~pl.col("listed")).height,
        "rectification": lines.filter(
            (pl.col("list") == "rectification") & (pl.col("status") == "open")
        ).height,
        "base": base,
        "red_rate": rate(red),
        "hard_rate": rate(hard),
        "soft_rate": rate(soft),
        "listed_rate": rate(listed),
        "over_capacity": by_area.filter(pl.col("other") > pl.col("capacity")),
        "max_district": by_area.sort("lines", descending=True).head(1).row(0, named=True)
        if by_area.height
        else None,
        "capacity_total": int(by_area["capacity"].fill_null(0).sum()),
        "loop": s,
    }


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def report(rows: list[dict]) -> bool:
    print(
        "\n| night | in scope | lines (hard) | capacity Σ | lines ÷ scope | red/orange/yellow | 欠薪线索 | 整改跟踪 | 整改清单 "
        "| base rate | red rate (lift) | hard | non-hard | districts over capacity |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for r in rows:
        lift = r["red_rate"] / r["base"] if r["red_rate"] is not None and r["base"] else None
        over = r["over_capacity"]
        print(
            f"| {r['night']} | {r['in_scope']} | {r['lines']} ({r['hard']}) | {r['capacity_total']} "
            f"| {pct(r['share'])} | {r['red']}/{r['orange']}/{r['yellow']} | {r['leads']} | {r['tracking']} | {r['rectification']} "
            f"| {pct(r['base'])} | {pct(r['red_rate'])} ({'—' if lift is None else f'{lift:.1f}×'}) "
            f"| {pct(r['hard_rate'])} | {pct(r['soft_rate'])} | {over.height} |"
        )
        ok &= over.height == 0 and (r["share"] or 0) <= MAX_LISTED_SHARE
        ok &= lift is not None and lift >= MIN_RED_LIFT
    print("\nClosed loop after each night (disposition_area_month, all districts and months):")
    print(
        "| night | opened | 处置率 | 核实率 (01 ÷ 01–03) | closed | open | 超期未核查 | 欠薪金额 found (万元) | workers owed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s = r["loop"]
        judged = (s["n_verified"] or 0) + (s["n_not_verified"] or 0)
        print(
            f"| {r['night']} | {s['n_opened']} | {pct(s['n_inspected_on_time'] / s['n_opened'] if s['n_opened'] else None)} "
            f"| {pct(s['n_verified'] / judged if judged else None)} | {s['n_closed']} | {s['n_open']} | {s['n_overdue']} "
            f"| {(s['arrears_found_yuan'] or 0) / 1e4:.1f} | {s['workers_owed']} |"
        )
    for r in rows:
        if r["over_capacity"].height:
            print(f"\n{r['night']} over capacity (non-hard lines > capacity):")
            print(r["over_capacity"])
    # pooled over the nights
    n_red = sum(r["red"] for r in rows)
    red_events = sum((r["red_rate"] or 0) * r["red"] for r in rows)
    n_scope = sum(r["in_scope"] for r in rows)
    base_events = sum((r["base"] or 0) * r["in_scope"] for r in rows)
    if n_red and n_scope:
        print(
            f"\npooled: red lines {n_red}, event rate {pct(red_events / n_red)}; base {pct(base_events / n_scope)}; "
            f"lift {(red_events / n_red) / (base_events / n_scope):.2f}×"
        )
    print(f"\nacceptance (every night): {'MET' if ok else 'NOT MET'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="city", choices=["tiny", "demo", "city"])
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument(
        "--mechanism", default=None, help="generator variant (wagewatch generate --mechanism)"
    )
    parser.add_argument("--nights", type=int, default=6)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="no night is run: the figures of the nights already published",
    )
    parser.add_argument(
        "--snapshot", action="store_true", help="run the nights on a copy of HEAD's code (git archive)"
    )
    args = parser.parse_args()
    if args.snapshot:
        code = snapshot_code()  # the nights run this commit's code, whatever the worktree does meanwhile
        os.environ["PYTHONPATH"] = str(code)
        print(f"code: {code}", flush=True)
    if args.seed in TRAINING_SEEDS:
        print(f"warning: seed {args.seed} is a training seed of the shipped model", flush=True)

    settings = get_settings()
    horizon = settings.score.horizon_days
    name = f"triage-{args.tier}-{args.seed}" + (f"-{args.mechanism}" if args.mechanism else "")
    world = WORK / name
    generate(world, args.tier, args.seed, args.mechanism)
    run = WORK / f"{name}-nights"
    days = sorted(date.fromisoformat(p.name) for p in (world / "inbox").iterdir() if p.is_dir())
    nights = pick_nights(days, args.nights, horizon)
    events = pl.read_parquet(world / "truth" / "events.parquet")
    if args.report_only:
        published = [n for n in nights if (run / "out" / "runs" / n.isoformat() / "tables").exists()]
        tables = [run / "out" / "runs" / n.isoformat() / "tables" for n in published]
        report([night_figures(t, events, n, horizon) for t, n in zip(tables, published, strict=True)])
        return
    shutil.rmtree(run, ignore_errors=True)
    stage_inbox(world / "inbox", run / "inbox")
    print(f"nights: {', '.join(map(str, nights))} (horizon {horizon} days, world to {max(days)})", flush=True)
    wh = run / "wh.duckdb"
    rows = []
    for i, night in enumerate(nights):
        if i:
            rc = wagewatch(
                "play-inspectors",
                "--warehouse", str(wh),
                "--truth", str(world / "truth"),
                "--inbox", str(run / "inbox"),
                "--deliver-on", night.isoformat(),
                "--seed", str(args.seed),
            )  # fmt: skip
            if rc:
                raise SystemExit(f"play-inspectors failed ({rc})")
        start = time.perf_counter()
        rc = wagewatch(
            "run", "--inbox", str(run / "inbox"), "--out", str(run / "out"),
            "--warehouse", str(wh), "--as-of", night.isoformat(),
        )  # fmt: skip
        took = time.perf_counter() - start
        print(f"night {night}: exit {rc}, {took:.0f} s", flush=True)
        if rc:
            print(f"night {night} did not publish (exit {rc}): figures are the previous night's", flush=True)
            continue
        tables = run / "out" / "runs" / night.isoformat() / "tables"
        rows.append(night_figures(tables, events, night, horizon) | {"seconds": took})
    report(rows)


if __name__ == "__main__":
    main()
