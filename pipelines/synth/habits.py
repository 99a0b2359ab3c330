"""Other delivery habits for the same facts: an inbox whose every file lists its rows in another order, and whose
CSV files are in the other encoding (UTF-8 ↔ GB18030) with CRLF line ends, a quarter of them tab-separated (those
that would be UTF-8 in UTF-16, as Excel saves "Unicode text"), written as a spreadsheet saves them:
dates, times and months in an office spelling (2025/6/3 8:05:07 or 2025年6月3日, 2025/6 or 2025年6月, or Excel's
serial numbers: 45811, 45811.3368865741), codes as
their labels in half the files (在建 for 003), the required columns' headers marked with a leading * and money
headers given their unit (应发金额（元）), amounts as a currency cell shows them (¥8,963.58 or 8963.58元), a project's
amounts in 万元 (合同金额（万元） 11955.7, or 1195.57万元 in a progress report) and its labour-cost share as a percent
(20% or 人工费用比例（%） 20), an empty cell as - or 无, bank
cards in groups of four (6222 0200 1234 5678) and phones as 138-1234-5678 or +86 138 1234 5678. Half the workbooks
arrive as an older web system's 导出Excel (an HTML page named .xls), the other half as sheets tidied by hand (each
run of one value in the first column merged down its rows, the headers in Chinese, two that begin alike under
their shared beginning: a header over two rows). The JSON and JSONL files' dates and times arrive as a
Java platform's API writes them: instants in UTC (2025-06-02T23:30:05.000Z) or milliseconds since 1970. A share of
the JSON, JSONL and Parquet files carry the entity's Chinese name (工资发放明细_1231.json) and of the workbooks an
export's name that says nothing of what they hold (导出数据_3.xls). Every third extract
date's JSON, Parquet and workbook files arrive in one archive (导出数据.zip, every other time 导出数据.7z, under a folder
接口数据/; the workbooks in a zip inside it), as a platform's export or an office's upload does.

A platform's export has no defined row order, and the encoding of a CSV depends on who exported it
(shared/spec/sources.md); neither is a fact, so nothing wagewatch publishes may depend on them. `wagewatch generate
--other-habits` writes a world delivered this way, the variant to measure beside the generator's own habits
(tests/flows/test_delivery_habits.py; docs/decisions.md "Money sums to the fen", session 19).
"""

from __future__ import annotations

import csv
import html
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.contracts import entity_of_file, load_contract, payload_arrays
from pipelines.ingest.readers import UnreadableFileError, decode
from pipelines.ingest.validate import EXCEL_EPOCH


def redeliver(inbox: Path, seed: int) -> dict[str, int]:
    """Rewrite every file of `inbox` in place with its records shuffled and each CSV in the other encoding.

    Records are what the reader takes for records (pipelines/ingest/readers.py): a CSV's lines after the header,
    a JSONL file's lines, a JSON array's entries, and in each API payload the array that carries its records; a
    record's own fields, lists included, stay as they are. XLSX files are left as they are (row order is all a
    workbook would change). A file the reader could not read (none in a clean world) or a CSV with a quoted field
    across lines is left as delivered and counted. Every rewritten CSV ends with a line end: a file cut mid-line (a
    generator fault) would no longer look cut, so a world with faults is not redelivered (`wagewatch generate`
    refuses the two together). Then every third extract date's non-CSV files go into one archive (_zipped: a .zip, or
    every other time a .7z). Returns how many files were rewritten, re-encoded each way, left as delivered, and
    archived."""
    rng = random.Random(seed)
    keys = ["csv_to_gb18030", "csv_to_utf8", "tab_separated_utf16", "json", "parquet", "html_workbook"]
    keys.append("merged_workbook")
    keys.append("hidden_copy")
    keys.append("left_as_delivered")
    done = dict.fromkeys(keys, 0)
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            if rng.random() < HTML_WORKBOOK_SHARE:
                done[_html_workbook(path)] += 1
            else:
                copy = rng.random() < HIDDEN_COPY_SHARE
                done[_merged_workbook(path, hidden_copy=copy)] += 1
                done["hidden_copy"] += copy
            continue
        if suffix not in (".csv", ".jsonl", ".json", ".parquet"):
            continue
        try:
            done[_rewrite(path, suffix, rng)] += 1
        except (UnreadableFileError, json.JSONDecodeError, pl.exceptions.ComputeError, OSError):
            done["left_as_delivered"] += 1
    done |= _renamed(inbox, rng)
    folders = sorted(p for p in inbox.iterdir() if p.is_dir())
    # every third date's archive; every other one of them a .7z (as 7-Zip packs it), the rest .zip
    zipped = sum(_zipped(folder, seven=i % 2 == 1) for i, folder in enumerate(folders[1::3]))
    renames = done["chinese_name"] + done["named_by_header"]
    return {"rewritten": sum(done.values()) - done["left_as_delivered"] - renames, **done, "zipped": zipped}


