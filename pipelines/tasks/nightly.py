"""Prefect tasks of the nightly flow: thin wrappers over pipelines.night_steps and the run machinery."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from pipelines import night_steps, runs
from pipelines.tasks.retry import retry_if_transient

P = ParamSpec("P")
R = TypeVar("R")


def _step(fn: Callable[P, R], name: str) -> Task[P, R]:
    """`fn` as a task that caches nothing: connections and DataFrames are not cache keys (a re-run recomputes)."""
    return task(name=name, cache_policy=NO_CACHE, persist_result=False)(fn)


def _retried_step(fn: Callable[P, R], name: str) -> Task[P, R]:
    """A `_step` that retries with backoff: loading may meet a file still being copied or a briefly locked database."""
    return task(
        name=name,
        cache_policy=NO_CACHE,
        persist_result=False,
        retries=3,
        retry_delay_seconds=exponential_backoff(backoff_factor=5),
        retry_condition_fn=retry_if_transient,
    )(fn)


open_warehouse = _retried_step(night_steps.open_warehouse, "open warehouse")
load_extracts = _retried_step(night_steps.load_extracts, "load extracts")
build_staging = _step(night_steps.build_layer, "build staging")
check_quality = _step(night_steps.check_quality, "check quality")
build_marts = _step(night_steps.build_layer, "build indicators and rules")
score_projects = _step(night_steps.score_projects, "score projects")
assemble_warning_list = _step(night_steps.assemble_warning_list, "assemble warning list")
write_tables = _step(night_steps.write_tables, "write tables")
write_reports = _step(night_steps.write_reports, "write lists and dashboard")
publish = _step(runs.publish, "publish outputs")
