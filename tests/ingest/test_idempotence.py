"""Loading is idempotent: the same inbox twice changes nothing; a full re-export of known rows adds nothing."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from pipelines.contracts import ENTITIES, entity_of_file, load_contract
from pipelines.ingest import load_inbox
from pipelines.night_steps import build_layer
from pipelines.settings import Settings
from pipelines.synth.generate import _Writer
from pipelines.warehouse import LAYERS
from tests.checksums import table_checksums
from tests.ingest.conftest import load_fresh
from tests.synth.delivered import canonical_frame, delivered_files

REEXPORT = date(2026, 1, 1)  # after the world's last extract; every model is built as of this date
REEXPORT_FORMATS = ("csv_gbk", "jsonl", "parquet", "json_payload", "csv_bom")


@pytest.fixture(scope="module")
def loaded_once(clean_world):
    loaded = load_fresh(clean_world / "inbox")
    build_layer(loaded.con, Settings(), REEXPORT, LAYERS)
    yield loaded, table_checksums(loaded.con)
    loaded.con.close()


def _full_reexport(inbox, out) -> None:
    """What the platform sends on a full re-export: every event ever delivered, and the current snapshot."""
    files = delivered_files(inbox)
    writer = _Writer(out, np.random.default_rng(0), faults=False)
    for i, entity in enumerate(ENTITIES):
        mine = [p for p in files if entity_of_file(p.name) == entity]
        if load_contract(entity).mutable:
            latest = max(p.parent.name for p in mine)
            mine = [p for p in mine if p.parent.name == latest]
        rows = pl.concat([canonical_frame(p).drop("_line") for p in mine], how="diagonal")
        fmt = REEXPORT_FORMATS[i % len(REEXPORT_FORMATS)]
        writer._emit(rows, entity, REEXPORT, fmt, ("zh", "camel", "snake")[i % 3], "full")


def test_loading_the_same_inbox_again_changes_no_table(loaded_once, clean_world):
    loaded, before = loaded_once
    assert all(before[f"raw_{e}"][0] > 0 for e in ENTITIES)
    again = load_inbox(loaded.con, clean_world / "inbox", Settings())
    assert again.files == []  # every file is already in the ledger
    build_layer(loaded.con, Settings(), REEXPORT, LAYERS)
    assert table_checksums(loaded.con) == before


def test_a_full_reexport_adds_no_row(loaded_once, clean_world, tmp_path):
    loaded, before = loaded_once
    reexport = tmp_path / "inbox"
    _full_reexport(clean_world / "inbox", reexport)
    report = load_inbox(loaded.con, reexport, Settings())
    # a re-export byte-identical to a delivered file (same rows, format and spelling) is still read: under a new
    # extract date the same bytes are a delivery of their own (a snapshot that changed back repeats an old file)
    assert {f.entity for f in report.files} == set(ENTITIES)
    for f in report.files:
        assert (f.status, f.rows_loaded, f.rows_quarantined) == ("loaded", 0, 0), f
        assert f.rows_duplicate == f.rows_read > 0, f
    build_layer(loaded.con, Settings(), REEXPORT, LAYERS)
    # the ledger (load_file) lists the re-exported files, and the models' build state (_model_build) the ledger's
    # watermark it has seen: bookkeeping of what was read, not data
    bookkeeping = ("load_file", "_model_build")
    after = table_checksums(loaded.con, skip=bookkeeping)
    assert after == {t: v for t, v in before.items() if t not in bookkeeping}
