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


def redeliver(inbox: Path, seed: int) -> dict[str, int]:
    """Rewrite every file of `inbox` in place with its rows shuffled and each CSV in the other encoding.

    XLSX files are left as they are (row order is all a workbook would change). A file that cannot be read as its
    format (none in a clean world) or a CSV with a quoted field across lines is left as delivered and counted.
    Every rewritten CSV ends with a line end: a file cut mid-line (a generator fault) would no longer look cut, so
    a world with faults is not redelivered (`wagewatch generate` refuses the two together).
    Returns how many files were rewritten, re-encoded each way, and left as delivered."""
    rng = random.Random(seed)
    done = {"rewritten": 0, "csv_to_gb18030": 0, "csv_to_utf8": 0, "left_as_delivered": 0}
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".jsonl", ".json", ".parquet"):
            continue
        try:
            outcome = _rewrite(path, suffix, rng)
        except (UnicodeDecodeError, json.JSONDecodeError, pl.exceptions.ComputeError, OSError):
            outcome = "left_as_delivered"
        done[outcome] += 1
        if outcome.startswith("csv_to"):
            done["rewritten"] += 1
    return done


def _rewrite(path: Path, suffix: str, rng: random.Random) -> str:
    if suffix == ".csv":
        return _csv(path, rng)
    if suffix == ".jsonl":
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rng.shuffle(lines)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        # a bare array of records, or a payload whose arrays hold them (its other keys stay where they are)
        for records in (
            [data] if isinstance(data, list) else [v for v in data.values() if isinstance(v, list)]
        ):
            rng.shuffle(records)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        frame = pl.read_parquet(path)
        frame.sample(fraction=1.0, shuffle=True, seed=rng.randrange(2**31)).write_parquet(path)
    return "rewritten"


def _csv(path: Path, rng: random.Random) -> str:
    raw = path.read_bytes()
    try:
        text, to_gb18030 = raw.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        text, to_gb18030 = raw.decode("gb18030"), False
    head, *body = text.splitlines()
    if any(line.count('"') % 2 for line in body):  # a quoted field across lines: its lines must stay together
        return "left_as_delivered"
    rng.shuffle(body)
    out = "\r\n".join([head, *body]) + "\r\n"
    path.write_bytes(out.encode("gb18030") if to_gb18030 else out.encode("utf-8"))
    return "csv_to_gb18030" if to_gb18030 else "csv_to_utf8"
