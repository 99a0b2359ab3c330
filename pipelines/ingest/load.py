"""Load an inbox into the warehouse: ledger by content hash, quarantine, hashed personal data, no duplicates."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contracts import RETURN_ENTITIES, Contract, entity_of_file, load_contract
from pipelines.identifiers import mask, pii_hash
from pipelines.ingest.extras import add_extras, mask_personal_text
from pipelines.ingest.readers import RawRows, UnreadableFileError, read_any
from pipelines.ingest.tail import cut_last_line
from pipelines.ingest.validate import REASONS_ZH, check_rows
from pipelines.settings import Settings
from pipelines.warehouse import entity_columns, raw_key, transaction

log = logging.getLogger("wagewatch.ingest")
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".json": "json", ".parquet": "parquet"}


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

    @property
    def conserved(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_duplicate + self.rows_quarantined


@dataclass
class LoadReport:
    """The night's load: one result per file seen."""

    files: list[FileResult] = field(default_factory=list)

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
            "failed": [asdict(f) for f in self.files if f.status == "failed"],
        }


def load_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    settings: Settings,
    *,
    up_to: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load every file of `inbox/<YYYY-MM-DD>/` (up to `up_to`) that the ledger has not seen."""
    report = LoadReport()
    folders = sorted(p for p in Path(inbox).iterdir() if p.is_dir())
    for folder in folders:
        if not _DATE_DIR.match(folder.name):
            log.info("ignoring folder %s: not an extract date (YYYY-MM-DD)", folder.name)
            continue
        extract_date = date.fromisoformat(folder.name)
        if up_to is not None and extract_date > up_to:
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                result = load_file(con, path, extract_date, settings, inbox=Path(inbox))
                if result.status != "already_loaded":
                    report.files.append(result)
                    if progress:
                        progress(f"{result.path}: {result.status} {result.rows_loaded}/{result.rows_read}")
    return report


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

    From bytes to raw table, every step on whole columns (polars expressions; per distinct value where a step is
    plain Python: the keyed hash, the judging of an unknown column's values):
      1. readers.read_any: the file's rows as text columns with their line numbers; lines that cannot be split;
      2. _map_headers: header spellings → canonical names, unknown columns set aside as extras;
      3. validate.check_rows: normalise, parse, type and check each column; a reason code per bad value;
      4. extras.add_extras, _protect_pii: unknown columns packed into `_extra` and personal values replaced by their
         hash and mask, personal data protected;
      5. _row_hash, _dedupe_in_file, then _insert_new in DuckDB (rows already stored are duplicates);
      6. _quarantine_rows: each bad value (file, line, column, masked value, reason) and each unsplittable line.
    """
    rel = path.relative_to(inbox).as_posix() if inbox else path.name
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    seen = "select count(*) from load_file where sha256 = ? and extract_date = ?"
    if con.execute(seen, [sha, extract_date]).fetchone()[0]:  # type: ignore[index]
        return FileResult(rel, None, None, status="already_loaded")
    entity = entity_of_file(path.name)
    fmt = SUFFIXES.get(path.suffix.lower())
    result = FileResult(rel, entity, fmt, tail_problem=cut_last_line(raw, fmt))
    if entity is None:
        return _refused(
            con, result, sha, extract_date, "unknown_entity", "文件名不以任何已知数据实体开头，未加载"
        )
    contract = load_contract(entity)
    try:
        rows = read_any(path)
    except UnreadableFileError as exc:
        log.warning("file %s failed: %s", rel, exc)
        return _refused(con, result, sha, extract_date, "failed", str(exc))
    result.encoding = rows.encoding
    frame, extras = _canonical_frame(rows, contract)
    result.rows_read = frame.height + len(rows.bad_lines)
    if not set(contract.key) & set(frame.columns):
        reason = "表头与数据标准不符：找不到任何主键字段（" + "、".join(contract.key) + "）"
        return _refused(con, result, sha, extract_date, "failed", reason)
    sorted_rows = _sorted_rows(frame, extras, rows, contract, extract_date, settings)
    _store(con, result, sha, extract_date, contract, sorted_rows)
    if not result.conserved:
        log.error("row conservation broken for %s: %s", rel, result)
    return result


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
    frame, extras = _map_headers(frame, contract)
    if contract.entity in RETURN_ENTITIES:
        frame = _returned_rows(frame)
    return frame, extras


@dataclass(frozen=True)
class _SortedRows:
    """A file's rows sorted: the good ones in stored form (deduplicated in the file), and the bad ones."""

    good: pl.DataFrame
    n_dup_in_file: int
    problems: pl.DataFrame  # one row per bad value, with its _row and _item
    bad_lines: list[tuple[int, str]]  # lines that could not be split
    n_quarantined: int


