"""Read a delivered file into strings, whatever its format and encoding, with the line each row came from.

Line numbers: CSV and XLSX = physical line with the header as line 1 (a quoted field spanning lines counts the
line where the record ends); JSONL = physical line (every record of a payload on that line shares it); JSON =
1-based index of the record in the file (a payload's records, or a list's records, counted in order);
Parquet = 1-based row.

API payloads (sources.md "Delivery"): an object holding a list under one of the payload array names
(`dataList`, `detailList`, `workerList` …: data/contracts/_delivery.yaml and the contracts) is unpacked into its
records, each with the parent's other fields merged in (the record's own value wins on a conflict). A `.json`
file may hold one payload, a list of payloads or plain records; a `.jsonl` line may be a plain record or a
payload, mixed in one file. Nested objects and arrays are kept as JSON text (never Python repr).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import chain, islice
from operator import methodcaller
from pathlib import Path

import polars as pl

from pipelines.contracts import envelopes, payload_arrays
from pipelines.ingest.workbook_parts import (
    SheetAids,
    fill_merged,
    formulas_shown,
    legacy_reading_aids,
    reading_aids,
)

_TEXT_TYPES = {str, type(None)}  # a JSON column of these is text already


class UnreadableFileError(Exception):
    """The whole file cannot be read (truncated, undecodable, not the format its name says)."""


class DuplicateHeaderError(UnreadableFileError):
    """Two columns under one header. The header is kept apart from the message: in a file delivered without its
    header row the "header" is a record's value (a name, a number), which the loader names only when its contract
    knows it as a header (load._refusal)."""

    def __init__(self, header: str) -> None:
        super().__init__(f"表头重复：{header}")
        self.header = header


@dataclass
class RawRows:
    """A file's rows as strings, keyed by the file's own headers, with line numbers and bad lines."""

    frame: pl.DataFrame  # all Utf8, plus "_line"
    encoding: str | None = None
    bad_lines: list[tuple[int, str]] = field(
        default_factory=list
    )  # (line, reason) of rows that could not be split
    # per row of `frame`: "dataList第3条" for a record unpacked from a payload (the array and the 1-based position in
    # it), None for a plain record; None for the whole file when it held no payload
    items: list[str | None] | None = None
    hidden: bool = False  # a workbook's sheet its sender hid (workbook_parts.reading_aids): not read as data
    date1904: bool = False  # its workbook counts dates from 1904 (workbook_parts.SheetAids.date1904)


# UTF-16's byte-order marks, little- and big-endian: never a GB18030 file's first bytes (0xFF is no GB18030 byte)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode(raw: bytes) -> tuple[str, str]:
    """Decode by looking at the bytes: UTF-16 when it opens with its byte-order mark (Excel's "Unicode text"),
    UTF-8 (with or without BOM) strictly, else GB18030 strictly."""
    if raw.startswith(UTF16_BOMS):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(f"文件声明为UTF-16但含有无法解码的字节（位置 {exc.start}）") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(f"文件声明为UTF-8但含有无法解码的字节（位置 {exc.start}）") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"文件编码无法识别：既不是UTF-8也不是GBK/GB18030（位置 {exc.start}）"
        ) from None


def read_any(path: Path) -> RawRows:
    """Dispatch on the file's suffix."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            return _read_csv(path)
        if suffix in (".xlsx", ".xls"):
            return _read_xlsx(path)
        if suffix == ".jsonl":
            return _read_jsonl(path)
        if suffix == ".json":
            return _read_json(path)
        if suffix == ".parquet":
            return _read_parquet(path)
    except UnreadableFileError:
        raise
    except Exception as exc:  # any parser error means the file as a whole is unusable
        raise UnreadableFileError(f"文件无法解析（{type(exc).__name__}: {str(exc)[:160]}）") from None
    raise UnreadableFileError(f"不支持的文件格式 {suffix}")


def _frame(header: list[str], rows: list[list[str | None]], lines: list[int]) -> pl.DataFrame:
    cols = {h: [r[i] for r in rows] for i, h in enumerate(header)}
    df = pl.DataFrame(cols, schema=dict.fromkeys(header, pl.Utf8))
    return df.with_columns(pl.Series("_line", lines, dtype=pl.Int32))


def _read_csv(path: Path) -> RawRows:
    """A delimited text file (CSV; a .txt export) as columns, its separator found by delimiter_of. Without a quote
    character, every physical line is one record: the lines are split on the separator as whole columns (polars). A
    file with quotes (a field holding a separator or a line break) is read by the csv module, record by record,
    because a record may span lines."""
    text, enc = decode(path.read_bytes())
    if not text:
        raise UnreadableFileError("文件为空")
    sep = delimiter_of(first_lines(text))
    if '"' in text:
        return _read_quoted_csv(text, enc, sep)
    lines = pl.Series("text", text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), dtype=pl.Utf8)
    at = _header_line([line.count(sep) + 1 for line in lines.head(TITLE_LINES_MAX + 1)])
    header = _named_headers(lines[at].split(sep)) if lines[at] else []
    _unique_headers(header)
    records = (
        lines.to_frame()
        .with_row_index("_line", offset=1)
        .slice(at + 1)
        .filter(pl.col("text").str.replace_all(sep, "", literal=True).str.strip_chars() != "")  # blank lines
        .with_columns(fields=pl.col("text").str.count_matches(sep, literal=True) + 1)
    )
    whole = records.filter(pl.col("fields") == len(header))
    bad = [
        (line, f"字段数为 {n}，表头为 {len(header)}")
        for line, n in records.filter(pl.col("fields") != len(header)).select("_line", "fields").iter_rows()
    ]
    if not header:  # a blank first line: no column, every record has too many fields
        return RawRows(pl.DataFrame(schema={"_line": pl.Int32}), enc, bad)
    frame = (
        whole.select(
            pl.col("text").str.split_exact(sep, len(header) - 1).struct.rename_fields(header).alias("r"),
            pl.col("_line").cast(pl.Int32),
        )
        .unnest("r")
        .with_columns(pl.col(header).replace("", None))
        .select(*header, "_line")
    )
    return RawRows(frame, enc, bad)


