"""Generated tiny worlds (clean and with faults) and the faulty one loaded once, shared by the ingest tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import LoadReport, load_inbox
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import connect, discover_models, ensure_schema, run_models

STAGING = [n for n, m in discover_models().items() if m.layer == "staging"]


@dataclass
class LoadedInbox:
    """An inbox loaded into a fresh in-memory warehouse, with what load_inbox reported."""

    inbox: Path
    con: duckdb.DuckDBPyConnection
    report: LoadReport


def fresh_warehouse() -> duckdb.DuckDBPyConnection:
    con = connect()
    ensure_schema(con)
    return con


def load_fresh(inbox: Path, **kwargs) -> LoadedInbox:
    """load_inbox into a new in-memory warehouse (ledger, quarantine and raw tables created first)."""
    con = fresh_warehouse()
    return LoadedInbox(inbox, con, load_inbox(con, inbox, Settings(), **kwargs))


def build_staging(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    run_models(con, sql_params(Settings(), as_of), only=STAGING)


@pytest.fixture(scope="session")
def clean_world(tiny_world) -> Path:
    return tiny_world


@pytest.fixture(scope="session")
def faulty_world(tiny_faulty_world) -> Path:
    return tiny_faulty_world


@pytest.fixture(scope="session")
def manifest(faulty_world) -> dict:
    return json.loads((faulty_world / "faults_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def faulty_load(faulty_world) -> LoadedInbox:
    """The faulty inbox loaded once; tests only read it."""
    loaded = load_fresh(faulty_world / "inbox")
    yield loaded
    loaded.con.close()