def _sorted_rows(
    frame: pl.DataFrame,
    extras: list[str],
    rows: RawRows,
    contract: Contract,
    extract_date: date,
    settings: Settings,
) -> _SortedRows:
    """Check every row; the good ones get their extras packed, personal data protected, a row hash, and lose
    their repeats inside the file."""
    checked = check_rows(frame, contract, extract_date)
    good = checked.typed.filter(~pl.col("_problem"))
    good = add_extras(good, extras, settings.pii_key)
    good = _protect_pii(good, contract, settings)
    good = good.with_columns(_row_hash(good, contract))
    good, n_dup_in_file = _dedupe_in_file(good, contract)
    return _SortedRows(
        good=good,
        n_dup_in_file=n_dup_in_file,
        problems=checked.problems.join(frame.select("_row", "_item"), on="_row", how="left"),
        bad_lines=rows.bad_lines,
        n_quarantined=int(checked.typed["_problem"].sum()) + len(rows.bad_lines),
    )


def _store(
    con: duckdb.DuckDBPyConnection,
    result: FileResult,
    sha: str,
    extract_date: date,
    contract: Contract,
    rows: _SortedRows,
) -> None:
    """One transaction: the ledger row, the new rows (those already stored are duplicates), the quarantine, and
    the ledger's counts."""
    with transaction(con):
        file_id = _ledger(con, result, sha, extract_date)
        n_dup_existing = _insert_new(con, rows.good, contract, file_id, extract_date)
        qrows = _quarantine_rows(rows.problems, rows.bad_lines, contract, file_id, result.path)
        if qrows.height:
            con.execute("insert into quarantine by name select * from qrows")
        result.rows_quarantined = rows.n_quarantined
        result.rows_duplicate = rows.n_dup_in_file + n_dup_existing
        result.rows_duplicate_in_file = rows.n_dup_in_file
        result.rows_loaded = rows.good.height - n_dup_existing
        con.execute(
            "update load_file set rows_read=?, rows_loaded=?, rows_duplicate=?, rows_quarantined=?, encoding=?, "
            "rows_duplicate_in_file=? where file_id=?",
            [
                result.rows_read,
                result.rows_loaded,
                result.rows_duplicate,
                result.rows_quarantined,
                result.encoding,
                result.rows_duplicate_in_file,
                file_id,
            ],
        )


def _ledger(con: duckdb.DuckDBPyConnection, r: FileResult, sha: str, extract_date: date) -> int:
    file_id = con.execute("select coalesce(max(file_id), 0) + 1 from load_file").fetchone()[0]  # type: ignore[index]
    con.execute(
        "insert into load_file (file_id, path, sha256, entity, extract_date, format, encoding, status, reason, "
        "rows_read, rows_loaded, rows_duplicate, rows_quarantined, loaded_at, tail_problem) "
        "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
        ],
    )
    return int(file_id)


def _returned_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """A returned list keeps its lines not yet inspected blank: they are not returns, and not errors (triage.md)."""
    filled = [c for c in ("inspect_date", "outcome") if c in frame.columns]
    if not filled:
        return frame
    blank = pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).cast(pl.Utf8).str.strip_chars() == "") for c in filled
    )
    return frame.filter(~blank)


def _map_headers(df: pl.DataFrame, contract: Contract) -> tuple[pl.DataFrame, list[str]]:
    """Rename snake/camel/中文 headers to canonical names; unknown columns are returned as extras."""
    hm = contract.header_map()
    rename, extras, taken = {}, [], set()
    for c in df.columns:
        if c in ("_line", "_row", "_item"):
            continue
        key = c.strip().lstrip("\ufeff")
        canon = hm.get(key) or hm.get(key.lower())
        if canon and canon not in taken:
            rename[c] = canon
            taken.add(canon)
        else:
            extras.append(c)
    return df.rename(rename), extras


def _protect_pii(df: pl.DataFrame, contract: Contract, settings: Settings) -> pl.DataFrame:
    """Replace each personal column by its keyed hash and masked form; the clear value is dropped here."""
    key = settings.pii_key
    for col in contract.pii_columns:
        if col.name not in df.columns:
            continue
        uniq = df[col.name].drop_nulls().unique().to_list()
        hashes = {v: pii_hash(v, key) for v in uniq}
        masks = {v: mask(v, col.pii or "id") for v in uniq}
        df = df.with_columns(
            pl.col(col.name)
            .replace_strict(hashes, default=None, return_dtype=pl.Utf8)
            .alias(f"{col.name}_hash"),
            pl.col(col.name)
            .replace_strict(masks, default=None, return_dtype=pl.Utf8)
            .alias(f"{col.name}_masked"),
        ).drop(col.name)
    return df


