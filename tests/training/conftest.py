"""Model tests run single-threaded: OpenMP threads oversubscribe the shared 2-core machine (41 s vs 235 s measured)."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    with threadpool_limits(1):
        yield