CHINESE_NAME_SHARE = 0.3  # of the JSON, JSONL and Parquet files: named with the entity's Chinese name
# of the workbooks: saved under an export's name (导出数据_3.xls); the header says what it is
UNNAMED_SHARE = 0.3


def _renamed(inbox: Path, rng: random.Random) -> dict[str, int]:
    """Files named as offices name them: the entity's Chinese name for the English one (工资发放明细_1231.json), or
    a workbook under a name that says nothing of what it holds (导出数据_3.xls; ingest/recognise.py reads its
    header). CSV files keep their names (tests compare them path by path)."""
    counts = {"chinese_name": 0, "named_by_header": 0}
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        entity, suffix = entity_of_file(path.name), path.suffix.lower()
        if entity is None:
            continue
        if suffix in (".xls", ".xlsx") and rng.random() < UNNAMED_SHARE:
            counts["named_by_header"] += 1
            path.rename(path.with_name(f"导出数据_{counts['named_by_header']}{path.suffix}"))
        elif suffix in (".json", ".jsonl", ".parquet") and rng.random() < CHINESE_NAME_SHARE:
            counts["chinese_name"] += 1
            path.rename(path.with_name(load_contract(entity).zh + path.name[len(entity) :]))
    return counts


HTML_WORKBOOK_SHARE = 0.5  # of the workbooks: written as a web system's 导出Excel, an HTML page named .xls


def _html_workbook(path: Path) -> str:
    """A workbook rewritten as an older web system exports one: an HTML page (GBK) named .xls, a table per sheet
    under a title spanning it (colspan), its headers in Chinese over two rows where two begin alike (rowspan and
    colspan, as _header_pair finds them), its rows ordered by the first column and each run of one value given once
    beside the rows it holds for (rowspan: the rows below have a cell fewer)."""
    entity = entity_of_file(path.name)
    title = f"{load_contract(entity).zh}导出" if entity else "导出数据"
    tables = []
    for read in pl.read_excel(path, sheet_id=0, infer_schema_length=0, drop_empty_rows=False).values():
        if read.width == 0:
            continue
        frame = read.sort(read.columns[0], nulls_last=True, maintain_order=True)
        rows = [
            f'<tr><td colspan="{frame.width}">{html.escape(title)}</td></tr>',
            *_html_header(frame, entity),
        ]
        first = frame[frame.columns[0]].to_list()
        for r, values in enumerate(frame.rows()):
            run = 1
            while r + run < len(first) and first[r + run] == first[r] and first[r] is not None:
                run += 1
            cells = [f"<td>{html.escape(v or '')}</td>" for v in values]
            if r > 0 and first[r] is not None and first[r - 1] == first[r]:
                cells = cells[1:]  # under the span of the rows above
            elif run > 1:
                cells[0] = f'<td rowspan="{run}">{html.escape(first[r] or "")}</td>'
            rows.append("<tr>" + "".join(cells) + "</tr>")
        tables.append("<table border=1>" + "".join(rows) + "</table>")
    page = '<html><head><meta charset="gbk"></head><body>' + "".join(tables) + "</body></html>"
    path.with_suffix(".xls").write_bytes(page.encode("gb18030"))
    path.unlink()
    return "html_workbook"


