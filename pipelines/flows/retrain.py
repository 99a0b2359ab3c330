"""Monthly retrain: by default on the production warehouse's own history (champion/challenger against the model in
use and the rules count, pipelines/training/own_history.py); `generated=True` retrains the shipped prior on a
generated world validated on a held-out seed instead."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE


@task(name="train and validate", cache_policy=NO_CACHE)
def _train(out: Path, seed: int, validation_seed: int) -> dict:
    from pipelines.training.prior import train_and_validate

    return train_and_validate(out=out, seed=seed, validation_seed=validation_seed)


@task(name="train on own history", cache_policy=NO_CACHE)
def _train_own(warehouse: Path, wait_for_lock_seconds: float) -> dict:
    from pipelines.settings import get_settings
    from pipelines.training.own_history import retrain_own_history

    return retrain_own_history(warehouse, get_settings(), wait_for_lock_seconds)


@flow(name="retrain", log_prints=True)
def retrain(
    warehouse: Path | None = None,
    generated: bool = False,
    out: Path = Path("models/risk/artifacts"),
    seed: int = 11,
    validation_seed: int = 23,
    wait_for_lock_seconds: float = 3600.0,
) -> dict:
    """Own history of `warehouse` (default: settings.paths.warehouse); the next nightly run uses what was promoted.
    `generated`: retrain the shipped prior on generated worlds (seed / validation_seed) and rewrite its card."""
    if generated:
        return _train(out, seed, validation_seed)
    from pipelines.settings import get_settings

    return _train_own(Path(warehouse or get_settings().paths.warehouse), wait_for_lock_seconds)
