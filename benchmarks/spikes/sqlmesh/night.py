"""SQLMesh's side of the spike (issue 18 item 4): one regular night through SQLMesh's Python API, timed in parts.

    SPIKE_WAREHOUSE=COPY.duckdb /work/wt/sqlmesh-venv2/bin/python benchmarks/spikes/sqlmesh/night.py EXECUTION_TIME

Runs in SQLMesh's own venv (not the project's). Prints the import, context-load (project parse + state read) and
run times separately, so the fixed start-up cost of a night is visible apart from the work.
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
result = context.run(execution_time=sys.argv[1])
t3 = time.perf_counter()
print(f"import sqlmesh: {t1 - t0:.1f} s, load context: {t2 - t1:.1f} s, run: {t3 - t2:.1f} s -> {result}")
