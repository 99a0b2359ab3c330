"""A workbook that is text: what many systems' 导出Excel write under an .xls (or .xlsx) name.

An older web system exports its table as an HTML page named `.xls` (Excel opens it with a warning), another as Excel
2003's XML Spreadsheet, a third as tab-separated text. Their bytes are neither a zip (an .xlsx) nor an OLE2 compound
file (an .xls), so the workbook reader refused them and every row was lost. Here each is read into what the
workbook reader gives for a sheet — a frame of text whose columns are the first row's cells (a blank one
`__UNNAMED__<i>`, as calamine names it) — so the rest of the load (a title above the header, every data sheet, the
lines) treats it as a workbook: an HTML table or an XML worksheet is a sheet; delimited text is one sheet.
"""

from __future__ import annotations

import csv
import html.parser
import io
import xml.etree.ElementTree as ET
from dataclasses import replace

import polars as pl

from pipelines.ingest.readers import (
    UNNAMED,
    RawRows,
    UnreadableFileError,
    decode,
    delimiter_of,
    first_lines,
    sheet_rows,
)

WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # an .xlsx (a zip), an .xls (an OLE2 compound file)
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def is_workbook(raw: bytes) -> bool:
    """Whether the bytes are a workbook's own: a zip or an OLE2 compound file."""
    return raw.startswith(WORKBOOK_MAGIC)


def text_sheets(raw: bytes) -> list[tuple[str, RawRows]]:
    """The sheets of a workbook that is text, each as readers.read_xlsx_sheets gives a sheet, with the text's
    encoding."""
    try:
        return _text_sheets(raw)
    except UnreadableFileError:
        raise
    except Exception as exc:  # as readers.read_any: any parser error means the file as a whole is unusable
        raise UnreadableFileError(f"文件无法解析（{type(exc).__name__}: {str(exc)[:160]}）") from None


def _text_sheets(raw: bytes) -> list[tuple[str, RawRows]]:
    text, encoding = decode(raw)
    head = text[:4096].lstrip("\ufeff \t\r\n").lower()
    if head.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text[:8192]:
        tables = _spreadsheet_xml(text)
    elif head.startswith("<") and "<table" in text.lower():
        tables = _html_tables(text)
    elif head.startswith("<"):
        raise UnreadableFileError("文件扩展名为工作簿，内容是网页或XML，但其中没有表格")
    else:
        sep = delimiter_of(first_lines(text))
        tables = [("文本", [row or [""] for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)])]
    # a row keeps its place (its line), blank or not: the workbook reader numbers the rows, then drops blank ones
    sheets = [
        (name, replace(sheet_rows(_sheet(rows)), encoding=encoding))
        for name, rows in tables
        if any(any(v.strip() for v in r) for r in rows)
    ]
    if not sheets:
        raise UnreadableFileError("工作簿为空：没有任何工作表含有数据")
    return sheets


def _sheet(rows: list[list[str]]) -> pl.DataFrame:
    """Rows of cells as the workbook reader's frame: the first row the header, every value text (blank → null)."""
    width = max(1, *(len(r) for r in rows))
    cells = [[(v.strip() if v else "") for v in r] + [""] * (width - len(r)) for r in rows]
    header = [h or f"{UNNAMED}{i}" for i, h in enumerate(cells[0])]
    body = {h: [r[i] or None for r in cells[1:]] for i, h in enumerate(header)}
    return pl.DataFrame(body, schema=dict.fromkeys(header, pl.Utf8))


class _Tables(html.parser.HTMLParser):
    """Every <table>'s rows of cell texts; cells and rows closed where HTML leaves their end tags out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._close_row()
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._close_row()
            self._row = []
            self.tables[-1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._close_cell()
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag in ("tr", "table"):
            self._close_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        self._row = None


def _html_tables(text: str) -> list[tuple[str, list[list[str]]]]:
    parser = _Tables()
    parser.feed(text)
    parser.close()
    return [(f"表格{i + 1}", rows) for i, rows in enumerate(parser.tables)]


def _spreadsheet_xml(text: str) -> list[tuple[str, list[list[str]]]]:
    """Excel 2003 XML Spreadsheet: each Worksheet's Table rows; a cell's ss:Index (1-based) skips blank cells."""
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise UnreadableFileError(f"XML表格无法解析（{exc}）") from None
    sheets: list[tuple[str, list[list[str]]]] = []
    for sheet in root.iter(f"{_SS}Worksheet"):
        rows = []
        for row in sheet.iter(f"{_SS}Row"):
            cells: list[str] = []
            for cell in row.iter(f"{_SS}Cell"):
                at = cell.get(f"{_SS}Index")
                if at is not None and at.isdigit():
                    cells += [""] * max(int(at) - 1 - len(cells), 0)
                data = cell.find(f"{_SS}Data")
                cells.append("".join(data.itertext()) if data is not None else "")
            rows.append(cells)
        sheets.append((sheet.get(f"{_SS}Name") or f"表格{len(sheets) + 1}", rows))
    return sheets