def _html_header(frame: pl.DataFrame, entity: str | None) -> list[str]:
    """A table's header rows as a web page writes the header _header_rows writes into a workbook."""
    columns = _in_chinese(frame.columns, entity)
    pair = _header_pair(columns)
    if pair is None:
        return ["<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr>"]
    i, common = pair
    top = [
        f'<th colspan="2">{html.escape(c[:common])}</th>'
        if col == i
        else ""
        if col == i + 1
        else f'<th rowspan="2">{html.escape(c)}</th>'
        for col, c in enumerate(columns)
    ]
    below = "".join(f"<th>{html.escape(c[common:])}</th>" for c in columns[i : i + 2])
    return ["<tr>" + "".join(top) + "</tr>", f"<tr>{below}</tr>"]


HIDDEN_COPY_SHARE = 0.5  # of the workbooks tidied by hand: an older copy of the data kept in a hidden sheet


def _merged_workbook(path: Path, *, hidden_copy: bool = False) -> str:
    """A workbook as a sheet tidied by hand: its rows ordered by the first column and each run of one value merged
    down the rows it holds for (the cells below a merged cell are empty to a reader that ignores merges), its headers
    in Chinese, over two rows where two begin alike (_header_rows). With `hidden_copy`, an older copy of the first
    sheet's data, every decimal number doubled, is kept in a hidden sheet after it (旧版): not data, as nobody looking
    at the workbook sees it (load._workbook_frame)."""
    frames = pl.read_excel(path, sheet_id=0, infer_schema_length=0, drop_empty_rows=False)
    book = xlsxwriter.Workbook(path)
    for name, read in frames.items():
        sheet = book.add_worksheet(name)
        if read.width == 0:
            continue
        rows = read.sort(read.columns[0], nulls_last=True, maintain_order=True)
        top = _header_rows(sheet, _in_chinese(rows.columns, entity_of_file(path.name)))
        for row, values in enumerate(rows.rows(), start=top):
            for col, value in enumerate(values):
                if value is not None:
                    sheet.write_string(row, col, value)
        first = rows[rows.columns[0]].to_list()
        start = 0
        for end in range(1, len(first) + 1):
            if end == len(first) or first[end] != first[start]:
                if end - start > 1 and first[start] is not None:
                    sheet.merge_range(start + top, 0, end + top - 1, 0, first[start])
                start = end
        if hidden_copy and name == next(iter(frames)):
            _hidden_copy(book, read, entity_of_file(path.name))
    book.close()
    return "merged_workbook"


def _hidden_copy(book: xlsxwriter.Workbook, read: pl.DataFrame, entity: str | None) -> None:
    """A hidden sheet 旧版 with the sheet's header (in Chinese, one row) and its rows, each decimal number doubled (an
    older version's amounts: loaded, it would contradict the data)."""
    sheet = book.add_worksheet("旧版")
    sheet.write_row(0, 0, _in_chinese(read.columns, entity))
    for row, values in enumerate(read.rows(), start=1):
        for col, value in enumerate(values):
            if value is not None:
                doubled = re.fullmatch(r"-?[0-9]+\.[0-9]+", value)
                sheet.write_string(row, col, f"{float(value) * 2:.2f}" if doubled else value)
    sheet.hide()


def _in_chinese(columns: list[str], entity: str | None) -> list[str]:
    """A sheet's headers as a sheet kept by hand names them: each contract column by its Chinese name."""
    if entity is None:
        return columns
    contract = load_contract(entity)
    headers = contract.header_map()
    return [contract.column(headers[c]).zh if c in headers else c for c in columns]


def _header_rows(sheet: xlsxwriter.worksheet.Worksheet, columns: list[str]) -> int:
    """The header as a sheet kept by hand writes it: the first two neighbouring Chinese headers that begin alike
    (建设单位统一社会信用代码 | 建设单位名称, 担保开始日期 | 担保结束日期) under their shared beginning merged over both,
    their own rest on the row below, every other header merged down both rows; one row when no two begin alike.
    Returns the first row of the records."""
    pair = _header_pair(columns)
    if pair is None:
        sheet.write_row(0, 0, columns)
        return 1
    i, common = pair
    for col, name in enumerate(columns):
        if col not in (i, i + 1):
            sheet.merge_range(0, col, 1, col, name)
    sheet.merge_range(0, i, 0, i + 1, columns[i][:common])
    sheet.write_row(1, i, [columns[i][common:], columns[i + 1][common:]])
    return 2


