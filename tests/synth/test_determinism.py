"""The generator is a function of its seed: same seed, same deliveries; another seed, another world."""

from __future__ import annotations

import hashlib

import polars as pl

from pipelines.ingest.readers import read_any
from tests.synth.delivered import canonical_frame, delivered_files


def _relative(world) -> list[str]:
    return [p.relative_to(world.inbox).as_posix() for p in delivered_files(world.inbox)]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_the_same_files(clean_world, clean_world_again):
    assert _relative(clean_world) == _relative(clean_world_again)
    summary = {k: v for k, v in clean_world.summary.items() if k not in ("seconds", "inbox")}
    again = {k: v for k, v in clean_world_again.summary.items() if k not in ("seconds", "inbox")}
    assert summary == again


def test_same_seed_gives_byte_identical_files_and_identical_xlsx_rows(clean_world, clean_world_again):
    n_xlsx = 0
    for rel in _relative(clean_world):
        a, b = clean_world.inbox / rel, clean_world_again.inbox / rel
        if a.suffix == ".xlsx":  # the workbook stores its creation time: compare the cells
            n_xlsx += 1
            assert read_any(a).frame.equals(read_any(b).frame), rel
        else:
            assert a.read_bytes() == b.read_bytes(), rel
    assert n_xlsx > 0


def test_same_seed_gives_the_same_truth(clean_world, clean_world_again):
    for path in sorted((clean_world.out / "truth").rglob("*.parquet")):
        rel = path.relative_to(clean_world.out)
        assert pl.read_parquet(path).equals(pl.read_parquet(clean_world_again.out / rel)), rel


def test_another_seed_gives_another_world(clean_world, other_seed_world):
    def ids(world) -> set[str]:
        rosters = [p for p in delivered_files(world.inbox) if p.name.startswith("project_worker_")]
        return set(
            pl.concat([canonical_frame(p).select("id_card_number") for p in rosters])["id_card_number"]
        )

    def projects(world) -> set[str]:
        return set(pl.read_parquet(world.out / "truth" / "world" / "project.parquet")["project_code"])

    assert ids(clean_world)
    assert ids(other_seed_world)
    assert not ids(clean_world) & ids(other_seed_world)
    assert projects(clean_world) != projects(other_seed_world)
    same = {_digest(p) for p in delivered_files(clean_world.inbox)} & {
        _digest(p) for p in delivered_files(other_seed_world.inbox)
    }
    assert not same
