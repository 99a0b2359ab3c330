"""What a workbook's own parts say beyond its cells' values, which the workbook reader (calamine) does not give:
merged ranges, formulas without a value, hidden sheets, and where a sheet's data starts (SheetAids). Called merged.py
until session 24, when it read merged ranges only.

Merged cells: a value merged down a column holds for every row it spans.

A sheet made or tidied by hand merges a column's repeated value down its rows — the 项目编码 and 班组 of a payroll
sheet, one merged cell beside each team's workers. A workbook stores the value in the merged range's first cell
only; the reader (calamine) sees the rows below it empty, so every such row lost a key part and was quarantined
(必填字段为空). The merged ranges are listed in each sheet's XML (`<mergeCell ref="A3:A9"/>`): each range that spans
rows below the header row gives its first cell's value to every row it covers. A range across columns only (a title
over the table) changes nothing. A legacy .xls workbook (Excel 97–2003, still what many offices and WPS save) keeps
its merged ranges in a binary record of each sheet (MERGEDCELLS), read here from the workbook's records
(`legacy_reading_aids`; xlrd opens the OLE2 container).

The same pass over an .xlsx's sheets finds formulas whose values the file does not hold (`formulas_shown`). Excel
saves each formula's value beside it, and that value is what the reader reads. A program that writes a workbook
(Apache POI, openpyxl, xlsxwriter) writes the formula and leaves the computing to Excel: with no value, or with 0
and `fullCalcOnLoad`, which tells Excel to compute everything on opening. Read as the file holds them, a 实发金额 of
=F2-G2 was empty or 0. Nobody opening the workbook sees that, and an unpaid-looking line is a false warning. Such a
cell is read as its formula's text (=F2-G2), which no number, date or code parses: the row is quarantined with the
formula as its value, instead of being loaded with a value the file does not have.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import polars as pl

_ELEMENT = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.DOTALL)
_BOUNDSHEET, _MERGEDCELLS, _EOF = 0x0085, 0x00E5, 0x000A  # BIFF8 record types
# BIFF8 cell records that hold a value, each starting with its row and column (BLANK and MULBLANK hold none)
_VALUE_RECORDS = {0x00FD, 0x0203, 0x027E, 0x00BD, 0x0204, 0x0205, 0x0006, 0x00D6}
_RECALCULATE = re.compile(rb"<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad=\"(?:1|true)\"")
_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904=\"(?:1|true)\"")
_DATEMODE = 0x0022  # BIFF8: the workbook's date system (1: 1904)


def _column(letters: bytes) -> int:
    """A column's letters as its 0-based index (A → 0, AA → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _attributes(raw: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: html.unescape(v.decode("utf-8")) for k, v in _ATTRIBUTE.findall(raw)}


@dataclass
class SheetAids:
    """What a sheet's own parts say beyond its cells' values, in the frame's coordinates (the workbook reader's frame
    starts at the sheet's first cell with a value: its header is row 1, its first column 0)."""

    merges: list[tuple[int, int, int]] = field(
        default_factory=list
    )  # (column, first row, last row), 1-based rows
    formulas: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column, "=" + the formula)
    hidden: bool = False
    above: int = (
        0  # the sheet's rows above its first row with a value: a frame row's line is its row plus these
    )
    # the workbook counts its dates from 1904-01-01 (old Mac Excel), not from 1899-12-30: a number in a date column
    # (a date cell that lost its format) is a day 1462 days later than the 1900 system reads it
    date1904: bool = False


def reading_aids(path: Path) -> dict[str, SheetAids]:
    """One pass over an .xlsx's sheets: their merged ranges that span rows, their formulas without a value (module
    docstring), whether the sender hid them (a sheet's `state`: hidden or veryHidden), and where their data starts.
    Empty where the parts do not say (never an error)."""
    out: dict[str, SheetAids] = {}
    try:
        with zipfile.ZipFile(path) as book:
            workbook = book.read("xl/workbook.xml")
            recalculated = bool(_RECALCULATE.search(workbook))
            date1904 = bool(_DATE1904.search(workbook))
            for name, xml, shown in _sheet_parts(book, workbook):
                ranges = [
                    (_column(c1), int(r1), int(r2))
                    for c1, r1, _, r2 in _MERGE.findall(xml)
                    if int(r2) > int(r1)
                ]
                cells = _uncomputed(xml, recalculated) if b"<f" in xml else []
                row0, col0 = _origin(xml, full=bool(ranges or cells))
                out[name] = _relative(ranges, cells, row0, col0, hidden=not shown, date1904=date1904)
    except (KeyError, zipfile.BadZipFile, ValueError, OSError):
        return {}
    return out


