"""Load an inbox into the warehouse: ledger by content hash, quarantine, hashed personal data, no duplicates."""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contracts import (
    RETURN_ENTITIES,
    Contract,
    entity_of_file,
    header_unit,
    is_row_number,
    load_contract,
    loose_header,
    payload_fields,
)
from pipelines.identifiers import mask
from pipelines.ingest import archives, disguised, fused, recognise, subheaders
from pipelines.ingest.extras import add_extras, mask_personal_text
from pipelines.ingest.readers import (
    DuplicateHeaderError,
    RawRows,
    UnreadableFileError,
    is_unnamed,
    read_any,
    read_xlsx_sheets,
)
from pipelines.ingest.tail import cut_last_line
from pipelines.ingest.validate import EXCEL_SERIAL, REASONS_ZH, UNIT_SHIFTS
from pipelines.reports.labels_zh import RETURN_COLUMNS
from pipelines.settings import Settings
from pipelines.warehouse import entity_columns, frame, transaction

log = logging.getLogger("wagewatch.ingest")
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# a legacy Excel 97–2003 workbook (.xls, still what many offices' systems export) is read as a workbook too
SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",  # a delimited text export (Excel's "Unicode text": UTF-16, tab-separated): read as a CSV
    ".xlsx": "xlsx",
    ".xls": "xls",
    ".jsonl": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
}
# an archived delivery: its members are that extract date's files (ingest/archives.py)
ARCHIVE_SUFFIXES = {".zip", ".rar", ".7z"}


@dataclass(frozen=True)
class ReadAs:
    """A delivered file as load_file read it: its status (size, modification and change times, inode) and the
    sha256 of the bytes read while it had that status (what ingest/unchanged.py remembers)."""

    path: Path
    extract_date: date
    status: tuple[int, int, int, int]
    sha256: str


