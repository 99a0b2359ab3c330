"""Other delivery habits, the same facts: the tiny world's files delivered again with the rows of every file in
another order and every CSV in the other encoding (UTF-8 ↔ GB18030, CRLF line ends) publish the same tables, byte
for byte, as the files as the generator wrote them.

The order rows arrive in is not a fact: a platform's export has no defined order, and a sum taken over raw doubles
in that order moved R04's published evidence in its last bits on the demo world (docs/decisions.md "Money sums to
the fen"). Workbooks and the dashboard carry the night's timestamps; the tables are what other tools read.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import polars as pl


def redelivered(src: Path, dst: Path, seed: int) -> dict[str, int]:
    """A copy of inbox `src` at `dst` with every file's rows shuffled and CSV encodings swapped; what it changed."""
    rng = random.Random(seed)
    shutil.copytree(src, dst)
    changed = {"csv_to_gb18030": 0, "csv_to_utf8": 0, "shuffled": 0}
    for path in sorted(p for p in dst.rglob("*") if p.is_file()):
        if path.suffix == ".csv":
            raw = path.read_bytes()
            try:
                text, to_gb = raw.decode("utf-8-sig"), True
            except UnicodeDecodeError:
                text, to_gb = raw.decode("gb18030"), False
            head, *body = text.splitlines()
            assert all(line.count('"') % 2 == 0 for line in body), f"{path}: a quoted field spans lines"
            rng.shuffle(body)
            out = "\r\n".join([head, *body]) + "\r\n"
            path.write_bytes(out.encode("gb18030") if to_gb else out.encode("utf-8"))
            changed["csv_to_gb18030" if to_gb else "csv_to_utf8"] += 1
        elif path.suffix == ".jsonl":
            lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            rng.shuffle(lines)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        elif path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            for records in (
                [data] if isinstance(data, list) else [v for v in data.values() if isinstance(v, list)]
            ):
                rng.shuffle(records)
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        elif path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            frame.sample(fraction=1.0, shuffle=True, seed=rng.randrange(2**31)).write_parquet(path)
        else:
            continue
        changed["shuffled"] += 1
    return changed


def test_rows_in_another_order_and_other_encodings_publish_the_same_table_bytes(nightly_run, tmp_path):
    from pipelines.flows.nightly import nightly

    inbox = tmp_path / "inbox"
    changed = redelivered(nightly_run["inbox"], inbox, seed=5)
    assert changed["csv_to_gb18030"] > 0
    assert changed["csv_to_utf8"] > 0
    assert changed["shuffled"] > 20
    summary = nightly(inbox=inbox, out=tmp_path / "out", warehouse=tmp_path / "wh.duckdb")
    assert summary["status"] == "published", summary["message"]
    assert summary["as_of"] == nightly_run["summary"]["as_of"]

    first = Path(nightly_run["summary"]["output_dir"]) / "tables"
    again = Path(summary["output_dir"]) / "tables"
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert len(names) >= 10
    assert [n for n in names if (first / n).read_bytes() != (again / n).read_bytes()] == []
