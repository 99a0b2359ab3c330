"""`wagewatch train`: generate a training world and a held-out validation world, build point-in-time frames
from their warehouses, train, validate time-ordered on the other seed, write the artifacts and the model card.

Protocol (warnings.md "Validation"): the model is fitted on the training world's month-end snapshots whose labels
were complete before T (as_of + horizon + makegood ≤ T) and tested on the validation world's snapshots T…T+k
(a different seed: other projects, firms and shocks). The saved model is exactly the one that was tested.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl

from pipelines.features.extract import month_ends, training_frame
from pipelines.settings import REPO_ROOT, Settings
from pipelines.warehouse import connect, ensure_schema

MODEL_CARD = REPO_ROOT / "models" / "risk" / "MODEL_CARD.md"
# projects per world: the protocol's training window holds only the month ends whose labels closed before the
# test window opens (two, in a 13-month world), so the training world needs many projects to hold enough events
TRAIN_PROJECTS = 4000
METRICS_START, METRICS_END = "<!-- metrics:start -->", "<!-- metrics:end -->"


def _say(progress: Callable[[str], Any] | None, msg: str) -> None:
    if progress:
        progress(msg)


def generate_world(tier: str, seed: int, out: Path, n_projects: int | None) -> Path:
    """The generator's world in `out` (reused when already there)."""
    if not (out / "truth" / "project_month.parquet").exists():
        from pipelines.synth import generate

        generate(tier, seed, out, faults=False, n_projects=n_projects)
    return out