def file_status(path: Path) -> tuple[int, int, int, int]:
    """size, mtime_ns, ctime_ns, inode (a symlinked folder or file: the target's)."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


@dataclass
class FileResult:
    """What happened to one delivered file."""

    path: str
    entity: str | None
    format: str | None
    encoding: str | None = None
    status: str = "loaded"  # loaded | failed | unknown_entity | already_loaded
    reason: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    rows_duplicate_in_file: int = 0  # of rows_duplicate: repeated inside this file (the rest came before)
    tail_problem: str | None = None  # why the last record looks cut off (ingest/tail.py), None when whole
    # headers no contract column has (、-separated), kept in raw `_extra` only
    unknown_headers: str | None = None
    # events already stored under their key with other content: a correction not taken (the first delivery is kept)
    rows_changed_not_taken: int = 0
    # a workbook's hidden sheets whose header is the data's (、-separated, each with its rows): not loaded
    hidden_sheets: str | None = None
    read_as: ReadAs | None = field(default=None, repr=False)  # None: the file changed while it was read

    @property
    def conserved(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_duplicate + self.rows_quarantined


@dataclass
class LoadReport:
    """The night's load: one result per file seen."""

    files: list[FileResult] = field(default_factory=list)
    read: list[ReadAs] = field(default_factory=list)  # every file read tonight, already loaded ones too

    @property
    def entities(self) -> set[str]:
        return {f.entity for f in self.files if f.entity and f.status == "loaded"}

    @property
    def conservation_ok(self) -> bool:
        return all(f.conserved for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    def summary_dict(self) -> dict:
        by_status: dict[str, int] = {}
        for f in self.files:
            by_status[f.status] = by_status.get(f.status, 0) + 1
        return {
            "files": by_status,
            "rows_read": sum(f.rows_read for f in self.files),
            "rows_loaded": self.rows_loaded,
            "rows_duplicate": sum(f.rows_duplicate for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
            "conservation_ok": self.conservation_ok,
            "failed": [
                {k: v for k, v in asdict(f).items() if k != "read_as"}
                for f in self.files
                if f.status == "failed"
            ],
        }


def extract_date_of(entry: Path) -> date | None:
    """The extract date an entry of the inbox is named for: a folder `YYYY-MM-DD`, or an archive `YYYY-MM-DD.zip`
    (that date's files in one zip, as a platform may send a night's extract); a real day. None for anything else (a
    name like 2025-02-30 is not a day: the entry is left out and said so, it does not stop the night)."""
    if entry.is_dir():
        name = entry.name
    elif entry.is_file() and entry.suffix.lower() in ARCHIVE_SUFFIXES:
        name = entry.name[: -len(entry.suffix)]
    else:
        return None
    if not _DATE_DIR.match(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def delivered(inbox: Path, up_to: date | None, *, log_ignored: bool = False) -> list[tuple[Path, date]]:
    """The files a night looks at: `inbox/<YYYY-MM-DD>/**` and `inbox/<YYYY-MM-DD>.zip` up to `up_to`, in load
    order (by path). Files in a folder inside an extract date's folder are that date's too (an archive unpacked
    into its own folder); hidden files and folders, and office lock files (`~$payroll.xlsx`, there while someone
    has the workbook open), are left out. `log_ignored`: say which entries are not extract dates (once a night:
    load_inbox)."""
    out: list[tuple[Path, date]] = []
    for entry in sorted(Path(inbox).iterdir()):
        extract_date = extract_date_of(entry)
        if extract_date is None:
            if log_ignored and not entry.name.startswith("."):
                what = "folder" if entry.is_dir() else "file outside any extract-date folder"
                log.warning("ignoring %s %s: not in an extract-date folder (YYYY-MM-DD)", what, entry.name)
            continue
        if up_to is not None and extract_date > up_to:
            continue
        if entry.is_file():  # the date's archive (load_archive)
            out.append((entry, extract_date))
            continue
        out += [(p, extract_date) for p in sorted(entry.rglob("*")) if _is_delivery(p, entry)]
    return out


def _is_delivery(path: Path, folder: Path) -> bool:
    parts = path.relative_to(folder).parts
    return path.is_file() and not any(p.startswith(".") for p in parts) and not path.name.startswith("~$")


def load_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    settings: Settings,
    *,
    up_to: date | None = None,
    progress: Callable[[str], None] | None = None,
    skip: Collection[Path] = frozenset(),
) -> LoadReport:
    """Load every file of `inbox/<YYYY-MM-DD>/` (up to `up_to`) that the ledger has not seen. `skip`: files known to
    be in the ledger already (ingest/unchanged.py), not read again."""
    report = LoadReport()
    for path, extract_date in delivered(inbox, up_to, log_ignored=True):
        if path in skip:
            continue
        if path.suffix.lower() in ARCHIVE_SUFFIXES:
            results = load_archive(con, path, extract_date, settings, inbox=Path(inbox))
        else:
            results = [load_file(con, path, extract_date, settings, inbox=Path(inbox))]
        for result in results:
            if result.read_as is not None:
                report.read.append(result.read_as)
            if result.status != "already_loaded":
                report.files.append(result)
                if progress:
                    progress(f"{result.path}: {result.status} {result.rows_loaded}/{result.rows_read}")
    return report


def _read_delivery(
    path: Path, extract_date: date, inbox: Path | None
) -> tuple[str, bytes, str, ReadAs | None]:
    """A delivered file's ledger path, bytes and sha256, and its status as read (None: it changed while read)."""
    rel = path.relative_to(inbox).as_posix() if inbox else path.name
    before = file_status(path)
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    return rel, raw, sha, ReadAs(path, extract_date, before, sha) if file_status(path) == before else None


def _in_ledger(con: duckdb.DuckDBPyConnection, sha: str, extract_date: date) -> bool:
    """The ledger holds these bytes for this extract date: the file was loaded (or refused) already."""
    seen = "select count(*) from load_file where sha256 = ? and extract_date = ?"
    return bool(con.execute(seen, [sha, extract_date]).fetchall()[0][0])  # type: ignore[index]


def load_archive(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    extract_date: date,
    settings: Settings,
    *,
    inbox: Path,
    depth: int = 1,
) -> list[FileResult]:
    """A zipped delivery (ingest/archives.py): each data member loaded as a file of the archive's extract date,
    named `<archive>/<member>` in the ledger — a zip inside it (an office's folders zipped one by one, then
    together) unpacked the same way, down to archives.MAX_DEPTH; then the archive itself (status `unpacked`), so
    that its bytes are not unpacked again. An archive that cannot be unpacked is refused with why; its members are
    not loaded."""
    rel, raw, sha, read_as = _read_delivery(path, extract_date, inbox)
    archive = FileResult(rel, None, path.suffix.lower().lstrip("."), read_as=read_as)
    if _in_ledger(con, sha, extract_date):
        archive.status = "already_loaded"
        return [archive]
    with tempfile.TemporaryDirectory(prefix="wagewatch-archive-") as scratch:
        root = Path(scratch)
        try:
            members = archives.unpack(raw, root / rel, path.suffix.lower())
        except archives.ArchiveError as exc:
            log.warning("archive %s failed: %s", rel, exc)
            return [_refused(con, archive, sha, extract_date, "failed", str(exc))]
        results = []
        for m in members:
            if m.suffix.lower() not in ARCHIVE_SUFFIXES:
                results.append(load_file(con, m, extract_date, settings, inbox=root))
            elif depth < archives.MAX_DEPTH:
                results += load_archive(con, m, extract_date, settings, inbox=root, depth=depth + 1)
            else:
                results.append(_too_deep(con, m, extract_date, root))
    for (
        result
    ) in results:  # a member's scratch path is gone: the archive's status stands for it (unchanged.py)
        result.read_as = None
    archive.status, archive.reason = "unpacked", f"压缩包，含{len(members)}个数据文件"
    _ledger(con, archive, sha, extract_date)
    return [*results, archive]


def _too_deep(con: duckdb.DuckDBPyConnection, path: Path, extract_date: date, root: Path) -> FileResult:
    """An archive nested deeper than archives.MAX_DEPTH: refused with why, not opened."""
    rel, _, sha, _ = _read_delivery(path, extract_date, root)
    result = FileResult(rel, None, path.suffix.lower().lstrip("."))
    if _in_ledger(con, sha, extract_date):
        result.status = "already_loaded"
        return result
    reason = f"压缩包嵌套超过{archives.MAX_DEPTH}层，未解压"
    return _refused(con, result, sha, extract_date, "failed", reason)


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    extract_date: date,
    settings: Settings,
    *,
    inbox: Path | None = None,
) -> FileResult:
    """Load one file in one transaction; a file whose bytes are already in the ledger for the same extract date
    is a no-op. The same bytes under a later extract date are a delivery of their own: a snapshot that changed back
    (A → B → A) can repeat an earlier file byte for byte, and its rows are versions of that date.

    From bytes to raw table, one DuckDB statement types the whole file (ingest/fused.py):
      1. the rows as text under canonical names with their line numbers: a Parquet file read by DuckDB itself
         (`_parquet_source`); any other file by readers.read_any (decoding GB18030 in Python, splitting lines,
         unpacking payloads), its headers mapped (_map_headers) and unknown columns packed into `_extra`
         (extras.add_extras), handed to DuckDB as an Arrow view;
      2. fused.judge: normalise, parse, type and check each column, hash and mask personal data, row hash, into a
         temporary table with a reason code per bad value (validate.py's rules, written as SQL);
      3. fused.insert_new: the good rows neither repeated earlier in the file nor already stored go into
         raw_<entity>;
      4. _quarantine_rows: each bad value (file, line, column, masked value, reason) and each unsplittable line.
    """
    rel, raw, sha, read_as = _read_delivery(path, extract_date, inbox)
    if _in_ledger(con, sha, extract_date):
        return FileResult(rel, None, None, status="already_loaded", read_as=read_as)
    fmt = SUFFIXES.get(path.suffix.lower())
    result = FileResult(rel, None, fmt, tail_problem=cut_last_line(raw, fmt), read_as=read_as)
    why_not, read = _recognised(path, raw, result)
    if result.entity is None:
        return _refused(con, result, sha, extract_date, "unknown_entity", why_not)
    contract = load_contract(result.entity)
    source = _parquet_source(con, path, contract) if fmt == "parquet" else None
    bad_lines: list[tuple[int, str]] = []
    extras: list[str] = []
    if source is None:
        try:
            frame, extras, bad_lines = _frame_of(path, raw, contract, result, read)
        except UnreadableFileError as exc:
            reason = _refusal(exc, contract)
            log.warning("file %s failed: %s", rel, reason)
            return _refused(con, result, sha, extract_date, "failed", reason)
        result.rows_read = frame.height + len(bad_lines)
        present = [c for c in frame.columns if c in contract.column_names]
        source = _Source(add_extras(frame, extras, settings.pii_key), present)
    missing = _missing_required(contract, source.present, extras, records=fmt in ("json", "jsonl"))
    if missing and result.hidden_sheets:
        missing = f"数据只在隐藏工作表{result.hidden_sheets}中，未加载：如为有效数据，请取消隐藏后重新报送"
    if missing:
        if source.frame is None:
            result.rows_read = int(con.execute(f"select count(*) from ({source.select})").fetchall()[0][0])  # type: ignore[index]
        log.warning("file %s failed: %s", rel, missing)
        return _refused(con, result, sha, extract_date, "failed", missing)
    result.unknown_headers = _named([h for h in extras if h not in payload_fields() and not is_row_number(h)])
    try:
        judged = fused.judge(con, source.sql(con), source.present, contract, extract_date, settings.pii_key)
        n_rows, n_bad = fused.counts(con)
        result.rows_read = n_rows + len(bad_lines)
        _store(con, result, sha, extract_date, contract, judged, bad_lines, n_bad)
    finally:
        source.release(con)
        fused.drop(con)
    if not result.conserved:
        log.error("row conservation broken for %s: %s", rel, result)
    return result


def _frame_of(
    path: Path, raw: bytes, contract: Contract, result: FileResult, read: recognise.Read
) -> tuple[pl.DataFrame, list[str], list[tuple[int, str]]]:
    """A file other than Parquet as rows under canonical names, its extra columns and its unsplittable lines; the
    result gets the file's encoding and, for a workbook, its hidden data sheets. `read`: the file as the recogniser
    read it, when it did (not read again)."""
    if result.format in ("xlsx", "xls"):
        # many systems' 导出Excel is an HTML page, an XML Spreadsheet or text under the workbook's name
        sheets = read.sheets
        if sheets is None:
            sheets = read_xlsx_sheets(path) if disguised.is_workbook(raw) else disguised.text_sheets(raw)
        result.encoding = sheets[0][1].encoding
        frame, extras, result.hidden_sheets = _workbook_frame(sheets, contract, result.path)
        if any(rows.date1904 for _, rows in sheets):
            frame = _from_1904(frame, contract)
        return frame, extras, []
    rows = read.rows or read_any(path)
    result.encoding = rows.encoding
    if result.format == "csv":
        rows = subheaders.header_found(rows, contract, result.path)
    frame, extras = _canonical_frame(rows, contract)
    return frame, extras, rows.bad_lines


DAYS_1900_TO_1904 = 1462  # Excel's 1904 date system's day 0 (1904-01-01) is the 1900 system's day 1462


def _from_1904(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """A workbook that counts its dates from 1904 (old Mac Excel): a number in a date, time or month column — a
    date cell that lost its format, read as its serial number — moved to the 1900 system the load reads serial
    numbers in (validate.EXCEL_SERIAL), so 2025-12-16 is not read as 2021-12-15. A cell that kept its date format
    is read as its date by the workbook reader already."""
    dated = [
        c.name
        for c in contract.columns
        if c.type in ("date", "datetime", "month") and c.name in frame.columns
    ]
    return frame.with_columns(
        pl.when(pl.col(n).str.contains(EXCEL_SERIAL))
        .then((pl.col(n).cast(pl.Float64, strict=False) + DAYS_1900_TO_1904).cast(pl.Utf8))
        .otherwise(pl.col(n))
        .alias(n)
        for n in dated
    )


def _recognised(path: Path, raw: bytes, result: FileResult) -> tuple[str, recognise.Read]:
    """Sets result.entity from the file's name (the entity's English or Chinese name at its start), else from its
    header (ingest/recognise.py: the file is loaded, and its ledger `reason` says as what, for the bulletin's
    load_facts.recognised_entity_findings); returns why there is none, in Chinese, when there is none, and the file
    as the recogniser read it (nothing, when the name said the entity)."""
    result.entity = entity_of_file(path.name) or recognise.entity_of_chinese_name(path.name)
    if result.entity:
        return "", recognise.Read()
    result.entity, why_not, read = recognise.entity_of_headers(path, raw, result.format)
    if result.entity:
        result.reason = (
            f"文件名未标明数据实体，按表头识别为{load_contract(result.entity).zh}（{result.entity}）"
        )
        log.info("file %s: read as %s, from its header", result.path, result.entity)
    return why_not, read


@dataclass
class _Source:
    """A file's rows as text under canonical names, with `_row`, `_line`, `_item` and `_extra`: the reader's frame
    (registered in DuckDB), or a SELECT over the Parquet file itself."""

    frame: pl.DataFrame | None
    present: list[str]  # the contract columns the file has
    select: str | None = None

    def sql(self, con: duckdb.DuckDBPyConnection) -> str:
        if self.frame is None:
            return self.select or ""
        con.register("_ww_source", self.frame)
        return "select * from _ww_source"

    def release(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.frame is not None:
            con.unregister("_ww_source")


def _parquet_source(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract) -> _Source | None:
    """A Parquet file read by DuckDB in the statement that types it, with the text readers._read_parquet would
    make of each column; None (the reader's frame is used) when the file has unknown columns or a header giving
    another unit (合同金额（万元）), is a returned list, or DuckDB cannot read it (the reader then names the problem)."""
    if contract.entity in RETURN_ENTITIES:
        return None
    file = fused.lit(str(path))
    try:
        described = con.execute(f"describe select * from read_parquet({file})").fetchall()
        schema = [(str(r[0]), str(r[1])) for r in described]
    except duckdb.Error:
        return None
    renames = _header_renames([name for name, _ in schema], contract)
    rename = renames.rename
    if renames.extras or renames.units or any(name.startswith("_") for name, _ in schema):
        return None
    texts = [f"{fused.text_sql(name, dtype)} as {fused.q(rename[name])}" for name, dtype in schema]
    select = (
        f"select {', '.join(texts)}{', ' if texts else ''}(file_row_number + 1)::integer as _line, "
        "file_row_number as _row, null::varchar as _item, null::varchar as _extra "
        f"from read_parquet({file}, file_row_number = true)"
    )
    return _Source(None, list(rename.values()), select)


def _workbook_frame(
    sheets: list[tuple[str, RawRows]], contract: Contract, rel: str
) -> tuple[pl.DataFrame, list[str], str | None]:
    """A workbook's rows under canonical names (as _canonical_frame), from every sheet whose header — on row 1 or
    below a title — names all the key columns: an export split over sheets (a sheet holds at most 1,048,576 rows; an
    .xls-era habit kept 65,536) or a 填表说明 sheet before the data loses no sheet and loads no instructions. A row
    of a workbook whose data is not just its first sheet carries its sheet's name (`_item`: a quarantined line says
    which sheet). No such sheet: the first sheet as read (the file is then refused, naming what it has).

    A sheet its sender hid (RawRows.hidden) is not read as data even with the data's header — a month's sheet copied and
    hidden, a draft kept out of sight: what Excel shows is what is loaded. Such sheets are returned named, each with
    its rows (旧版（3行）), for the ledger and the bulletin (hidden_sheet_not_loaded)."""
    keys = set(contract.key)
    hidden = {name for name, rows in sheets if rows.hidden}
    read = [
        (name, *_canonical_frame(subheaders.header_found(rows, contract, rel), contract))
        for name, rows in sheets
    ]
    data = [sheet for sheet in read if keys <= set(sheet[1].columns)]
    kept_out = [f"「{name}」（{f.height}行）" for name, f, _ in data if name in hidden]
    hid = "、".join(kept_out) or None
    if hid:
        log.warning("file %s: hidden sheets with the data's header not loaded: %s", rel, hid)
    data = [sheet for sheet in data if sheet[0] not in hidden]
    shown = [sheet for sheet in read if sheet[0] not in hidden] or read
    if not data or (len(data) == 1 and data[0] is shown[0]):  # none (refused later), or the usual workbook
        first = data[0] if data else shown[0]
        return first[1], first[2], hid
    log.info("file %s: rows from sheets %s", rel, "、".join(name for name, _, _ in data))
    frames = [f.with_columns(pl.lit(f"（工作表「{name}」）").alias("_item")) for name, f, _ in data]
    frame = pl.concat(frames, how="diagonal_relaxed").drop("_row").with_row_index("_row")
    return frame, list(dict.fromkeys(x for _, _, extras in data for x in extras)), hid


def _missing_required(
    contract: Contract, present: list[str], extras: list[str], *, records: bool
) -> str | None:
    """Why a file cannot be loaded when its header lacks a column every row needs (a key part or a required
    column), naming the headers that were not recognised; None when it has them all. In a file with a header
    (CSV, XLSX, Parquet) every row would fail on the same absent column: the file is refused with one reason
    instead of a quarantine record per row. JSON records each carry their own fields: a record without a required
    one is quarantined on its own line, and only a file in which no record has any key part is refused."""
    needed = [c for c in contract.columns if c.required or c.name in contract.key]
    absent = [c for c in needed if c.name not in present]
    if not absent or (records and set(contract.key) & set(present)):
        return None
    reason = "表头与数据标准不符：缺少必填字段 " + "、".join(f"{c.zh}（{c.name}）" for c in absent)
    unknown = _named(extras)
    return reason + (f"；未识别的表头 {unknown}" if unknown else "")


def _named(headers: list[str], most: int = 12) -> str | None:
    """Headers as the ledger and the bulletin name them: the first `most`, 、-separated; None for none. A file
    without a header row has a record where its header should be: when a "header" looks like an ID number, phone
    or bank card, none is named (the row's names and numbers would go into the ledger and the bulletin in clear)."""
    named = [h.strip() for h in headers if h.strip()]
    if any(mask_personal_text(h) != h for h in named):
        return "（首行含证件号码、手机号或银行卡号，疑似缺少表头；未列出）"
    return "、".join(named[:most]) + ("等" if len(named) > most else "") if named else None


def _refusal(exc: UnreadableFileError, contract: Contract) -> str:
    """Why a file could not be read, as the ledger, the log and the bulletin say it. A repeated header the contract
    does not know is not named: in a file without its header row it is a record's value (a name or a number
    written twice on the first line), not a header."""
    if isinstance(exc, DuplicateHeaderError):
        known = contract.header_map()
        header = exc.header.strip()
        if header not in known and header.lower() not in known:
            return "表头重复：有未识别的表头出现两次（首行可能是数据而非表头；未列出）"
    return str(exc)


def _refused(
    con: duckdb.DuckDBPyConnection, result: FileResult, sha: str, extract_date: date, status: str, reason: str
) -> FileResult:
    """A file not loaded: recorded in the ledger with why, so the bulletin names it and the night goes on."""
    result.status, result.reason = status, reason
    _ledger(con, result, sha, extract_date)
    return result


def _canonical_frame(rows: RawRows, contract: Contract) -> tuple[pl.DataFrame, list[str]]:
    """The read rows under canonical column names, each with `_row` and `_item`; and the unknown columns."""
    # _row tells rows apart (a payload line's records share its _line); _item is a record's place in its payload
    frame = rows.frame.with_row_index("_row").with_columns(
        pl.Series("_item", rows.items or [None] * rows.frame.height, dtype=pl.Utf8)
    )
    # a column without a header and without a value (a sheet's formatted cells past the data) is no column
    empty = [c for c in frame.columns if is_unnamed(c) and frame[c].null_count() == frame.height]
    frame, extras = _map_headers(frame.drop(empty), contract)
    if contract.entity in RETURN_ENTITIES:
        frame = _returned_rows(frame)
    return _without_totals(frame, contract), extras


# what a sheet made by hand writes in its first column on the row that sums the table (合计, 总计, 小计; 合　计)
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总合计")


def _without_totals(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """The rows without a sheet's totals row: its first column says 合计 (or 总计, 小计 …, spaces and a colon
    aside) and every key column but that one is empty. Not a record, as a blank row is not: before, it was
    quarantined as a record missing its key (必填字段为空) every night the sheet was delivered. A row naming a key
    is kept, whatever its first column says."""
    data = [c for c in frame.columns if c not in ("_row", "_line", "_item")]
    if not data or frame.height == 0 or frame.schema[data[0]] != pl.Utf8:
        return frame
    first = pl.col(data[0]).str.replace_all(r"[\s\u3000:：]", "")
    keyless = [
        pl.col(k).is_null() | (pl.col(k).str.strip_chars() == "") for k in contract.key if k in data[1:]
    ]
    total = first.is_in(TOTAL_WORDS) & pl.all_horizontal(keyless or [pl.lit(True)])
    found = frame.filter(total)
    if found.height:
        log.info(
            "totals rows (合计) on lines %s: not records", ", ".join(str(n) for n in found["_line"].to_list())
        )
    return frame.filter(~total.fill_null(False))


def _store(
    con: duckdb.DuckDBPyConnection,
    result: FileResult,
    sha: str,
    extract_date: date,
    contract: Contract,
    judged: fused.Judged,
    bad_lines: list[tuple[int, str]],
    n_bad: int,
) -> None:
    """One transaction: the ledger row, the new rows (those already stored are duplicates), the quarantine, and
    the ledger's counts."""
    with transaction(con):
        file_id = _ledger(con, result, sha, extract_date)
        inserted = fused.insert_new(con, contract, file_id, extract_date)
        n_dup_in_file, n_dup_existing = inserted.repeated, inserted.stored
        result.rows_changed_not_taken = inserted.changed
        qrows = _quarantine_rows(fused.problems(con, judged), bad_lines, contract, file_id, result.path)
        if qrows.height:
            con.execute("insert into quarantine by name select * from qrows")
        n_good = result.rows_read - len(bad_lines) - n_bad
        result.rows_quarantined = n_bad + len(bad_lines)
        result.rows_duplicate = n_dup_in_file + n_dup_existing
        result.rows_duplicate_in_file = n_dup_in_file
        result.rows_loaded = n_good - n_dup_in_file - n_dup_existing
        con.execute(
            "update load_file set rows_read=?, rows_loaded=?, rows_duplicate=?, rows_quarantined=?, encoding=?, "
            "rows_duplicate_in_file=?, rows_changed_not_taken=? where file_id=?",
            [
                result.rows_read,
                result.rows_loaded,
                result.rows_duplicate,
                result.rows_quarantined,
                result.encoding,
                result.rows_duplicate_in_file,
                result.rows_changed_not_taken,
                file_id,
            ],
        )


def _ledger(con: duckdb.DuckDBPyConnection, r: FileResult, sha: str, extract_date: date) -> int:
    file_id = con.execute("select coalesce(max(file_id), 0) + 1 from load_file").fetchall()[0][0]  # type: ignore[index]
    con.execute(
        "insert into load_file (file_id, path, sha256, entity, extract_date, format, encoding, status, reason, "
        "rows_read, rows_loaded, rows_duplicate, rows_quarantined, loaded_at, tail_problem, unknown_headers, "
        "hidden_sheets) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            file_id,
            r.path,
            sha,
            r.entity,
            extract_date,
            r.format,
            r.encoding,
            r.status,
            r.reason,
            r.rows_read,
            r.rows_loaded,
            r.rows_duplicate,
            r.rows_quarantined,
            datetime.now(),
            r.tail_problem,
            r.unknown_headers,
            r.hidden_sheets,
        ],
    )
    return int(file_id)


def _returned_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """A returned list keeps its lines not yet inspected blank: they are not returns, and not errors (triage.md).
    A line with anything filled in is a return — one without its 核查日期 or 核查结论 (a 销号日期 or a 备注 alone) is
    quarantined for what it lacks, not dropped as blank."""
    filled = [
        c for c in RETURN_COLUMNS if c in frame.columns
    ]  # the list's blank columns, what inspectors fill
    if not filled:
        return frame
    blank = pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).cast(pl.Utf8).str.strip_chars() == "") for c in filled
    )
    return frame.filter(~blank)


