"""A workbook that is text: what many systems' 导出Excel write under an .xls (or .xlsx) name.

An older web system exports its table as an HTML page named `.xls` (Excel opens it with a warning), another as Excel
2003's XML Spreadsheet, a third as tab-separated text. Their bytes are neither a zip (an .xlsx) nor an OLE2 compound
file (an .xls), so the workbook reader refused them and every row was lost. Here each is read into what the
workbook reader gives for a sheet — a frame of text whose columns are the first row's cells (a blank one
`__UNNAMED__<i>`, as calamine names it) — so the rest of the load (a title above the header, every data sheet, the
lines) treats it as a workbook: an HTML table or an XML worksheet is a sheet; delimited text is one sheet.

Their merged cells are spans: an HTML cell's colspan and rowspan, an XML cell's ss:MergeAcross and ss:MergeDown. A
row's cells follow the places spans from above take (a row under a rowspan has a cell fewer), so each cell is put on
a grid in its own column, a span's value in its first place and the places it covers blank, as a workbook's merged
range reads; a span down the rows below the header gives its value to each (workbook_parts.fill_merged, as for an .xlsx).
Before, a row's cells were taken in order: under a header over two rows, or beside a project code given once for a
team, each value sat under its left neighbour's header.
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
from pipelines.ingest.workbook_parts import fill_merged

WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # an .xlsx (a zip), an .xls (an OLE2 compound file)
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_X = "{urn:schemas-microsoft-com:office:excel}"  # an XML Spreadsheet's WorksheetOptions
SPAN_MAX = 1000  # HTML's own limit on colspan
ROWS_ALL = 10**9  # a span down the rows: no limit but the table's end

# a table's cell: its 0-based column when the file says (ss:Index), its text, the columns and rows it spans
Cell = tuple[int | None, str, int, int]


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
    hidden_worksheets: set[str] = set()
    if head.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text[:8192]:
        tables, hidden_worksheets = _spreadsheet_xml(text)
    elif head.startswith("<") and "<table" in text.lower():
        tables = _html_tables(text)
    elif head.startswith("<"):
        raise UnreadableFileError("文件扩展名为工作簿，内容是网页或XML，但其中没有表格")
    else:
        sep = delimiter_of(first_lines(text))
        lines = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        tables = [("文本", [[(None, v, 1, 1) for v in row] for row in lines])]
    # a row keeps its place (its line), blank or not: the workbook reader numbers the rows, then drops blank ones
    sheets = []
    for name, cells in tables:
        rows, spans_down = _placed(cells)
        if any(any(v.strip() for v in r) for r in rows):
            sheet = fill_merged(_sheet(rows), spans_down)
            hidden = name in hidden_worksheets  # an XML Spreadsheet's hidden worksheet: not data (load.py)
            sheets.append((name, replace(sheet_rows(sheet), encoding=encoding, hidden=hidden)))
    if not sheets:
        raise UnreadableFileError("工作簿为空：没有任何工作表含有数据")
    return sheets


def _placed(rows: list[list[Cell]]) -> tuple[list[list[str]], list[tuple[int, int, int]]]:
    """A table's rows of cells on a grid (module docstring): the rows' texts, one per column, and the spans down
    more than one row as workbook_parts.reading_aids gives a workbook's merged ranges ((0-based column, first row, last
    row), 1-based rows). A cell with its column given goes there; any other to the first place after the row's
    previous cell that no span from above takes. A span is cut at the table's last row."""
    covered: dict[int, dict[int, str]] = {}  # row → the places in it that spans from rows above take
    down_ranges, lines = [], []
    for r, cells in enumerate(rows):
        if r not in covered and all(at is None and a == d == 1 for at, _, a, d in cells):
            lines.append([text for _, text, _, _ in cells])  # most rows: no span reaches or leaves them
            continue
        line = covered.pop(r, {})
        c = 0
        for at, text, across, span_down in cells:
            if at is not None:
                c = at
            else:
                while c in line:
                    c += 1
            down = min(span_down, len(rows) - r)
            for dc in range(across):
                line[c + dc] = text if dc == 0 else line.get(c + dc, "")
                for dr in range(1, down):
                    covered.setdefault(r + dr, {}).setdefault(c + dc, "")
            if down > 1:
                down_ranges.append((c, r + 1, r + down))
            c += across
        lines.append([line.get(i, "") for i in range(1 + max(line, default=0))])
    width = max((len(line) for line in lines), default=1)
    return [line + [""] * (width - len(line)) for line in lines], down_ranges


def _span(value: str | None, *, limit: int = SPAN_MAX) -> int:
    """An HTML colspan or rowspan as written, as a count from 1 to `limit`:
    unreadable is 1; HTML's rowspan="0" spans every row left (the limit: cut at the table's last row)."""
    try:
        n = int((value or "1").strip())
    except ValueError:
        return 1
    return limit if n == 0 else min(max(n, 1), limit)


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
        self.tables: list[list[list[Cell]]] = []
        self._row: list[Cell] | None = None
        self._cell: list[str] | None = None
        self._spans = (1, 1)

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
            given = dict(attrs) if attrs else {}
            across, down = given.get("colspan"), given.get("rowspan")
            self._spans = (_span(across), _span(down, limit=ROWS_ALL)) if across or down else (1, 1)
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
            self._row.append((None, " ".join("".join(self._cell).split()), *self._spans))
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        self._row = None


def _html_tables(text: str) -> list[tuple[str, list[list[Cell]]]]:
    parser = _Tables()
    parser.feed(text)
    parser.close()
    return [(f"表格{i + 1}", rows) for i, rows in enumerate(parser.tables)]


def _spreadsheet_xml(text: str) -> tuple[list[tuple[str, list[list[Cell]]]], set[str]]:
    """Excel 2003 XML Spreadsheet: each Worksheet's Table rows (a cell's ss:Index, 1-based, is its column, its
    ss:MergeAcross and ss:MergeDown the further columns and rows it spans), and the worksheets its sender hid
    (WorksheetOptions' Visible: SheetHidden or SheetVeryHidden)."""
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise UnreadableFileError(f"XML表格无法解析（{exc}）") from None
    sheets: list[tuple[str, list[list[Cell]]]] = []
    hidden: set[str] = set()
    for sheet in root.iter(f"{_SS}Worksheet"):
        rows = []
        for row in sheet.iter(f"{_SS}Row"):
            cells: list[Cell] = []
            for cell in row.iter(f"{_SS}Cell"):
                at = (cell.get(f"{_SS}Index") or "").strip()
                data = cell.find(f"{_SS}Data")
                across = _merge_span(cell.get(f"{_SS}MergeAcross"), SPAN_MAX)
                down = _merge_span(cell.get(f"{_SS}MergeDown"), ROWS_ALL)
                value = "".join(data.itertext()) if data is not None else ""
                cells.append((int(at) - 1 if at.isdigit() and int(at) > 0 else None, value, across, down))
            rows.append(cells)
        name = sheet.get(f"{_SS}Name") or f"表格{len(sheets) + 1}"
        sheets.append((name, rows))
        if any(
            (v.text or "").strip() in ("SheetHidden", "SheetVeryHidden") for v in sheet.iter(f"{_X}Visible")
        ):
            hidden.add(name)
    return sheets, hidden


def _merge_span(merge: str | None, limit: int) -> int:
    """An XML cell's ss:MergeAcross or ss:MergeDown (the cells it covers beyond its own) as a span, at most `limit`;
    none or unreadable is 1."""
    merge = (merge or "").strip()
    return min(int(merge) + 1, limit) if merge.isdigit() else 1