def _header_pair(columns: list[str]) -> tuple[int, int] | None:
    """The first two neighbouring Chinese headers that begin alike for at least two characters, as (the first's
    place, the length of their shared beginning); None when no two do."""
    for i in range(len(columns) - 1):
        a, b = columns[i], columns[i + 1]
        common = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        if common >= 2 and not a[:common].isascii() and common < min(len(a), len(b)):
            return i, common
    return None


def _zipped(folder: Path, *, seven: bool = False) -> int:
    """The folder's non-CSV files moved into one archive (导出数据.zip, or 导出数据.7z with `seven`; members under
    接口数据/, the workbooks in a zip of their own inside it: 接口数据/工作簿.zip); how many."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() != ".csv")
    if not files:
        return 0
    workbooks = [p for p in files if p.suffix.lower() in (".xls", ".xlsx")]
    members = {
        f"接口数据/{p.relative_to(folder).as_posix()}": p.read_bytes() for p in files if p not in workbooks
    }
    if workbooks:
        books = io.BytesIO()
        with zipfile.ZipFile(books, "w", zipfile.ZIP_DEFLATED) as inner:
            for path in workbooks:
                inner.write(path, path.relative_to(folder).as_posix())
        members["接口数据/工作簿.zip"] = books.getvalue()
    if seven:
        import libarchive  # the loader's own reader of .rar and .7z (ingest/archives.py)

        with libarchive.file_writer(str(folder / "导出数据.7z"), "7zip") as archive:
            for name, data in members.items():
                archive.add_file_from_memory(name, len(data), data)
    else:
        with zipfile.ZipFile(folder / "导出数据.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    for path in files:
        path.unlink()
    return len(files)


def _rewrite(path: Path, suffix: str, rng: random.Random) -> str:
    """Shuffle one file's records in place; what was done (a key of redeliver's counts)."""
    if suffix == ".csv":
        return _csv(path, rng)
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        frame.sample(fraction=1.0, shuffle=True, seed=rng.randrange(2**31)).write_parquet(path)
        return "parquet"
    text, _ = decode(path.read_bytes())
    entity = entity_of_file(path.name)
    instant = _INSTANTS[rng.randrange(len(_INSTANTS))]
    if suffix == ".jsonl":
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
        rng.shuffle(values)
        values = [_as_instants(v, entity, instant) for v in values]
        path.write_text("".join(_shuffled(v, rng) + "\n" for v in values), encoding="utf-8")
    else:
        path.write_text(_shuffled(_as_instants(json.loads(text), entity, instant), rng), encoding="utf-8")
    return "json"


# how a Java platform's API writes a date or a time (China's 2025-06-03 07:30:05): an instant in UTC, or in
# milliseconds since 1970 (validate.ZONED, EPOCH_MILLISECONDS)
_CHINA = timezone(timedelta(hours=8))
_INSTANTS: tuple[Callable[[datetime], str | int], ...] = (
    lambda t: t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),  # 2025-06-02T23:30:05.000Z
    lambda t: int(t.timestamp() * 1000),  # 1748907005000
)


def _as_instants(value: object, entity: str | None, instant: Callable[[datetime], str | int]) -> object:
    """A JSON value's records (readers.unpack's: an array's entries, a payload's records) with each canonical date
    and time of the entity's date and datetime columns written as `instant` writes China's time."""
    if entity is None:
        return value
    contract = load_contract(entity)
    headers = contract.header_map()
    kinds = {h: contract.column(c).type for h, c in headers.items()}
    arrays = payload_arrays()
    entries = value if isinstance(value, list) else [value]
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        inner = _payload_records(entry, arrays)
        for record in inner if inner is not None else [entry]:
            if not isinstance(record, dict):
                continue
            for key, v in record.items():
                kind = kinds.get(key) or kinds.get(key.lower())
                if kind in ("date", "datetime") and isinstance(v, str) and (_DAY.match(v) or _TIME.match(v)):
                    t = datetime.fromisoformat(v)
                    record[key] = instant(t.replace(tzinfo=_CHINA))
    return value


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
        records = _payload_records(entry, arrays)
        if records is not None:
            rng.shuffle(records)
    return json.dumps(value, ensure_ascii=False)


def _payload_records(entry: dict, arrays: tuple[str, ...]) -> list | None:
    """An API payload's records as readers.unpack finds them: its first payload array that holds a list."""
    return next((entry[k] for k in arrays if isinstance(entry.get(k), list)), None)