def _map_headers(df: pl.DataFrame, contract: Contract) -> tuple[pl.DataFrame, list[str]]:
    """Rename snake/camel/中文 headers to canonical names; unknown columns are returned as extras. A column whose
    header gives its values' unit (合同金额（万元）) has the unit written after each number that lacks it, where
    the load reads it (fused.parse_sql, validate.UNIT_SHIFTS)."""
    renames = _header_renames([c for c in df.columns if c not in ("_line", "_row", "_item")], contract)
    df = df.rename(renames.rename)
    written = [  # only after a number: 无 or - under 合同金额（万元） is a word for none, not 无万元
        pl.when(pl.col(name).str.contains("[0-9０-９]") & ~pl.col(name).str.strip_chars().str.ends_with(unit))
        .then(pl.col(name).str.strip_chars() + unit)
        .otherwise(pl.col(name))
        .alias(name)
        for name, unit in renames.units.items()
    ]
    return (
        df.with_columns([pl.col(n).cast(pl.Utf8) for n in renames.units]).with_columns(written),
        renames.extras,
    )


@dataclass
class _Renames:
    rename: dict[str, str]  # header → canonical name
    extras: list[str]  # the headers no contract column has (or a column's second header)
    units: dict[str, str]  # canonical name → the unit its header gives its values (万元, %)