def _relative(
    ranges: list[tuple[int, int, int]],
    cells: list[tuple[int, int, str]],
    row0: int,
    col0: int,
    *,
    hidden: bool,
    date1904: bool,
) -> SheetAids:
    """A sheet's merges and formulas, in sheet coordinates (1-based rows, 0-based columns), moved into the frame's:
    the sheet's first row with a value `row0` is row 1, its first column with one `col0` is column 0."""
    shift = row0 - 1
    return SheetAids(
        [(c - col0, r1 - shift, r2 - shift) for c, r1, r2 in ranges if c >= col0],
        [(r - shift, c - col0, text) for r, c, text in cells if c >= col0],
        hidden,
        shift,
        date1904,
    )


def _origin(xml: bytes, *, full: bool) -> tuple[int, int]:
    """The sheet's first row with a value (1-based) and, when `full`, its first column with one (0-based), as the
    workbook reader starts its frame there; a cell with no value (`<c r="A1" s="3"/>`, formatting only) does not
    count. Without `full` the column is 0 (a sheet with nothing to place needs only its lines)."""
    valued = (ref for m in _CELL.finditer(xml) if m.group(2) and (ref := _REF.search(m.group(1))))
    if not full:
        first = next(valued, None)
        return (int(first.group(2)), 0) if first else (1, 0)
    refs = [(int(m.group(2)), _column(m.group(1))) for m in valued]
    return (min(r for r, _ in refs), min(c for _, c in refs)) if refs else (1, 0)


def _sheet_parts(book: zipfile.ZipFile, workbook: bytes) -> list[tuple[str, bytes, bool]]:
    """Each sheet's name, XML and whether it is shown, in the workbook's order."""
    names = set(book.namelist())
    sheets, targets, shown = {}, {}, {}
    for tag, raw in _ELEMENT.findall(workbook):
        if tag == b"sheet":
            attrs = _attributes(raw)
            sheets[attrs.get("id", "")] = attrs.get("name", "")
            shown[attrs.get("id", "")] = attrs.get("state", "visible") == "visible"
    for _tag, raw in _ELEMENT.findall(book.read("xl/_rels/workbook.xml.rels")):
        attrs = _attributes(raw)
        target = attrs.get("Target", "")
        targets[attrs.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    parts = [(name, str(PurePosixPath(targets.get(rel, ""))), shown[rel]) for rel, name in sheets.items()]
    return [(name, book.read(part), visible) for name, part, visible in parts if part in names]


def _uncomputed(xml: bytes, recalculated: bool) -> list[tuple[int, int, str]]:
    """A sheet's formula cells whose value the file does not hold: every one without a value; and, in a workbook
    that asks to be computed on opening, every formula when none of them holds a value other than 0 (what a
    writer that computes nothing stores)."""
    found = []
    for attrs, body in _CELL.findall(xml):
        formula = _FORMULA.search(body or b"")
        ref = _REF.search(attrs)
        if formula is None or ref is None:
            continue
        value = _VALUE.search(body)
        text = html.unescape((formula.group(1) or b"").decode("utf-8")).strip()
        cached = html.unescape(value.group(1).decode("utf-8")).strip() if value else ""
        found.append((int(ref.group(2)), _column(ref.group(1)), f"={text}" if text else "=（公式）", cached))
    if recalculated and all(cached in ("", "0") for *_, cached in found):
        return [(row, col, text) for row, col, text, _ in found]
    return [(row, col, text) for row, col, text, cached in found if cached == ""]


def formulas_shown(sheet: pl.DataFrame, cells: list[tuple[int, int, str]]) -> pl.DataFrame:
    """The sheet as the workbook reader gives it (its first row the header: sheet row r is frame row r − 2) with
    each cell of `cells` holding its formula's text; a formula in the header row is left as read."""
    shown: dict[str, list[str | None]] = {}
    for row, column, text in cells:
        if row < 2 or column >= sheet.width or row - 2 >= sheet.height:
            continue
        name = sheet.columns[column]
        shown.setdefault(name, sheet[name].cast(pl.Utf8).to_list())[row - 2] = text
    return sheet.with_columns(pl.Series(n, v, dtype=pl.Utf8) for n, v in shown.items()) if shown else sheet


def legacy_reading_aids(path: Path) -> dict[str, SheetAids]:
    """reading_aids for a legacy .xls workbook (BIFF8 in an OLE2 file): its merged ranges that span rows, its hidden
    sheets and where each sheet's data starts, from the workbook stream's records — each sheet's BOUNDSHEET (its
    name, its state, where its records start), MERGEDCELLS, and the row and column of every cell record with a
    value — without decoding a cell (xlrd's whole parse took 1.8 s for 60,000 rows; this, 0.15 s). A legacy
    workbook stores each formula's value: none is listed. Empty where the file does not say (never an error)."""
    from xlrd import compdoc  # the OLE2 container; only a legacy workbook needs it

    try:
        doc = compdoc.CompDoc(path.read_bytes(), logfile=io.StringIO())
        stream = next((s for s in map(_named_stream(doc), ("Workbook", "Book")) if s), b"")
        out = {}
        sheets, date1904 = _boundsheets(stream)
        for name, state, offset in sheets:
            merged, row0, col0 = _sheet_records(stream, offset)
            ranges = [(c0, r0 + 1, r1 + 1) for r0, r1, c0 in merged if r1 > r0]
            out[name] = _relative(ranges, [], row0, col0, hidden=bool(state & 3), date1904=date1904)
        return out
    except Exception:  # a reading aid: a workbook this cannot walk is read by calamine as before
        return {}


def _named_stream(doc: Any) -> Callable[[str], bytes | None]:
    def stream(name: str) -> bytes | None:
        try:
            return doc.get_named_stream(name)
        except Exception:
            return None

    return stream


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, int]]:
    """(record type, position of its data) from `pos` up to and including the next EOF record."""
    while pos + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, pos)
        yield kind, pos + 4
        if kind == _EOF:
            return
        pos += 4 + size