def _row_hash(df: pl.DataFrame, contract: Contract) -> pl.Expr:
    cols = [n for n, _ in entity_columns(contract) if n in df.columns and not n.endswith("_masked")]
    return (
        pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("∅") for c in cols], separator="\x1f")
        .hash(seed=0)
        .cast(pl.Utf8)
        .alias("_row_hash")
    )


def _dedupe_in_file(df: pl.DataFrame, contract: Contract) -> tuple[pl.DataFrame, int]:
    """Repeated rows inside one file: by natural key for events, by content for mutable entities."""
    subset = raw_key(contract) if not contract.mutable else ["_row_hash"]
    subset = [c for c in subset if c in df.columns]
    # never match on a null key part (check_rows quarantines such rows; this keeps any that slip through apart)
    keyed = pl.all_horizontal([pl.col(c).is_not_null() for c in raw_key(contract) if c in df.columns])
    kept = df.filter(~keyed | pl.struct(subset).is_first_distinct())
    return kept, df.height - kept.height


def _insert_new(
    con: duckdb.DuckDBPyConnection, df: pl.DataFrame, contract: Contract, file_id: int, extract_date: date
) -> int:
    """Insert rows not yet in raw_<entity>; return how many were already there (duplicates).

    Events: a key already stored is a duplicate. Mutable entities: a row equal to its key's latest version as of
    this extract is a duplicate (`_latest_versions`); any other row is a new version, kept with its extract date.
    """
    table = f"raw_{contract.entity}"
    cols = [n for n, _ in entity_columns(contract)]
    types = dict(entity_columns(contract))
    frame = df.with_columns([pl.lit(None).alias(c) for c in cols if c not in df.columns]).with_columns(
        pl.lit(file_id, pl.Int32).alias("_file_id"), pl.lit(extract_date).alias("_extract_date")
    )
    staged = frame.select([*cols, "_extra", "_file_id", "_line", "_extract_date", "_row_hash"])
    match = raw_key(contract) if not contract.mutable else ["_row_hash"]
    on = " and ".join(f'r."{c}" = n."{c}"' for c in match)  # a null key part never matches
    select = ", ".join(
        [f'cast(n."{c}" as {types[c]}) as "{c}"' for c in cols]
        + ['n."_extra"', 'n."_file_id"', 'n."_line"', 'n."_extract_date"', 'n."_row_hash"']
    )
    # Event keys carry a date: only stored rows inside the new rows' date range can match, and the range lets
    # DuckDB skip row groups (zone maps) instead of scanning the whole history every night.
    window, params = "", []
    dated = [c for c in match if types.get(c, "").upper().startswith(("DATE", "TIMESTAMP"))]
    if dated and staged[dated[0]].null_count() == 0 and staged.height:
        lo, hi = staged[dated[0]].min(), staged[dated[0]].max()
        window, params = f' and r."{dated[0]}" between ? and ?', [lo, hi]
    stored = table
    if contract.mutable:  # compared with each key's latest version as of this extract, not with every version
        key = raw_key(contract)
        stored, params = _latest_versions(table, key), [extract_date]
        on = " and ".join(f'r."{c}" = n."{c}"' for c in [*key, "_row_hash"])  # null key parts never match
    before = con.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
    con.execute(
        f"insert into {table} select {select} from staged n "
        f"where not exists (select 1 from {stored} r where {on}{window})",
        params,
    )
    after = con.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
    return staged.height - (after - before)


def _latest_versions(table: str, key: list[str]) -> str:
    """Each key's latest stored version delivered by an extract date (the `?` parameter), as a subquery.

    A mutable row is a duplicate only when it equals that version: a status that changes back (A → B → A) is a
    new version with its own extract date, while a re-delivery of what is already current stays a no-op. A late
    file for an older extract date is compared with the version that was current on that date.
    """
    keys = ", ".join(f't."{c}"' for c in key)
    new_keys = ", ".join(f'"{c}"' for c in key)
    same = " and ".join(f't."{c}" = s."{c}"' for c in key)
    return (
        f"(select {keys}, t._row_hash from {table} t "
        f"semi join (select distinct {new_keys} from staged) s on {same} "
        "where t._extract_date <= ? "
        f"qualify row_number() over (partition by {keys} order by t._extract_date desc, t._file_id desc, t._line desc)"
        " = 1)"
    )


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