def _header_renames(columns: list[str], contract: Contract) -> _Renames:
    """Header → canonical name for the headers a contract knows, as written or loosely (contracts.loose_header:
    *项目编码, 应发金额（元）), or with the other unit its column may be written in (合同金额（万元）, 人工费用比例（%）:
    validate.UNIT_SHIFTS); the first header of a column wins — its own spelling before a synonym (身份证号 yields
    to 证件号码 in the same file) — and the rest are extras, in the file's order."""
    known = contract.header_reader()
    synonyms = contract.synonym_tokens()

    def cleaned(header: str) -> str:
        return header.strip().lstrip("\ufeff")

    out = _Renames({}, [], {})
    taken: dict[str, str] = {}  # header → canonical name
    for c in sorted(
        columns, key=lambda h: loose_header(cleaned(h)) in synonyms
    ):  # stable: own spellings first
        key = cleaned(c)
        canon, unit = known(key), None
        if canon is None and (split := header_unit(key)) is not None:
            base, written = split
            canon = known(base)
            units = dict(UNIT_SHIFTS.get(contract.column(canon).unit or "", ())) if canon else {}
            canon, unit = (canon, written) if written in units else (None, None)
        if canon and canon not in taken.values():
            taken[c] = canon
            if unit:
                out.units[canon] = unit
    for c in columns:
        if c in taken:
            out.rename[c] = taken[c]
        else:
            out.extras.append(c)
    return out


