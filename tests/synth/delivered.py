"""Read a generated inbox back the way the contract describes it: files, their formats, canonical columns."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pipelines.contracts import Contract, entity_of_file, load_contract, payload_arrays
from pipelines.ingest.readers import read_any
from pipelines.synth.generate import INJECTED_EXTRA_HEADERS

SPELLINGS = ("snake", "camel", "zh")
# The formats sources.md names ("Delivery"), as the generator calls them.
SPEC_FORMATS = {"csv_utf8", "csv_bom", "csv_gbk", "xlsx", "jsonl", "json_payload", "parquet"}


def delivered_files(inbox: Path) -> list[Path]:
    """Every file of every extract folder, in loading order."""
    return sorted(p for p in Path(inbox).glob("*/*") if p.is_file())


def contract_of(path: Path) -> Contract:
    entity = entity_of_file(path.name)
    assert entity is not None, f"{path.name}: no entity"
    return load_contract(entity)


def canonical_frame(path: Path) -> pl.DataFrame:
    """The file's rows under canonical column names (all strings) plus `_line`; unknown headers fail, except the
    extra columns a faulty delivery carries on purpose (generate.INJECTED_EXTRA_HEADERS), which are left out."""
    rows = read_any(path)
    frame = rows.frame.drop([c for c in INJECTED_EXTRA_HEADERS if c in rows.frame.columns])
    header_map = contract_of(path).header_map()
    unknown = [c for c in frame.columns if c != "_line" and c not in header_map]
    assert not unknown, f"{path.name}: headers outside the contract: {unknown}"
    return frame.rename({c: header_map[c] for c in frame.columns if c != "_line"})


def spellings_of(path: Path) -> set[str]:
    """The header spellings every header of the file agrees with (a column may be spelled alike in two)."""
    contract = contract_of(path)
    headers = [c for c in read_any(path).frame.columns if c != "_line"]
    agreed = set(SPELLINGS)
    for h in headers:
        agreed &= {
            s
            for c in contract.columns
            for s, spelled in zip(SPELLINGS, (c.name, c.camel, c.zh), strict=True)
            if spelled == h
        }
    return agreed


def format_of(path: Path) -> str:
    """The delivery format judged from the bytes, not only the suffix."""
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if raw.startswith(b"\xef\xbb\xbf"):
            return "csv_bom"
        try:
            raw.decode("utf-8")
            return "csv_utf8"
        except UnicodeDecodeError:
            raw.decode("gbk")  # strict: a GBK export must decode as GBK
            return "csv_gbk"
    if suffix == ".xlsx" and raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    if suffix == ".parquet" and raw[:4] == b"PAR1" and raw[-4:] == b"PAR1":
        return "parquet"
    if suffix == ".jsonl":
        lines = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
        assert all(isinstance(obj, dict) for obj in lines)
        return "jsonl"
    if suffix == ".json":
        obj = json.loads(raw.decode("utf-8"))
        arrays = [k for k, v in obj.items() if isinstance(v, list)]
        assert len(arrays) == 1, arrays
        assert arrays[0] in contract_of(path).payload_arrays, arrays
        return "json_payload"
    raise AssertionError(f"{path.name}: not a format of sources.md")


def record_count(path: Path) -> int:
    """Records in a delivered file, counted from the bytes (independently of the loader's reader)."""
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        return sum(1 for line in text.splitlines()[1:] if line.strip())
    if suffix == ".jsonl":  # a line is one record, or a payload holding its records in an array
        objs = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
        arrays = payload_arrays()
        return sum(next((len(o[a]) for a in arrays if isinstance(o.get(a), list)), 1) for o in objs)
    if suffix == ".json":
        obj = json.loads(raw.decode("utf-8"))
        return len(next(v for v in obj.values() if isinstance(v, list)))
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_metadata(path).num_rows
    if suffix == ".xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        return sum(
            1 for row in sheet.iter_rows(min_row=2, values_only=True) if any(v is not None for v in row)
        )
    raise AssertionError(f"{path.name}: unknown suffix")


def portable_floats(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with float columns at 12 significant digits, for content digests that hold on any machine.

    numpy's exp and log dispatch on the CPU's SIMD (AVX2 vs AVX-512) and may differ in the last bit between
    machines; the truth's hazards go through them, the random draws and the deliveries do not."""
    return frame.with_columns(pl.col(pl.Float32, pl.Float64).round_sig_figs(12))
