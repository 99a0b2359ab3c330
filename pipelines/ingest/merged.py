"""Merged cells of an .xlsx workbook: a value merged down a column holds for every row it spans.

A sheet made or tidied by hand merges a column's repeated value down its rows — the 项目编码 and 班组 of a payroll
sheet, one merged cell beside each team's workers. A workbook stores the value in the merged range's first cell
only; the reader (calamine) sees the rows below it empty, so every such row lost a key part and was quarantined
(必填字段为空). The merged ranges are listed in each sheet's XML (`<mergeCell ref="A3:A9"/>`): each range that spans
rows below the header row gives its first cell's value to every row it covers. A range across columns only (a title
over the table) changes nothing. A legacy .xls workbook (Excel 97–2003, still what many offices and WPS save) keeps
its merged ranges in a binary record of each sheet (MERGEDCELLS), read here with xlrd (`legacy_vertical_merges`).
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path, PurePosixPath

import polars as pl

_ELEMENT = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')


def _column(letters: bytes) -> int:
    """A column's letters as its 0-based index (A → 0, AA → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _attributes(raw: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: html.unescape(v.decode("utf-8")) for k, v in _ATTRIBUTE.findall(raw)}


def vertical_merges(path: Path) -> dict[str, list[tuple[int, int, int]]]:
    """Sheet name → its merged ranges that span rows, as (0-based column, first row, last row) with 1-based rows;
    only the first column of a range also spanning columns (where its value is). Empty for a workbook with none,
    or one whose parts do not say (never an error: merges are a reading aid, not the data)."""
    try:
        with zipfile.ZipFile(path) as book:
            names = set(book.namelist())
            sheets, targets = {}, {}
            for tag, raw in _ELEMENT.findall(book.read("xl/workbook.xml")):
                if tag == b"sheet":
                    attrs = _attributes(raw)
                    sheets[attrs.get("id", "")] = attrs.get("name", "")
            for _tag, raw in _ELEMENT.findall(book.read("xl/_rels/workbook.xml.rels")):
                attrs = _attributes(raw)
                target = attrs.get("Target", "")
                targets[attrs.get("Id", "")] = (
                    target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                )
            out: dict[str, list[tuple[int, int, int]]] = {}
            for rel, name in sheets.items():
                part = str(PurePosixPath(targets.get(rel, "")))
                if part not in names:
                    continue
                ranges = [
                    (_column(c1), int(r1), int(r2))
                    for c1, r1, _, r2 in _MERGE.findall(book.read(part))
                    if int(r2) > int(r1)
                ]
                if ranges:
                    out[name] = ranges
            return out
    except (KeyError, zipfile.BadZipFile, ValueError, OSError):
        return {}


def legacy_vertical_merges(path: Path) -> dict[str, list[tuple[int, int, int]]]:
    """As vertical_merges, for a legacy .xls workbook (an OLE2 file): its sheets' merged ranges that span rows, read
    by xlrd (0-based, end-exclusive rows and columns). Empty where it has none or xlrd cannot read it."""
    import xlrd  # only a legacy workbook needs it

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except Exception:  # merges are a reading aid: a workbook xlrd cannot open is read by calamine as before
        return {}
    out: dict[str, list[tuple[int, int, int]]] = {}
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            ranges = [(c0, r0 + 1, r1) for r0, r1, c0, _ in sheet.merged_cells if r1 - r0 > 1]
            if ranges:
                out[sheet.name] = ranges
            book.unload_sheet(index)
    except Exception:
        return {}
    finally:
        book.release_resources()
    return out


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
