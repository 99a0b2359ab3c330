"""Every generated delivery is a file the contract (sources.md, data/contracts) describes and the reader parses."""

from __future__ import annotations

import re
from datetime import date

import pytest

from pipelines.contracts import ENTITIES, entity_of_file
from pipelines.ingest.readers import read_any
from tests.synth.delivered import (
    SPEC_FORMATS,
    SPELLINGS,
    canonical_frame,
    contract_of,
    delivered_files,
    format_of,
    spellings_of,
)

_NAME = re.compile(r"^(?P<entity>[a-z_]+?)_(?P<mmdd>\d{4})(_[a-z0-9_]+)?\.(csv|xlsx|jsonl|json|parquet)$")


def test_every_file_parses_and_its_headers_are_contract_columns(clean_world):
    files = delivered_files(clean_world.inbox)
    assert len(files) == clean_world.summary["files"]
    for path in files:
        frame = canonical_frame(path)  # fails on any header outside the contract
        contract = contract_of(path)
        assert frame.height > 0, path.name
        assert not read_any(path).bad_lines, path.name
        columns = [c for c in frame.columns if c != "_line"]
        assert len(columns) == len(set(columns)), f"{path.name}: two headers mean one column"
        assert set(contract.key) <= set(columns), f"{path.name}: natural key incomplete"
        required = {c.name for c in contract.columns if c.required}
        assert frame.select(required).null_count().sum_horizontal().item() == 0, path.name


def test_files_sit_in_extract_folders_named_by_entity_and_date(clean_world):
    for path in delivered_files(clean_world.inbox):
        folder = date.fromisoformat(path.parent.name)
        match = _NAME.match(path.name)
        assert match, path.name
        assert entity_of_file(path.name) == match["entity"]
        assert match["mmdd"] == f"{folder:%m%d}", path.name


def test_all_thirteen_entities_are_delivered(clean_world):
    delivered = {entity_of_file(p.name) for p in delivered_files(clean_world.inbox)}
    assert delivered == set(ENTITIES)
    assert all(n > 0 for n in clean_world.summary["rows"].values()), clean_world.summary["rows"]


def test_every_format_the_spec_names_is_delivered(clean_world):
    seen = {}
    for path in delivered_files(clean_world.inbox):
        fmt = format_of(path)
        seen.setdefault(fmt, path)
        if fmt == "csv_gbk":
            assert read_any(path).encoding == "gb18030"
        if fmt == "csv_bom":
            assert read_any(path).encoding == "utf-8-sig"
    assert set(seen) == SPEC_FORMATS


def test_every_header_spelling_is_delivered_and_each_file_keeps_to_one(clean_world):
    seen = set()
    for path in delivered_files(clean_world.inbox):
        agreed = spellings_of(path)
        assert agreed, f"{path.name}: headers mix spellings"
        if len(agreed) == 1:
            seen |= agreed
    assert seen == set(SPELLINGS)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_each_spelling_reaches_at_least_three_entities(clean_world, spelling):
    entities = {
        entity_of_file(p.name) for p in delivered_files(clean_world.inbox) if spellings_of(p) == {spelling}
    }
    assert len(entities) >= 3, entities