TITLE_LINES_MAX = 3  # lines without a separator above a CSV's header: a title (表名、制表日期), skipped
# what separates a delimited text file's fields: the comma of a CSV, the tab of a tab-separated export (Excel's
# "Unicode text", many systems' 导出), the semicolon where a comma is the decimal mark, the bar of a mainframe dump
DELIMITERS = (",", "\t", ";", "|")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def first_lines(text: str) -> list[str]:
    """A text file's first TITLE_LINES_MAX + 1 lines (where a title and the header are), without splitting the rest."""
    return _LINE_BREAK.split(text, maxsplit=TITLE_LINES_MAX + 1)[: TITLE_LINES_MAX + 1]


def delimiter_of(lines: list[str]) -> str:
    """The separator of a delimited text file from its first lines (a title, the header): the one of DELIMITERS that
    occurs most on one line, the comma on a tie — so a CSV stays a CSV however many ; or | its values hold."""
    return max(DELIMITERS, key=lambda d: max((line.count(d) for line in lines), default=0))


def _header_line(fields: list[int]) -> int:
    """Where a CSV's header is, from the field counts of its first lines: line 1, unless the file opens with up to
    TITLE_LINES_MAX lines of one field (a title, a blank line) followed by a line of several — a spreadsheet's title
    saved above its table. A one-column file (one field in each of its first lines) keeps line 1."""
    return next((i for i, n in enumerate(fields[: TITLE_LINES_MAX + 1]) if n > 1), 0)


def _read_quoted_csv(text: str, enc: str, sep: str = ",") -> RawRows:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows, lines, bad = [], [], []
    try:
        opening = [(row, reader.line_num) for row in islice(reader, TITLE_LINES_MAX + 1)]
        if not opening:
            raise UnreadableFileError("文件为空")
        at = _header_line([len(row) for row, _ in opening])  # a title above the header
        header = _named_headers(opening[at][0])
        for row, line in chain(opening[at + 1 :], ((row, reader.line_num) for row in reader)):
            if not row or all(not v.strip() for v in row):
                continue
            if len(row) != len(header):
                bad.append((line, f"字段数为 {len(row)}，表头为 {len(header)}"))
                continue
            rows.append([v if v != "" else None for v in row])
            lines.append(line)
    except csv.Error as exc:
        raise UnreadableFileError(f"CSV格式错误（第 {reader.line_num} 行：{exc}）") from None
    _unique_headers(header)
    return RawRows(_frame(header, rows, lines), enc, bad)


