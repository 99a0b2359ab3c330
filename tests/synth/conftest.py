"""Tiny generated worlds, each generated once per session: clean (twice), another seed, and with faults."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class GeneratedWorld:
    """One `generate("tiny", seed, out)` call: its output folder and the summary it returned."""

    out: Path
    summary: dict

    @property
    def inbox(self) -> Path:
        return self.out / "inbox"

    @property
    def manifest(self) -> dict:
        return json.loads((self.out / "faults_manifest.json").read_text(encoding="utf-8"))


def _generate(tmp_path_factory, name: str, seed: int, *, faults: bool = False) -> GeneratedWorld:
    from pipelines.synth import generate

    out = tmp_path_factory.mktemp(name)
    return GeneratedWorld(out, generate("tiny", seed, out, faults=faults))


@pytest.fixture(scope="session")
def clean_world(tmp_path_factory) -> GeneratedWorld:
    return _generate(tmp_path_factory, "clean7", 7)


@pytest.fixture(scope="session")
def clean_world_again(tmp_path_factory) -> GeneratedWorld:
    """The same seed generated a second time, into another folder."""
    return _generate(tmp_path_factory, "clean7_again", 7)


@pytest.fixture(scope="session")
def other_seed_world(tmp_path_factory) -> GeneratedWorld:
    return _generate(tmp_path_factory, "clean8", 8)


@pytest.fixture(scope="session")
def faulty_world(tmp_path_factory) -> GeneratedWorld:
    return _generate(tmp_path_factory, "faulty7", 7, faults=True)
