"""One set of rows per entity, delivered in every format × header spelling, loads into identical tables.

The files are written by the generator's own writer (`_Writer._emit`), vendor code variants included (direction
E/L, status without leading zeros, full-width digits). Line numbers differ by design (readers.py: CSV and XLSX
count the header as line 1, JSON and Parquet count records from 1), so CSV/XLSX lines are shifted by one before
comparing.
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipelines.contracts import ENTITIES, entity_of_file
from pipelines.synth.generate import FORMATS, SPELLINGS, _Writer
from tests.checksums import table_checksums
from tests.ingest.conftest import build_staging, load_fresh
from tests.synth.delivered import canonical_frame, delivered_files

EXTRACT = date(2025, 12, 31)
HEADER_IS_LINE_ONE = ("csv_utf8", "csv_bom", "csv_gbk", "xlsx")
ROWS_PER_ENTITY = 30


@pytest.fixture(scope="module")
def given_rows(clean_world) -> dict[str, pl.DataFrame]:
    """Per entity, up to 30 delivered rows (canonical names, text as delivered) of one project where it has one,
    so JSON payloads also carry the parent's projectCode outside the array."""
    rows = {}
    for entity in ENTITIES:
        paths = [p for p in delivered_files(clean_world / "inbox") if entity_of_file(p.name) == entity]
        frames = [canonical_frame(p).drop("_line") for p in paths[-8:]]
        # the platform's own codes: the writer then adds the vendor variants itself (a file that already carries
        # one, e.g. direction 1/0, would be mapped twice)
        canonical = [
            f for f in frames if "direction" not in f.columns or f["direction"].is_in(["01", "02"]).all()
        ]
        frame = canonical[-1]
        if "project_code" in frame.columns and frame["project_code"].null_count() == 0:
            frame = frame.filter(pl.col("project_code") == frame["project_code"].mode().sort()[0])
        if frame.height > ROWS_PER_ENTITY:  # first and last rows: attendance then has both directions
            frame = pl.concat([frame.head(ROWS_PER_ENTITY // 2), frame.tail(ROWS_PER_ENTITY // 2)])
        rows[entity] = frame
    return rows


def _deliver(rows: dict[str, pl.DataFrame], inbox: Path, fmt: str, spelling: str) -> None:
    writer = _Writer(inbox, np.random.default_rng(0), faults=False)
    for entity in ENTITIES:
        writer._emit(rows[entity], entity, EXTRACT, fmt, spelling, None)


def _loaded_checksums(rows, inbox: Path, fmt: str, spelling: str) -> dict[str, tuple]:
    _deliver(rows, inbox, fmt, spelling)
    loaded = load_fresh(inbox)
    assert [(f.status, f.rows_loaded) for f in loaded.report.files] == [
        ("loaded", rows[entity_of_file(Path(f.path).name)].height) for f in loaded.report.files
    ]
    assert len(loaded.report.files) == len(ENTITIES)
    if fmt in HEADER_IS_LINE_ONE:
        for entity in ENTITIES:
            loaded.con.execute(f"update raw_{entity} set _line = _line - 1")
    build_staging(loaded.con, EXTRACT)
    sums = table_checksums(loaded.con, skip=("load_file",))  # the ledger names formats and encodings
    loaded.con.close()
    return sums


@pytest.fixture(scope="module")
def reference(given_rows, tmp_path_factory) -> dict[str, tuple]:
    sums = _loaded_checksums(given_rows, tmp_path_factory.mktemp("reference") / "inbox", "parquet", "snake")
    for entity in ENTITIES:
        assert sums[f"raw_{entity}"][0] == given_rows[entity].height > 0
        assert sums[f"stg_{entity}"][0] > 0
    assert sums["quarantine"][0] == 0
    return sums


def test_the_variants_carry_vendor_codes_and_nulls(given_rows, tmp_path):
    """Guards the comparison below: the variants really differ in the ways sources.md says deliveries differ."""
    _deliver(given_rows, tmp_path / "jsonl", "jsonl", "zh")
    _deliver(given_rows, tmp_path / "csv", "csv_utf8", "camel")

    def delivered(variant: str, entity: str) -> pl.DataFrame:
        return canonical_frame(next((tmp_path / variant).glob(f"*/{entity}_*")))

    assert set(delivered("jsonl", "attendance")["direction"]) == {"E", "L"}
    assert "２0" in set(delivered("jsonl", "project_worker")["work_role"])  # full-width digit
    assert not delivered("csv", "project")["prj_status"].str.starts_with("0").any()
    assert any(given_rows[e].null_count().sum_horizontal().item() for e in ENTITIES)


@pytest.mark.parametrize(("fmt", "spelling"), list(itertools.product(FORMATS, SPELLINGS)))
def test_every_format_and_spelling_loads_the_same_tables(given_rows, reference, tmp_path, fmt, spelling):
    sums = _loaded_checksums(given_rows, tmp_path / "inbox", fmt, spelling)
    differing = sorted(t for t in reference if sums.get(t) != reference[t])
    assert differing == []
    assert set(sums) == set(reference)