def _csv(path: Path, rng: random.Random) -> str:
    text, encoding = decode(path.read_bytes())
    head, *body = text.splitlines()
    if any(line.count('"') % 2 for line in body):  # a quoted field across lines: its lines must stay together
        return "left_as_delivered"
    rng.shuffle(body)
    entity = entity_of_file(path.name)
    if entity is not None and '"' not in text:
        head, body = _office_spelling(entity, head, body, rng.choice(("slash", "chinese", "serial")))
    out = "\r\n".join([head, *body]) + "\r\n"
    to_gb18030 = encoding != "gb18030"
    if (
        rng.random() < TAB_SEPARATED_SHARE
    ):  # a system's tab-separated 导出; in Unicode, Excel's "Unicode text"
        written = io.StringIO()
        csv.writer(written, delimiter="\t", lineterminator="\r\n").writerows(csv.reader(out.splitlines()))
        path.write_bytes(written.getvalue().encode("gb18030" if to_gb18030 else "utf-16"))
        return "csv_to_gb18030" if to_gb18030 else "tab_separated_utf16"
    path.write_bytes(out.encode("gb18030") if to_gb18030 else out.encode("utf-8"))
    return "csv_to_gb18030" if to_gb18030 else "csv_to_utf8"


TAB_SEPARATED_SHARE = 0.25  # of the CSV files: written tab-separated (UTF-16 where it would be UTF-8)


_DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_TIME = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_Spelling = Callable[..., str]
# style → (date, datetime, month) spelling of the canonical parts
_SPELL: dict[str, tuple[_Spelling, _Spelling, _Spelling]] = {
    "slash": (
        lambda y, m, d: f"{y}/{int(m)}/{int(d)}",
        lambda y, m, d, hh, mm, ss: f"{y}/{int(m)}/{int(d)} {int(hh)}:{mm}:{ss}",
        lambda y, m: f"{y}/{int(m)}",
    ),
    "chinese": (
        lambda y, m, d: f"{y}年{int(m)}月{int(d)}日",
        lambda y, m, d, hh, mm, ss: f"{y}年{int(m)}月{int(d)}日 {hh}:{mm}:{ss}",
        lambda y, m: f"{y}年{int(m)}月",
    ),
    # a sheet whose date cells lost their format: Excel's serial numbers (a time as its fraction of a day, as a
    # spreadsheet's General format shows it)
    "serial": (
        lambda y, m, d: str(_serial(y, m, d)),
        lambda y, m, d, hh, mm, ss: (
            f"{_serial(y, m, d) + (int(hh) * 3600 + int(mm) * 60 + int(ss)) / 86400:.10f}"
        ),
        lambda y, m: str(_serial(y, m, "1")),
    ),
}


def _serial(y: str, m: str, d: str) -> int:
    return (date(int(y), int(m), int(d)) - EXCEL_EPOCH).days