def _boundsheets(stream: bytes) -> tuple[list[tuple[str, int, int]], bool]:
    """The workbook globals' worksheets: (name, state: 0 shown, 1 hidden, 2 very hidden, where its records start);
    and whether the workbook counts dates from 1904 (DATEMODE)."""
    out = []
    date1904 = False
    for kind, at in _records(stream, 0):
        if kind == _DATEMODE:
            date1904 = struct.unpack_from("<H", stream, at)[0] == 1
        elif kind == _BOUNDSHEET:
            offset, state, sheet_type, length, flags = struct.unpack_from("<IBBBB", stream, at)
            raw = stream[at + 8 : at + 8 + (2 * length if flags & 1 else length)]
            if sheet_type == 0:  # a worksheet (not a chart or a macro sheet)
                out.append((raw.decode("utf-16-le" if flags & 1 else "latin-1"), state, offset))
    return out, date1904


def _sheet_records(stream: bytes, offset: int) -> tuple[list[tuple[int, int, int]], int, int]:
    """A worksheet's merged ranges as (first row, last row, first column), 0-based, and its first row (1-based) and
    column (0-based) with a value (1, 0 for an empty sheet)."""
    out = []
    row0, col0 = 1 << 20, 1 << 16
    for kind, at in _records(stream, offset):
        if kind == _MERGEDCELLS:
            (count,) = struct.unpack_from("<H", stream, at)
            out += [struct.unpack_from("<HHH", stream, at + 2 + 8 * i) for i in range(count)]
        elif kind in _VALUE_RECORDS:
            row, col = struct.unpack_from("<HH", stream, at)
            row0, col0 = min(row0, row), min(col0, col)
    return out, (row0 + 1 if row0 < 1 << 20 else 1), (col0 if col0 < 1 << 16 else 0)


def fill_merged(sheet: pl.DataFrame, ranges: list[tuple[int, int, int]]) -> pl.DataFrame:
    """The sheet as the workbook reader gives it (its first row the header: sheet row r is frame row r − 2) with
    each range's first value written into the rows below it that the range covers; a range that starts on the
    header row is left alone (a two-row header is not data)."""
    filled: dict[str, list[str | None]] = {}
    for column, first, last in ranges:
        if first < 2 or column >= sheet.width:
            continue
        name = sheet.columns[column]
        values = filled.setdefault(name, sheet[name].cast(pl.Utf8).to_list())
        top = first - 2
        for row in range(top + 1, min(last - 1, len(values))):
            values[row] = values[top]
    return sheet.with_columns(pl.Series(n, v, dtype=pl.Utf8) for n, v in filled.items()) if filled else sheet
