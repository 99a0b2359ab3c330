"""Prefect tasks of the nightly flow: thin wrappers over pipelines.nightly and the run machinery."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from pipelines import nightly, runs
from pipelines.tasks.retry import retry_if_transient

# Connections and DataFrames are not cache keys: no task result caching anywhere (re-running a night recomputes).
_common = {"cache_policy": NO_CACHE, "persist_result": False}
# Loading may meet a file still being copied or a briefly locked database: retry with backoff, only then.
_transient = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=5),
    "retry_condition_fn": retry_if_transient,
}

open_warehouse = task(name="open warehouse", **_common, **_transient)(nightly.open_warehouse)
load_extracts = task(name="load extracts", **_common, **_transient)(nightly.load_extracts)
build_staging = task(name="build staging", **_common)(nightly.build_layer)
check_quality = task(name="check quality", **_common)(nightly.check_quality)
build_marts = task(name="build indicators and rules", **_common)(nightly.build_layer)
score_projects = task(name="score projects", **_common)(nightly.score_projects)
assemble_warning_list = task(name="assemble warning list", **_common)(nightly.assemble_warning_list)
write_tables = task(name="write tables", **_common)(nightly.write_tables)
write_reports = task(name="write lists and dashboard", **_common)(nightly.write_reports)
publish = task(name="publish outputs", **_common)(runs.publish)
