"""Session-wide test setup: offline settings for Prefect and GX, one Prefect test harness when needed."""

from __future__ import annotations

import os

# Offline and quiet before anything imports prefect or great_expectations (shared/spec/ecosystem-notes.md).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test harness (temporary database) for every test that runs a real flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory) -> Path:
    """The tiny synthetic world (seed 7: every entity, format and header spelling), generated once a session.

    Shared read-only by every package's tests; a test that changes files copies them first.
    """
    from pipelines.synth import generate

    out = tmp_path_factory.mktemp("tiny_world")
    generate("tiny", 7, out)
    return out


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory) -> Path:
    """The demo world (seed 7: what `make demo` generates), generated once a session and shared read-only (the demo
    night's flow tests and the indicators checked against its clean tables)."""
    from pipelines.synth import generate

    out = tmp_path_factory.mktemp("demo_world")
    generate("demo", 7, out)
    return out


@pytest.fixture(scope="session")
def demo_night(demo_world, tmp_path_factory, prefect_harness) -> dict:
    """The demo world (what `make demo` generates) through the real nightly flow, run once a session: the analysts'
    notebooks, the published tables' pins and the indicators checked against the clean world read its warehouse."""
    from pipelines.flows.nightly import nightly

    base = tmp_path_factory.mktemp("demo")
    out, warehouse = base / "out", base / "demo.duckdb"
    summary = nightly(inbox=demo_world / "inbox", out=out, warehouse=warehouse)
    assert summary["status"] == "published", summary["message"]
    return {"summary": summary, "out": out, "warehouse": warehouse}


@pytest.fixture(scope="session")
def tiny_faulty_world(tmp_path_factory) -> Path:
    """The same world delivered with the generator's injected faults and their faults_manifest.json."""
    from pipelines.synth import generate

    out = tmp_path_factory.mktemp("tiny_faulty_world")
    generate("tiny", 7, out, faults=True)
    return out
