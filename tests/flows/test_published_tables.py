"""The demo world's published tables are pinned (issue 20: "the demo world's published tables are identical before
and after (a test compares them)"): the tables the nightly writes under OUT/runs/<as_of>/tables/ for the demo world
of seed 7 (what `make demo` generates; the `demo_night` fixture) have the row counts, columns, types and contents
they had when the pins were last written. A refactor must leave them as they are; a change that means to alter
what is published regenerates the pins on purpose, and the diff of the JSON names the tables and columns:

    .venv/bin/python -m tests.flows.test_published_tables

Contents are compared order-free: per column, a hash of its sorted values (so a difference names the column), and
per table a hash of its sorted rows (so values moved between rows are seen too). Doubles are rounded to DECIMALS
places first, as tests/checksums.py does: DuckDB sums doubles in parallel, and two runs of the same code differ in
the last bits (26192.350000000006 and 26192.35 in owed_yuan). Not to significant digits: money is in whole fen, so
a 7-digit amount sits exactly on a 6-significant-digit rounding boundary and the noise flips it; six decimals leave
every amount of the demo world at least 160 ulp from a boundary, against the 1–2 ulp two runs differ by.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

PINS = Path(__file__).with_name("published_demo7.json")
DECIMALS = 6


def canonical(value: Any) -> Any:
    """A value as plain JSON: doubles to DECIMALS places (no -0), dates as ISO text, lists and structs inside."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return round(value, DECIMALS) + 0.0
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Decimal):  # exact: as written
        return str(value)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def _hash(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:16]


def table_digest(frame: pl.DataFrame) -> dict[str, Any]:
    """rows, column → type, column → hash of its sorted values, and the hash of the sorted rows."""
    columns = {
        name: [json.dumps(canonical(v), ensure_ascii=False) for v in frame[name].to_list()]
        for name in frame.columns
    }
    rows = ["[" + ",".join(values) + "]" for values in zip(*columns.values(), strict=True)]
    return {
        "rows": frame.height,
        "types": {name: str(dtype) for name, dtype in frame.schema.items()},
        "columns": {name: _hash(values) for name, values in columns.items()},
        "content": _hash(rows),
    }


def published_digests(tables_dir: Path) -> dict[str, dict[str, Any]]:
    """table → digest for every Parquet file a run published."""
    return {path.stem: table_digest(pl.read_parquet(path)) for path in sorted(tables_dir.glob("*.parquet"))}


def differences(pinned: dict[str, dict[str, Any]], now: dict[str, dict[str, Any]]) -> list[str]:
    """What changed, one line per table: tables gone or new, row counts, columns gone, new or retyped, and the
    columns whose values differ (or 'rows' when only the pairing of values into rows changed)."""
    out = [f"{t}: not published any more" for t in sorted(pinned.keys() - now.keys())]
    out += [f"{t}: newly published" for t in sorted(now.keys() - pinned.keys())]
    for t in sorted(pinned.keys() & now.keys()):
        was, got, said = pinned[t], now[t], []
        if was["rows"] != got["rows"]:
            said.append(f"rows {was['rows']} → {got['rows']}")
        if gone := [c for c in was["types"] if c not in got["types"]]:
            said.append(f"columns gone {gone}")
        if new := [c for c in got["types"] if c not in was["types"]]:
            said.append(f"new columns {new}")
        if not gone and not new and list(was["types"]) != list(got["types"]):
            said.append(f"columns reordered {list(was['types'])} → {list(got['types'])}")
        if retyped := [c for c in was["types"] if c in got["types"] and was["types"][c] != got["types"][c]]:
            said.append("retyped " + ", ".join(f"{c} {was['types'][c]} → {got['types'][c]}" for c in retyped))
        if valued := [
            c for c in was["columns"] if c in got["columns"] and was["columns"][c] != got["columns"][c]
        ]:
            said.append(f"values differ in {valued}")
        if not said and was["content"] != got["content"]:
            said.append("the same values per column, paired into different rows")
        if said:
            out.append(f"{t}: " + "; ".join(said))
    return out


def test_a_difference_names_the_table_and_the_column_and_float_noise_is_none() -> None:
    frame = pl.DataFrame(
        {"code": ["a", "b"], "share": [0.1 + 0.2, 1 / 3], "rules": [["R01"], []], "d": [date(2025, 1, 1)] * 2}
    )
    pinned = {"t": table_digest(frame), "gone": table_digest(frame)}
    noise = frame.with_columns(pl.col("share") * (1 + 1e-13))  # the last bits of a parallel sum
    assert differences(pinned, {"t": table_digest(noise), "gone": table_digest(frame)}) == []
    changed = frame.with_columns(pl.Series("rules", [["R01"], ["R02"]]))
    assert differences(pinned, {"t": table_digest(changed)}) == [
        "gone: not published any more",
        "t: values differ in ['rules']",
    ]
    swapped = frame.with_columns(pl.col("code").reverse())  # same values per column, other rows
    assert differences(pinned, {"t": table_digest(swapped), "gone": pinned["gone"]}) == [
        "t: the same values per column, paired into different rows"
    ]
    renamed = frame.rename({"d": "work_date"}).with_columns(pl.col("share").cast(pl.Float32)).head(1)
    assert differences(pinned, {"t": table_digest(renamed), "gone": pinned["gone"]}) == [
        "t: rows 2 → 1; columns gone ['d']; new columns ['work_date']; retyped share Float64 → Float32; "
        "values differ in ['code', 'share', 'rules']"
    ]


def test_the_demo_worlds_published_tables_are_the_pinned_tables(demo_night) -> None:
    pinned = json.loads(PINS.read_text(encoding="utf-8"))
    now = published_digests(Path(demo_night["summary"]["output_dir"]) / "tables")
    changed = differences(pinned, now)
    assert not changed, (
        "the demo world's published tables differ from the pins (a deliberate change regenerates them: "
        "python -m tests.flows.test_published_tables):\n  " + "\n  ".join(changed)
    )


def run_demo_night(base: Path) -> Path:
    """Generate the demo world of seed 7 under `base` and run the real nightly on it (as the demo_night fixture
    does, inside a Prefect test harness); the folder of the tables it published."""
    from prefect.testing.utilities import prefect_test_harness

    from pipelines.flows.nightly import nightly
    from pipelines.synth import generate

    with prefect_test_harness(server_startup_timeout=90):
        generate("demo", 7, base / "world")
        summary = nightly(inbox=base / "world" / "inbox", out=base / "out", warehouse=base / "demo.duckdb")
    assert summary["status"] == "published", summary["message"]
    return Path(summary["output_dir"]) / "tables"


if __name__ == "__main__":  # regenerate the pins (a deliberate change of what the nightly publishes)
    import sys
    import tempfile

    import tests.conftest  # noqa: F401  (offline, quiet Prefect and GX before they are imported)

    if (
        len(sys.argv) > 1
    ):  # keep the run in DIR, or digest the tables of a run kept there (DIR/out/latest/tables)
        keep = Path(sys.argv[1])
        kept = keep / "out" / "latest" / "tables"
        pins = published_digests(kept if kept.is_dir() else run_demo_night(keep))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            pins = published_digests(run_demo_night(Path(tmp)))
    PINS.write_text(json.dumps(pins, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {PINS}: {len(pins)} tables, {sum(p['rows'] for p in pins.values())} rows")