def _dedupe_in_file(df: pl.DataFrame, contract: Contract) -> tuple[pl.DataFrame, int]:
    """Repeated rows inside one file (fused.first_in_file_sql on a frame with `_row`): by natural key for events,
    by content for mutable entities; a null key part never matches."""
    con = duckdb.connect()
    con.register("rows", df.with_columns(pl.lit(False).alias("_problem")))
    kept = frame(con, fused.first_in_file_sql(contract, "select * from rows") + " order by _row").drop(
        "_problem"
    )
    con.close()
    return kept, df.height - kept.height


def _insert_new(
    con: duckdb.DuckDBPyConnection, df: pl.DataFrame, contract: Contract, file_id: int, extract_date: date
) -> int:
    """Insert stored-form rows of a frame not yet in raw_<entity> (fused.insert_new); return how many were already
    there (duplicates)."""
    cols = [n for n, _ in entity_columns(contract)]
    rows = df.with_columns([pl.lit(None).alias(c) for c in cols if c not in df.columns])
    rows = rows.with_row_index("_row").with_columns(pl.lit(False).alias("_problem"))
    kh = f"case when not ({fused.keyless_sql(contract)}) then hash({fused.subset_sql(contract)}) end"
    con.execute(f"create or replace temp table {fused.JUDGED} as select *, {kh} as _kh from rows")
    try:
        return fused.insert_new(con, contract, file_id, extract_date).stored
    finally:
        fused.drop(con)