def _groups(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


_AMOUNT = re.compile(r"^(-?)([0-9]+)(\.[0-9]+)?$")


def _currency(amount: str, style: str) -> str:
    """An amount as a spreadsheet shows a currency cell: "¥8,963.58" (quoted: it holds commas) or 8963.58元; the
    digits as they were (no rounding)."""
    m = _AMOUNT.match(amount)
    if m is None:
        return amount
    if style == "chinese":
        return f"{amount}元"
    sign, whole, fraction = m.groups()
    return f'"{sign}¥{int(whole):,}{fraction or ""}"'


# (personal-data kind, style) → how a person or a bank export writes the platform's digits
_NUMBER_SPELLING: dict[tuple[str | None, str], Callable[[str], str]] = {
    ("card", "slash"): _groups,
    ("card", "chinese"): _groups,
    ("phone", "slash"): lambda p: f"{p[:3]}-{p[3:7]}-{p[7:]}" if len(p) == 11 else p,
    ("phone", "chinese"): lambda p: f"+86 {p[:3]} {p[3:7]} {p[7:]}" if len(p) == 11 else p,
}


# amounts a project registry or a progress report keeps in 万元, and how each style writes a quantity in its other
# unit: (unit after the header, unit after each value, the decimal point's move) — 合同金额（万元） 11955.7; a share
# as a percent cell (20%) or under a header in % (人工费用比例（%） 20)
_IN_WAN = frozenset({"contract_amount", "completed_value", "certified_value", "paid_value"})
_OTHER_UNIT: dict[tuple[str | None, str], tuple[str, str, int]] = {
    ("contract_amount", "chinese"): ("万元", "", -4),
    ("completed_value", "slash"): ("", "万元", -4),
    ("certified_value", "chinese"): ("万元", "", -4),
    ("paid_value", "chinese"): ("", "万元", -4),
    ("ratio", "slash"): ("", "%", 2),
    ("ratio", "chinese"): ("%", "", 2),
}


# what a form writes in a cell that has nothing (validate.NONE_WORDS)
_NOTHING = {"slash": "-", "chinese": "无", "serial": "/"}


def _office_spelling(entity: str, head: str, body: list[str], style: str) -> tuple[str, list[str]]:
    """A CSV's header and lines as a spreadsheet saves them: canonical dates, times and months re-spelled in
    `style` (and in the chinese style, a code written as its label), an empty cell as a form fills it (_NOTHING), a
    card's or phone's digits grouped, an amount as a currency cell shows it (_currency), a * before each required
    column's header and (元) after a money column's Chinese header (in the chinese style, a column's Chinese header as
    people write it: 身份证号, 应发工资). Values in another spelling already, or empty, stay as they are."""
    contract = load_contract(entity)
    headers = contract.header_map()
    columns = [contract.column(headers[h]) if h in headers else None for h in head.split(",")]
    spell_day, spell_time, spell_month = _SPELL[style]
    shapes = {"date": (_DAY, spell_day), "datetime": (_TIME, spell_time), "month": (_MONTH, spell_month)}
    # per column: its re-spelling, and in the chinese style a code's label where the platform writes the code (a
    # management system's export: 003 → 在建)
    spelled = [shapes.get(col.type) if col is not None else None for col in columns]
    relabel = [
        {code: label for label, code in col.labels.items()} if col is not None and style == "chinese" else {}
        for col in columns
    ]
    numbers = [_NUMBER_SPELLING.get((col.pii, style)) if col is not None else None for col in columns]
    # a quantity in its other unit (validate.UNIT_SHIFTS): (the unit after the header, after each value, the shift)
    other_unit = [
        _OTHER_UNIT.get((col.name if col.name in _IN_WAN else col.unit, style)) if col else None
        for col in columns
    ]
    money = [col is not None and col.type == "decimal" and "金额" in col.zh for col in columns]
    marked = []
    for header, col, other in zip(head.split(","), columns, other_unit, strict=True):
        required = col is not None and (col.required or col.name in contract.key)
        unit = col is not None and col.type == "decimal" and header == col.zh and "金额" in col.zh
        written = f"{col.zh}（{other[0]}）" if col is not None and other is not None and other[0] else None
        by_hand = col is not None and header == col.zh and col.synonyms and style == "chinese"
        named = (
            col.synonyms[0] if by_hand and col is not None else header
        )  # 身份证号 for 证件号码, 应发工资 for 应发金额
        marked.append(("*" if required else "") + (written or named + ("（元）" if unit else "")))
    lines = []
    for line in body:
        cells = line.split(",")
        for i, (shape, labels, number, other, amount) in enumerate(
            zip(spelled, relabel, numbers, other_unit, money, strict=True)
        ):
            if i >= len(cells):
                break
            if cells[i] == "" and columns[i] is not None:
                cells[i] = _NOTHING[style]
            elif shape is not None and (m := shape[0].match(cells[i])):
                cells[i] = shape[1](*m.groups())
            elif labels:
                cells[i] = labels.get(cells[i], cells[i])
            elif number is not None and cells[i].isdigit():
                cells[i] = number(cells[i])
            elif other is not None and _AMOUNT.match(cells[i]):
                cells[i] = format(Decimal(cells[i]).scaleb(other[2]), "f") + other[1]
            elif amount:
                cells[i] = _currency(cells[i], style)
        lines.append(",".join(cells))
    return ",".join(marked), lines
