"""Other delivery habits for the same facts: an inbox whose every file lists its rows in another order, and whose
CSV files are in the other encoding (UTF-8 ↔ GB18030) with CRLF line ends.

A platform's export has no defined row order, and the encoding of a CSV depends on who exported it
(shared/spec/sources.md); neither is a fact, so nothing wagewatch publishes may depend on them. `wagewatch generate
--other-habits` writes a world delivered this way, the variant to measure beside the generator's own habits
(tests/flows/test_delivery_habits.py; docs/decisions.md "Money sums to the fen", session 19).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl

from pipelines.contracts import payload_arrays
from pipelines.ingest.readers import UnreadableFileError, decode


def redeliver(inbox: Path, seed: int) -> dict[str, int]:
    """Rewrite every file of `inbox` in place with its records shuffled and each CSV in the other encoding.

    Records are what the reader takes for records (pipelines/ingest/readers.py): a CSV's lines after the header,
    a JSONL file's lines, a JSON array's entries, and in each API payload the array that carries its records; a
    record's own fields, lists included, stay as they are. XLSX files are left as they are (row order is all a
    workbook would change). A file the reader could not read (none in a clean world) or a CSV with a quoted field
    across lines is left as delivered and counted. Every rewritten CSV ends with a line end: a file cut mid-line (a
    generator fault) would no longer look cut, so a world with faults is not redelivered (`wagewatch generate`
    refuses the two together). Returns how many files were rewritten, re-encoded each way, and left as delivered."""
    rng = random.Random(seed)
    done = dict.fromkeys(("csv_to_gb18030", "csv_to_utf8", "json", "parquet", "left_as_delivered"), 0)
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".jsonl", ".json", ".parquet"):
            continue
        try:
            done[_rewrite(path, suffix, rng)] += 1
        except (UnreadableFileError, json.JSONDecodeError, pl.exceptions.ComputeError, OSError):
            done["left_as_delivered"] += 1
    return {"rewritten": sum(done.values()) - done["left_as_delivered"], **done}


def _rewrite(path: Path, suffix: str, rng: random.Random) -> str:
    """Shuffle one file's records in place; what was done (a key of redeliver's counts)."""
    if suffix == ".csv":
        return _csv(path, rng)
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        frame.sample(fraction=1.0, shuffle=True, seed=rng.randrange(2**31)).write_parquet(path)
        return "parquet"
    text, _ = decode(path.read_bytes())
    if suffix == ".jsonl":
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
        rng.shuffle(values)
        path.write_text("".join(_shuffled(v, rng) + "\n" for v in values), encoding="utf-8")
    else:
        path.write_text(_shuffled(json.loads(text), rng), encoding="utf-8")
    return "json"


def _shuffled(value: object, rng: random.Random) -> str:
    """A JSON value with its records shuffled as the reader unpacks them (readers.unpack), as text: an array's
    entries, and in each payload object the first payload array that holds a list."""
    entries = value if isinstance(value, list) else [value]
    if isinstance(value, list):
        rng.shuffle(value)
    arrays = payload_arrays()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        records = next((entry[k] for k in arrays if isinstance(entry.get(k), list)), None)
        if records is not None:
            rng.shuffle(records)
    return json.dumps(value, ensure_ascii=False)


def _csv(path: Path, rng: random.Random) -> str:
    text, encoding = decode(path.read_bytes())
    head, *body = text.splitlines()
    if any(line.count('"') % 2 for line in body):  # a quoted field across lines: its lines must stay together
        return "left_as_delivered"
    rng.shuffle(body)
    out = "\r\n".join([head, *body]) + "\r\n"
    to_gb18030 = encoding != "gb18030"
    path.write_bytes(out.encode("gb18030") if to_gb18030 else out.encode("utf-8"))
    return "csv_to_gb18030" if to_gb18030 else "csv_to_utf8"
