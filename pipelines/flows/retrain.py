"""Monthly retrain of the risk model on a generated world, validated on a held-out seed."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE


@task(name="train and validate", cache_policy=NO_CACHE)
def _train(out: Path, seed: int, validation_seed: int) -> dict:
    from pipelines.features.train_command import train_and_validate

    return train_and_validate(out=out, seed=seed, validation_seed=validation_seed)


@flow(name="retrain", log_prints=True)
def retrain(out: Path = Path("models/risk/artifacts"), seed: int = 11, validation_seed: int = 23) -> dict:
    """Retrain, backtest and rewrite the model card; the nightly flow picks the new model up next night."""
    return _train(out, seed, validation_seed)
