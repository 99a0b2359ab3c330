"""The generator's output is pinned: the tiny world of seed 7 (clean and with faults) has the contents it had when
this file was last written, file by file. A refactor of pipelines/synth must consume the random streams in the same
order; a change that means to alter the world regenerates the pins on purpose:

    .venv/bin/python -m tests.synth.test_pinned_output

Text deliveries (CSV, JSON, JSONL) and the truth's JSON/CSV are compared byte for byte; Parquet and XLSX by their
rows (their bytes carry library versions and the workbook's creation time), Parquet's floats at 12 significant digits
(numpy's exp/log may differ in the last bit between CPUs).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from pipelines.ingest.readers import read_any
from tests.synth.delivered import portable_floats

PINS = Path(__file__).with_name("pinned_tiny7.json")


def content_digest(path: Path) -> str:
    if path.suffix == ".parquet":
        frame = portable_floats(pl.read_parquet(path))
    elif path.suffix == ".xlsx":
        frame = read_any(path).frame
    else:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    blob = str(frame.schema).encode() + frame.write_ndjson().encode()
    return hashlib.sha256(blob).hexdigest()


def world_digests(out: Path) -> dict[str, str]:
    """Every file the generator wrote (inbox, truth, manifest), by path relative to the world's folder."""
    return {p.relative_to(out).as_posix(): content_digest(p) for p in sorted(out.rglob("*")) if p.is_file()}


def _check(name: str, out: Path) -> None:
    pinned = json.loads(PINS.read_text(encoding="utf-8"))[name]
    now = world_digests(out)
    changed = sorted(k for k in pinned.keys() | now.keys() if pinned.get(k) != now.get(k))
    assert not changed, (
        f"{name}: {len(changed)} of {len(pinned)} files differ from the pins, e.g. {changed[:5]}"
    )


def test_clean_world_is_the_pinned_world(clean_world):
    _check("clean", clean_world.out)


def test_faulty_world_is_the_pinned_world(faulty_world):
    _check("faults", faulty_world.out)


if __name__ == "__main__":  # regenerate the pins (a deliberate change of the generator)
    import tempfile

    from pipelines.synth import generate

    pins = {}
    for name, faults in (("clean", False), ("faults", True)):
        with tempfile.TemporaryDirectory() as tmp:
            generate("tiny", 7, tmp, faults=faults)
            pins[name] = world_digests(Path(tmp))
    PINS.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {PINS}: {sum(len(v) for v in pins.values())} files")
