"""Issue 18's targets, each against what the benchmarks of this tier measured (one table from one `make bench-*`).

Every benchmark records what it measured in `benchmarks/.work/<tier>-targets.json` (`record`), keyed by what it is;
`make bench-city` / `make bench-province` clear that file first and print this table last, so the table only ever
shows numbers of one run. A target whose measurement is missing says so instead of guessing.

    .venv/bin/python -m benchmarks.targets --tier city
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"


def results_path(tier: str) -> Path:
    return WORK / f"{tier}-targets.json"


def record(tier: str | None, **values: float | int | str) -> None:
    """Merge measured values into this tier's results file (no-op without a tier)."""
    if not tier:
        return
    path = results_path(tier)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data.update(values)
    data["load_average"] = round(os.getloadavg()[0], 1)
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


@dataclass(frozen=True)
class Target:
    what: str
    needs: tuple[str, ...]
    measured: Callable[[dict], float]
    shown: Callable[[float], str]
    met: Callable[[float], bool]
    goal: str
    tiers: tuple[str, ...] = ("city", "province")


def _s(v: float) -> str:
    return f"{v:.1f} s" if v < 120 else f"{v / 60:.1f} min"


TARGETS = (
    Target(
        "regular night (one day's extracts), wall",
        ("regular_night_s",),
        lambda r: r["regular_night_s"],
        _s,
        lambda v: v <= 120,
        "≤ 2 min",
        ("province",),
    ),
    Target(
        "regular night ÷ first night",
        ("regular_night_s", "first_night_s"),
        lambda r: r["regular_night_s"] / r["first_night_s"],
        lambda v: f"{v:.2f}",
        lambda v: v <= 0.08,
        "≤ 0.08",
        ("city",),
    ),
    Target(
        "regular night, wall",
        ("regular_night_s",),
        lambda r: r["regular_night_s"],
        _s,
        lambda v: v <= 60,
        "≤ 60 s",
        ("city",),
    ),
    Target(
        "first night (all folders but the last two), wall",
        ("first_night_s",),
        lambda r: r["first_night_s"],
        _s,
        lambda v: v <= 20 * 60,
        "≤ 20 min",
        ("province",),
    ),
    Target(
        "loading, Parquet rows/s",
        ("load_rows_per_s_parquet",),
        lambda r: r["load_rows_per_s_parquet"],
        lambda v: f"{v:,.0f}",
        lambda v: v >= 1_000_000,
        "≥ 1,000,000",
        ("city",),
    ),
    Target(
        "loading, CSV rows/s",
        ("load_rows_per_s_csv",),
        lambda r: r["load_rows_per_s_csv"],
        lambda v: f"{v:,.0f}",
        lambda v: v >= 200_000,
        "≥ 200,000",
        ("city",),
    ),
    Target(
        "indicator step ÷ bare scan-and-group",
        ("indicators_s", "bare_scan_s"),
        lambda r: r["indicators_s"] / r["bare_scan_s"],
        lambda v: f"{v:.1f}×",
        lambda v: v <= 3,
        "≤ 3×",
    ),
    Target(
        "pandas ÷ indicator step (same projects, one run)",
        ("pandas_sql_s", "pandas_s"),
        lambda r: r["pandas_s"] / r["pandas_sql_s"],
        lambda v: f"{v:.1f}×",
        lambda v: v >= 10,
        "≥ 10×",
    ),
    Target(
        "peak RSS of the nights",
        ("peak_rss_mb",),
        lambda r: r["peak_rss_mb"] / 1024,
        lambda v: f"{v:.1f} GB",
        lambda v: v <= 8,
        "≤ 8 GB",
        ("province",),
    ),
)


def table(tier: str, results: dict) -> list[str]:
    """The target table's lines for this tier's results."""
    lines = [f"| {tier} | measured | target | met? |", "|---|---|---|---|"]
    for t in TARGETS:
        if tier not in t.tiers:
            continue
        if not all(k in results for k in t.needs):
            lines.append(f"| {t.what} | not measured in this run | {t.goal} | — |")
            continue
        v = t.measured(results)
        lines.append(f"| {t.what} | {t.shown(v)} | {t.goal} | {'yes' if t.met(v) else 'no'} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="city", choices=["demo", "city", "province"])
    parser.add_argument("--clear", action="store_true", help="forget this tier's results (a new run starts)")
    args = parser.parse_args()
    path = results_path(args.tier)
    if args.clear:
        path.unlink(missing_ok=True)
        return
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    print("\n".join(table(args.tier, results)))
    if "pandas_scope" in results:
        print(f"(pandas ÷ indicator step measured on {results['pandas_scope']})")
    if "load_average" in results:
        print(f"(load average when the last value was recorded: {results['load_average']})")


if __name__ == "__main__":
    main()
