"""Restate a date range of the spike's models (a late correction) through SQLMesh's Python API, timed.

    SPIKE_WAREHOUSE=COPY.duckdb /work/wt/sqlmesh-venv2/bin/python benchmarks/spikes/sqlmesh/restate.py \
        MODEL START END EXECUTION_TIME

SQLMesh restates the model and everything downstream of it for [START, END]: deletes those intervals and re-runs them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

t0 = time.perf_counter()
from sqlmesh import Context  # noqa: E402  (timed on purpose)

t1 = time.perf_counter()
context = Context(paths=str(Path(__file__).parent))
t2 = time.perf_counter()
model, start, end, execution_time = sys.argv[1:5]
plan = context.plan(
    restate_models=[model],
    start=start,
    end=end,
    execution_time=execution_time,
    auto_apply=True,
    no_prompts=True,
)
t3 = time.perf_counter()
print(f"import sqlmesh: {t1 - t0:.1f} s, load context: {t2 - t1:.1f} s, restate plan+apply: {t3 - t2:.1f} s")
