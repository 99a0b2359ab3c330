"""The real nightly run on the tiny world shared by the flow tests (the demo world's night: tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def nightly_run(tiny_world, tmp_path_factory, prefect_harness) -> dict:
    """The real nightly flow run once on the tiny world: summary, out folder, warehouse."""
    from pipelines.flows.nightly import nightly

    base = tmp_path_factory.mktemp("night")
    out, warehouse = base / "out", base / "wh.duckdb"
    summary = nightly(inbox=tiny_world / "inbox", out=out, warehouse=warehouse)
    return {"summary": summary, "out": out, "warehouse": warehouse, "inbox": tiny_world / "inbox"}
