"""Generated tiny worlds (with and without faults) loaded, staged and checked once per session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.settings import Settings, sql_params
from pipelines.warehouse import connect, discover_models, ensure_schema, run_models

STAGING = [n for n, m in discover_models().items() if m.layer == "staging"]


@dataclass
class CheckedNight:
    """One generated world after load, staging and run_quality: the open warehouse and what quality returned."""

    world: Path
    con: duckdb.DuckDBPyConnection
    result: Any  # QualityResult
    as_of: date
    out_dir: Path
    manifest: dict | None


def check_world(world: Path, base: Path) -> CheckedNight:
    """A generated world → load_inbox → staging models → run_quality, as the nightly flow runs them."""
    from pipelines.ingest import load_inbox
    from pipelines.quality import run_quality

    settings = Settings()
    warehouse = base / "wh.duckdb"
    con = connect(warehouse)
    ensure_schema(con)
    load_inbox(con, world / "inbox", settings)
    as_of = max(date.fromisoformat(p.name) for p in (world / "inbox").iterdir() if p.is_dir())
    run_models(con, sql_params(settings, as_of), only=STAGING)
    out_dir = base / "out"
    result = run_quality(warehouse, settings, as_of, out_dir, con=con)
    manifest_path = world / "faults_manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    return CheckedNight(world, con, result, as_of, out_dir, manifest)


@pytest.fixture(scope="session")
def faulty_night(tiny_faulty_world, tmp_path_factory) -> CheckedNight:
    """The tiny world delivered with the generator's injected faults (and their manifest)."""
    night = check_world(tiny_faulty_world, tmp_path_factory.mktemp("faulty"))
    yield night
    night.con.close()


@pytest.fixture(scope="session")
def clean_night(tiny_world, tmp_path_factory) -> CheckedNight:
    """The tiny world delivered clean."""
    night = check_world(tiny_world, tmp_path_factory.mktemp("clean"))
    yield night
    night.con.close()