def _read_xlsx(path: Path) -> RawRows:
    """The first sheet, header on row 1."""
    return sheet_rows(pl.read_excel(path, sheet_id=1, infer_schema_length=0, drop_empty_rows=False))


def read_xlsx_sheets(path: Path) -> list[tuple[str, RawRows]]:
    """Every sheet of a workbook in order, each as the first is read (an empty sheet as no rows), a value merged
    down its rows given to each of them; a workbook with no cell in any sheet, or one that cannot be opened, is
    unreadable."""
    try:
        sheets = pl.read_excel(
            path, sheet_id=0, infer_schema_length=0, drop_empty_rows=False, raise_if_empty=False
        )
    except Exception as exc:  # as read_any: any parser error means the file as a whole is unusable
        raise UnreadableFileError(f"文件无法解析（{type(exc).__name__}: {str(exc)[:160]}）") from None
    if all(df.width == 0 for df in sheets.values()):
        raise UnreadableFileError("工作簿为空：没有任何工作表含有数据")
    # a value merged down its rows; a formula whose value the file does not hold; a hidden sheet; where the data
    # starts (workbook_parts.py)
    aids = reading_aids(path) if zipfile.is_zipfile(path) else legacy_reading_aids(path)
    out = []
    for name, df in sheets.items():
        aid = aids.get(str(name), SheetAids())
        sheet = fill_merged(formulas_shown(df, aid.formulas), aid.merges)
        rows = sheet_rows(sheet, above=aid.above)
        out.append((str(name), replace(rows, hidden=aid.hidden, date1904=aid.date1904)))
    return out


def sheet_rows(df: pl.DataFrame, *, above: int = 0) -> RawRows:
    """A sheet's rows as text, each with its line (the header is line 1, or 1 + `above` when the sheet's data starts
    lower: the workbook reader's frame starts at its first row with a value). Blank rows are read and then dropped,
    so that a row keeps its own line number (the reader's default drops them first, and every row after a blank one
    was named by the wrong line)."""
    df = df.rename({c: str(c).strip() for c in df.columns})
    df = df.select(pl.all().cast(pl.Utf8)).with_columns(
        pl.int_range(above + 2, above + df.height + 2, dtype=pl.Int32).alias("_line")
    )
    if df.width > 1:
        df = df.filter(~pl.all_horizontal(pl.exclude("_line").is_null()))
    return RawRows(df, None)


def unpack(obj: dict) -> list[tuple[dict, str | None]]:
    """A payload's records with the parent's fields merged in (the record wins), each with its place in the
    payload; a plain record as itself. A payload inside a gateway's response wrapper (`{"code": 0, "data":
    {"records": [...]}}`) is found under the wrapper's names, and the wrapper's own fields are left out.
    Non-object entries of a payload array are skipped by the caller's count."""
    if _payload_names().isdisjoint(obj):
        return [(obj, None)]  # a plain record (most JSONL lines): one set test, no loop
    arrays = payload_arrays()
    found = _payload_in(obj, arrays, depth=2)
    if found is None:
        return [(obj, None)]
    payload, array, place = found
    parent = {k: v for k, v in payload.items() if k not in arrays}
    entries = payload[array]
    if parent:
        entries = [{**parent, **r} if isinstance(r, dict) else r for r in entries]
    return list(zip(entries, map(f"{place}{array}第{{}}条".format, range(1, len(entries) + 1)), strict=True))


@cache
def _payload_names() -> frozenset[str]:
    """Every key that makes an object more than a plain record: a payload array's name or a wrapper's."""
    return frozenset(payload_arrays()) | frozenset(envelopes())


def _payload_in(obj: dict, arrays: tuple[str, ...], depth: int) -> tuple[dict, str, str] | None:
    """The object holding a payload array (itself or one under a wrapper's name, `depth` levels down at most), the
    array's name and the path to it ("data." under a wrapper); None for a plain record."""
    array = next((k for k in arrays if isinstance(obj.get(k), list)), None)
    if array is not None:
        return obj, array, ""
    for name in envelopes() if depth else ():
        inner = obj.get(name)
        found = _payload_in(inner, arrays, depth - 1) if isinstance(inner, dict) else None
        if found is not None:
            return found[0], found[1], f"{name}.{found[2]}"
    return None