def _quarantine_rows(
    problems: pl.DataFrame, bad_lines: list[tuple[int, str]], contract: Contract, file_id: int, rel: str
) -> pl.DataFrame:
    pii = {c.name: c.pii for c in contract.pii_columns}
    rows = [
        {"_line": line, "column_name": None, "value": None, "reason_code": "broken_line", "detail": why}
        for line, why in bad_lines
    ]
    for r in problems.iter_rows(named=True):
        v = r["value"]
        if v is not None and r["column_name"] in pii:
            v = mask(v, pii[r["column_name"]] or "id")
        elif v is not None:
            v = mask_personal_text(v)  # a personal number in the wrong column (a phone in 出勤天数)
        detail = f"第{r['_line']}行{r['_item']}" if r.get("_item") else None  # a record inside a payload
        rows.append({**r, "value": v, "detail": detail})
    if not rows:
        return pl.DataFrame()
    df = pl.DataFrame(rows, infer_schema_length=None)
    return df.select(
        pl.lit(file_id, pl.Int32).alias("file_id"),
        pl.lit(rel).alias("path"),
        pl.lit(contract.entity).alias("entity"),
        pl.col("_line").cast(pl.Int32).alias("line"),
        pl.col("column_name").cast(pl.Utf8),
        pl.col("value").cast(pl.Utf8).alias("value_masked"),
        pl.col("reason_code").cast(pl.Utf8),
        pl.concat_str(  # 必填字段为空（project_code）：第3行dataList第2条
            pl.col("reason_code").replace_strict(
                REASONS_ZH, default=pl.col("reason_code"), return_dtype=pl.Utf8
            ),
            "（" + pl.col("column_name") + "）",
            "：" + pl.col("detail").cast(pl.Utf8),
            ignore_nulls=True,
        ).alias("reason"),
        pl.lit(datetime.now()).alias("loaded_at"),
    )
