"""A list sheet's data rows as the XML xlsxwriter would write, made in one pass (the same file, byte for byte).

xlsxwriter stores each cell written (`write_string`, `write_number` …: checks, a tuple in a dict) and turns every
one into XML again when the workbook closes: ≈ 13 µs a cell, 313,000 cells a city night. For the lists' cells
(text, whole and decimal numbers, blanks, every one with a format) this module makes the `<row>` elements at once:
each text goes into the workbook's shared-string table in the order `write_string` would have put it there, each
format gets its style index in the order the sheet's XML would have given it, and `ListSheet` writes the rows below
its header where xlsxwriter would have written them. Anything else (a date, a NaN, a very long text, a type it
does not know) goes through xlsxwriter's own calls: `fast_rows` says None and the caller writes cell by cell.
tests/reports/test_warning_list.py writes books both ways and compares the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import xlsxwriter.worksheet
from xlsxwriter.utility import xl_col_to_name

_TEXT_MAX = (
    16_383  # shorter texts cannot pass Excel's 32,767 UTF-16 units: xlsxwriter skips its check then too
)
_KINDS = {pl.Utf8: "text", pl.Null: "text"}


class ListSheet(xlsxwriter.worksheet.Worksheet):
    """A worksheet whose rows below the header may come as ready XML (`rows_xml`); xlsxwriter writes the rest.

    Every data row holds a (formatted) cell in every column, as the header row does, so the rows' `spans` are the
    header's and the sheet's dimensions are set from its last cell (`_check_dimensions`)."""

    rows_xml: str = ""

    def _write_rows(self) -> None:
        if not self.rows_xml:
            super()._write_rows()
            return
        last = getattr(self, "dim_rowmax")  # noqa: B009 - set by xlsxwriter's _initialize, untyped
        self.dim_rowmax = 0  # the header row (and its comment), as xlsxwriter writes it
        try:
            super()._write_rows()
        finally:
            self.dim_rowmax = last
        self.fh.write(self.rows_xml)


def _kind(series: pl.Series) -> str | None:
    """How a column's cells are written: 'text', 'number', or None (not handled here)."""
    dtype = series.dtype
    if dtype in _KINDS:
        if series.dtype == pl.Utf8 and (series.str.len_chars().max() or 0) > _TEXT_MAX:  # type: ignore[operator]
            return None
        return "text"
    if dtype.is_integer():
        return "number"
    if dtype.is_float():
        finite = series.drop_nulls()
        return "number" if bool(finite.is_finite().all()) else None
    return None


def fast_rows(
    ws: ListSheet,
    rows: pl.DataFrame,
    shown: Sequence[str],
    notes: dict[str, str],
    formats_for: Callable[[Any], list[Any]],
    levels: list[Any],
) -> bool:
    """Write `rows`' cells (columns `shown`, from row 1 on) into `ws` as its `rows_xml`; False (nothing done) when a
    column holds a type this does not write. `notes[c]` names a column whose non-null text replaces c's value;
    `formats_for(level)` gives a level's formats in column order (made when first met, as `_write_sheet` does)."""
    columns = [*shown, *notes.values()]
    kinds = {c: _kind(rows[c]) for c in columns}
    if None in kinds.values() or any(kinds[n] != "text" for n in notes.values()):
        return False
    cells = [
        [v if note is None else note for v, note in zip(rows[c], rows[notes[c]], strict=True)]
        if c in notes
        else rows[c].to_list()
        for c in shown
    ]
    ws.rows_xml = _rows_xml(ws, cells, levels, formats_for)
    ws._check_dimensions(rows.height, len(shown) - 1)
    return True


def _rows_xml(
    ws: ListSheet, cells: list[list[Any]], levels: list[Any], formats_for: Callable[[Any], list[Any]]
) -> str:
    """The `<row>` elements of rows 1 … n: shared strings indexed and styles numbered in write order."""
    strings = ws.str_table
    table: dict[str, int] = strings.string_table
    refs = [xl_col_to_name(j) for j in range(len(cells))]
    row_open = f'" spans="1:{len(cells)}">'
    styles: dict[Any, list[str]] = {}
    out: list[str] = []
    used = 0
    for r, (values, level) in enumerate(zip(zip(*cells, strict=True), levels, strict=True), start=2):
        style = styles.get(level)
        if style is None:  # a level's formats numbered when first met, as the sheet's XML would number them
            style = styles[level] = [f'" s="{f._get_xf_index()}"' for f in formats_for(level)]
        n = str(r)
        out.append('<row r="' + n + row_open)
        for ref, s, value in zip(refs, style, values, strict=True):
            if value.__class__ is str and value:
                index = table.get(value)
                if index is None:
                    index = table[value] = len(table)
                used += 1
                out.append(f'<c r="{ref}{n}{s} t="s"><v>{index}</v></c>')
            elif (
                value is None or value.__class__ is str
            ):  # a blank (formatted) cell, as `write_blank` stores it
                out.append(f'<c r="{ref}{n}{s}/>')
            else:
                out.append(f'<c r="{ref}{n}{s}><v>{value:.16G}</v></c>')
        out.append("</row>")
    strings.count += used
    strings.unique_count = len(table)
    return "".join(out)