def _read_jsonl(path: Path) -> RawRows:
    text, enc = decode(path.read_bytes())
    records, lines, items, bad = [], [], [], []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append((i, f"JSON格式错误：{exc.msg}"))
            continue
        if not isinstance(obj, dict):
            bad.append((i, "该行不是JSON对象"))
            continue
        for record, item in unpack(obj):
            if not isinstance(record, dict):
                bad.append((i, f"{item}不是JSON对象"))
                continue
            records.append(record)
            lines.append(i)
            items.append(item)
    return RawRows(_records_frame(records, lines), enc, bad, items if any(items) else None)


def _read_json(path: Path) -> RawRows:
    text, enc = decode(path.read_bytes())
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(f"JSON文件不完整或格式错误（第 {exc.lineno} 行：{exc.msg}）") from None
    if isinstance(obj, dict):
        obj = [obj]
    if not isinstance(obj, list):
        raise UnreadableFileError("JSON文件既不是对象也不是数组")
    records, items, bad = [], [], []
    for entry_no, entry in enumerate(obj, start=1):
        if not isinstance(entry, dict):
            bad.append((len(records) + len(bad) + 1, f"数组第{entry_no}项不是JSON对象"))
            continue
        unpacked = unpack(entry)
        if all(type(record) is dict for record, _ in unpacked):  # every record an object: taken at once
            records.extend(record for record, _ in unpacked)
            items.extend(item for _, item in unpacked)
            continue
        for record, item in unpacked:
            if not isinstance(record, dict):
                bad.append((len(records) + len(bad) + 1, f"{item}不是JSON对象"))
                continue
            records.append(record)
            items.append(item)
    # a record's line is its 1-based position among the file's records (bad entries take a position too)
    if not bad:
        return RawRows(
            _records_frame(records, list(range(1, len(records) + 1))), enc, bad, items if any(items) else None
        )
    lines, n = [], 0
    bad_at = {line for line, _ in bad}
    for _ in records:
        n += 1
        while n in bad_at:
            n += 1
        lines.append(n)
    return RawRows(_records_frame(records, lines), enc, bad, items if any(items) else None)


def _records_frame(records: list[dict], lines: list[int]) -> pl.DataFrame:
    """The records as text columns (headers in order of first appearance), built a column at a time: a column
    holding only strings and nulls (what the platform sends) is taken as it is, any other is written value by value
    as text (_as_text)."""
    header = list(dict.fromkeys(chain.from_iterable(records)))
    columns: dict[str, list] = {}
    for h in header:
        values = list(map(methodcaller("get", h), records))
        if not set(map(type, values)) <= _TEXT_TYPES:
            values = [None if v is None else _as_text(v) for v in values]
        columns[h] = values
    df = pl.DataFrame(columns, schema=dict.fromkeys(header, pl.Utf8))
    return df.with_columns(pl.Series("_line", lines, dtype=pl.Int32))


def _as_text(v: object) -> str:
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v)) if abs(v) < 1e15 else str(v)
    return str(v)


def _read_parquet(path: Path) -> RawRows:
    df = pl.read_parquet(path)
    exprs = []
    for name, dtype in df.schema.items():
        c = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            exprs.append(c.dt.strftime("%Y-%m-%d %H:%M:%S"))
        elif dtype == pl.Date:
            exprs.append(c.dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            exprs.append(c.cast(pl.Int8).cast(pl.Utf8))
        else:
            exprs.append(c.cast(pl.Utf8))
    df = df.select(exprs)
    return RawRows(df.with_columns(pl.int_range(1, df.height + 1, dtype=pl.Int32).alias("_line")), None)


UNNAMED = "__UNNAMED__"  # calamine's name for a sheet column without a header, and ours for a CSV's


def _named_headers(cells: list[str]) -> list[str]:
    """A delimited file's header cells, stripped; an empty one named as calamine names a sheet's (__UNNAMED__<i>):
    a CSV saved from a sheet carries a column for every formatted cell past the data (项目编码,…,发放日期,,,), and two
    empty headers were refused as one header repeated."""
    named = [h.strip().lstrip("\ufeff") for h in cells]
    return [h or f"{UNNAMED}{i}" for i, h in enumerate(named)]


def is_unnamed(header: str) -> bool:
    return header.startswith(UNNAMED) and header[len(UNNAMED) :].isdigit()


def _unique_headers(header: list[str]) -> None:
    seen = set()
    for h in header:
        if h in seen:
            raise DuplicateHeaderError(h)
        seen.add(h)