def load_world(world: Path, settings: Settings, warehouse: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A warehouse holding the world's inbox, loaded the production way (pipelines.ingest)."""
    from pipelines.ingest import load_inbox

    con = connect(warehouse, threads=settings.duckdb_threads, memory_limit=settings.duckdb_memory_limit)
    ensure_schema(con)
    if con.execute("select count(*) from load_file").fetchone()[0] == 0:  # type: ignore[index]
        load_inbox(con, world / "inbox", settings)
    return con


def snapshot_dates(con: duckdb.DuckDBPyConnection, settings: Settings, warmup_months: int = 3) -> list[date]:
    """Month ends from `warmup_months` after the first punch to the last one whose label window has closed."""
    first, last = con.execute(
        'select min(cast("date" as date)), max(_extract_date) from raw_attendance'
    ).fetchone()  # type: ignore[misc]
    start = date(
        first.year + (first.month + warmup_months - 1) // 12, (first.month + warmup_months - 1) % 12 + 1, 1
    )
    end = last - timedelta(days=settings.score.horizon_days + settings.score.makegood_days)
    return month_ends(start, end)


def with_baselines(frame: pl.DataFrame, world: Path | None) -> pl.DataFrame:
    """Add the rankings the model is compared with: rules only, complaint history only, and the true hazard."""
    out = frame.with_columns(
        pl.col("rules_signal_score").cast(pl.Float64).alias("rules_score"),
        # complaint history alone: verified on the project, then any on it, then on the firm's other projects
        (
            pl.col("n_verified_complaints_12m") * 10_000
            + pl.col("n_complaints_12m") * 100
            + pl.col("n_contractor_complaints_other_12m")
        )
        .cast(pl.Float64)
        .alias("complaint_history_score"),
    )
    truth = world / "truth" / "project_month.parquet" if world else None
    if truth is None or not truth.exists():
        return out
    hazard = pl.read_parquet(truth).select("project_code", pl.col("month").cast(pl.String), "true_hazard")
    # the ceiling ranks by what an oracle would know: the generator's hazard for the month ending at as_of, which
    # is by construction the hazard of an event within the horizon after that month end (pipelines/synth/money.py:
    # that month's pay falls due, and its complaints arrive, inside the window)
    return (
        out.with_columns(pl.col("as_of").dt.strftime("%Y-%m").alias("month"))
        .join(hazard, on=["project_code", "month"], how="left")
        .drop("month")
    )


def world_frame(world: Path, settings: Settings, progress=None) -> pl.DataFrame:
    t0 = time.perf_counter()
    con = load_world(world, settings, world / "warehouse.duckdb")
    _say(progress, f"loaded {world.name} in {time.perf_counter() - t0:.0f}s")
    dates = snapshot_dates(con, settings)
    t0 = time.perf_counter()
    frame = training_frame(con, dates, settings)
    _say(
        progress,
        f"{world.name}: {frame.height} snapshot rows over {len(dates)} month ends in "
        f"{time.perf_counter() - t0:.0f}s, event rate {frame['label'].cast(pl.Float64).to_numpy().mean():.3f}",
    )
    con.close()
    return with_baselines(frame, world)


@dataclass
class _Worlds:
    """The point-in-time frame of a world seed, its world generated under `work_dir` or reused from there."""

    work_dir: Path
    tier: str
    n_projects: int | None
    settings: Settings
    progress: Callable[[str], Any] | None
    reused: bool = True  # every world asked for was already there

    def frame(self, seed: int) -> pd.DataFrame:
        from models.risk.train import to_pandas

        folder = self.work_dir / f"{self.tier}-{self.n_projects or 'full'}-seed{seed}"
        self.reused &= (folder / "warehouse.duckdb").exists()
        world = generate_world(self.tier, seed, folder, self.n_projects)
        return to_pandas(world_frame(world, self.settings, self.progress))


def _last_month_ends(frame: pd.DataFrame, months: int) -> pd.DataFrame:
    """The snapshots of a frame's last `months` month ends (a world's test window)."""
    return frame[frame["as_of"].isin(sorted(frame["as_of"].unique())[-months:])]


def _also_validated(
    model: Any,
    worlds: _Worlds,
    seeds: Sequence[int],
    test_months: int,
    settings: Settings,
    progress: Callable[[str], Any] | None,
) -> dict[str, Any]:
    """The held-out metrics on each further seed's own last `test_months` month ends."""
    from models.risk.backtest import evaluate
    from models.risk.predict import predict_proba

    other_worlds = {}
    for s in seeds:
        rows = _last_month_ends(worlds.frame(s), test_months)
        other_worlds[str(s)] = evaluate(rows, predict_proba(model, rows), settings.score.capacity_share)
        _say(progress, f"also validated on seed {s}: {held_out_line(other_worlds[str(s)])}")
    return other_worlds


def train_and_validate(
    out: Path = REPO_ROOT / "models" / "risk" / "artifacts",
    seed: int = 11,
    validation_seed: int = 23,
    progress: Callable[[str], Any] | None = None,
    *,
    tier: str = "province",
    n_projects: int | None = TRAIN_PROJECTS,
    test_months: int = 3,
    work_dir: Path | None = None,
    settings: Settings | None = None,
    model_card: Path | None = MODEL_CARD,
    also_validate: Sequence[int] = (),
) -> dict[str, Any]:
    """Generate (or reuse) both worlds, train on one, test on the other, save model + metadata + model card
    (`model_card=None` leaves the card alone, for trial runs). `also_validate`: more held-out seeds, each tested
    the same way (its own last `test_months` month ends), to show how much the figures move from world to world."""
    from models.risk.backtest import evaluate, shuffled_label_control
    from models.risk.predict import predict_proba
    from models.risk.train import save, train

    if seed in also_validate or validation_seed in also_validate:
        raise ValueError(
            f"--also-validate needs seeds other than the training ({seed}) and validation ({validation_seed}) ones"
        )
    settings = settings or Settings()
    started = time.perf_counter()
    worlds = _Worlds(work_dir or REPO_ROOT / "data" / "worlds", tier, n_projects, settings, progress)
    tr = worlds.frame(seed)
    test_rows = _last_month_ends(worlds.frame(validation_seed), test_months)
    test_dates = sorted(test_rows["as_of"].unique())
    train_rows = tr[tr["label_complete_date"].astype("datetime64[ns]") <= test_dates[0]]
    model = train(train_rows, capacity_share=settings.score.capacity_share, random_state=seed)
    _say(
        progress, f"trained {model.kind} on {len(train_rows)} rows; testing on {len(test_rows)} held-out rows"
    )
    metrics = evaluate(test_rows, predict_proba(model, test_rows), settings.score.capacity_share)
    other_worlds = _also_validated(model, worlds, also_validate, test_months, settings, progress)
    control = shuffled_label_control(
        tr,
        test_start=test_dates[0].date(),
        test_months=test_months,
        kind=model.kind,
        random_state=seed,
        capacity_share=settings.score.capacity_share,
    )
    report = {
        "protocol": "train on the training world's snapshots with labels complete before T; "
        "test on the validation world's snapshots T…T+k",
        "tier": tier,
        "n_projects": n_projects,
        "seed": seed,
        "validation_seed": validation_seed,
        "train_window": [str(train_rows["as_of"].min())[:10], str(train_rows["as_of"].max())[:10]],
        "test_window": [str(test_dates[0])[:10], str(test_dates[-1])[:10]],
        "n_train_rows": len(train_rows),
        "n_test_rows": len(test_rows),
        "horizon_days": settings.score.horizon_days,
        "makegood_days": settings.score.makegood_days,
        "capacity_share": settings.score.capacity_share,
        "held_out": metrics,
        "also_validated": other_worlds,
        "shuffled_label_control_in_training_world": {"model": control["model"], "brier": control["brier"]},
        "seconds": round(time.perf_counter() - started),
        "worlds_reused": worlds.reused,
    }
    model_path = save(model, Path(out), {"validation": report})
    if model_card is not None:
        write_model_card_metrics(report, model_card)
    (Path(out) / "backtest.json").write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    _say(progress, summary_line(report))
    return {"model_path": model_path, "model_card": model_card, "metrics": report}


def held_out_line(h: dict[str, Any]) -> str:
    ceiling = h.get("ceiling", {}).get("precision_at_k", float("nan"))
    return (
        f"precision@k {h['model']['precision_at_k']:.3f} (rules {h['rules']['precision_at_k']:.3f}, "
        f"complaints {h['complaints']['precision_at_k']:.3f}, ceiling {ceiling:.3f}); AUC-PR {h['model']['auc_pr']:.3f}"
    )


def summary_line(r: dict[str, Any]) -> str:
    return f"capacity top {r['capacity_share']:.0%}: {held_out_line(r['held_out'])}"


def metrics_markdown(r: dict[str, Any]) -> str:
    h = r["held_out"]
    rows = [("model", h["model"]), ("rules only", h["rules"]), ("complaint history only", h["complaints"])]
    if "ceiling" in h:
        rows.append(("true hazard (ceiling)", h["ceiling"]))
    also = r.get("also_validated") or {}
    command = f"wagewatch train --seed {r['seed']} --validation-seed {r['validation_seed']}" + "".join(
        f" --also-validate {s}" for s in also
    )
    lines = [
        f"Measured by `{command}` "
        f"({r['tier']} tier, {r['n_projects']} projects per world, {r['seconds']} s"
        f"{', the worlds already generated and loaded' if r.get('worlds_reused') else ''}).",
        f"Train window {r['train_window'][0]} … {r['train_window'][1]} ({r['n_train_rows']} rows, seed {r['seed']}); "
        f"test window {r['test_window'][0]} … {r['test_window'][1]} ({r['n_test_rows']} rows, seed "
        f"{r['validation_seed']}), event rate {h['event_rate']:.3f}; horizon {r['horizon_days']} d, "
        f"make-good {r['makegood_days']} d, capacity top {r['capacity_share']:.0%}.",
        "",
        "| ranking | precision@k | recall@k | AUC-PR |",
        "|---|---|---|---|",
        *[
            f"| {n} | {m['precision_at_k']:.3f} | {m['recall_at_k']:.3f} | {m['auc_pr']:.3f} |"
            for n, m in rows
        ],
        "",
        f"Lift over rules only: {h.get('lift_over_rules', float('nan')):.2f}×; over complaint history: "
        f"{h.get('lift_over_complaints', float('nan')):.2f}×; share of the true-hazard ceiling: "
        f"{h.get('share_of_ceiling', float('nan')):.2f}.",
        f"Brier {h['brier']:.4f} (base rate alone {h['brier_base_rate']:.4f}). Shuffled-label control (training "
        f"world): precision@k {r['shuffled_label_control_in_training_world']['model']['precision_at_k']:.3f}, "
        f"AUC-PR {r['shuffled_label_control_in_training_world']['model']['auc_pr']:.3f}.",
        "",
        "Reliability (probability deciles): "
        + ", ".join(f"{b['mean_predicted']:.3f}→{b['observed']:.3f}" for b in h["reliability"]),
    ]
    if also:
        lines += ["", *other_worlds_markdown(r["validation_seed"], h, also)]
    return "\n".join(lines)


def other_worlds_markdown(seed: int, held_out: dict[str, Any], also: dict[str, dict[str, Any]]) -> list[str]:
    """The same model on more held-out worlds (same test months), and the spread of the two ratios."""
    worlds = {str(seed): held_out, **also}
    nan = float("nan")
    lifts = [h.get("lift_over_rules", nan) for h in worlds.values()]
    shares = [h.get("share_of_ceiling", nan) for h in worlds.values()]
    return [
        "The same model on more held-out worlds (each its own last month ends; the first row is the world above):",
        "",
        "| validation seed | rows | event rate | model | rules only | ceiling | lift over rules | share of ceiling |",
        "|---|---|---|---|---|---|---|---|",
        *[
            f"| {s} | {h['n_rows']} | {h['event_rate']:.3f} | {h['model']['precision_at_k']:.3f} | "
            f"{h['rules']['precision_at_k']:.3f} | {h.get('ceiling', {}).get('precision_at_k', nan):.3f} | "
            f"{lift:.2f}× | {share:.2f} |"
            for (s, h), lift, share in zip(worlds.items(), lifts, shares, strict=True)
        ],
        "",
        f"Over the {len(worlds)} worlds: lift over rules {min(lifts):.2f}–{max(lifts):.2f}× "
        f"(mean {sum(lifts) / len(lifts):.2f}×), share of the ceiling {min(shares):.2f}–{max(shares):.2f} "
        f"(mean {sum(shares) / len(shares):.2f}).",
    ]


def write_model_card_metrics(report: dict[str, Any], card: Path = MODEL_CARD) -> None:
    """Replace the card's measured-metrics block with this run's numbers."""
    text = card.read_text(encoding="utf-8")
    head, _, rest = text.partition(METRICS_START)
    _, _, tail = rest.partition(METRICS_END)
    card.write_text(
        f"{head}{METRICS_START}\n{metrics_markdown(report)}\n{METRICS_END}{tail}", encoding="utf-8"
    )
