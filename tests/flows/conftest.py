"""Real nightly runs shared by the flow tests: on the tiny world (tests/conftest.py) and on the demo world."""

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


@pytest.fixture(scope="session")
def demo_night(demo_world, tmp_path_factory, prefect_harness) -> dict:
    """The demo world (what `make demo` generates) through the real nightly flow, for the analysts' notebooks."""
    from pipelines.flows.nightly import nightly

    base = tmp_path_factory.mktemp("demo")
    out, warehouse = base / "out", base / "demo.duckdb"
    summary = nightly(inbox=demo_world / "inbox", out=out, warehouse=warehouse)
    assert summary["status"] == "published", summary["message"]
    return {"summary": summary, "out": out, "warehouse": warehouse}
