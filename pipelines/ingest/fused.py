"""A file's rows typed, checked, hashed and sorted in DuckDB SQL, from the file (Parquet) or the reader's text frame.

One statement per file builds every row's stored form and its reasons (`_ww_judged`, a temporary table): each
contract column normalised (NFKC where it holds non-ASCII text, surrounding spaces removed, empty → null), parsed,
typed and judged (the first failing check's reason code), personal values replaced by their keyed hash and mask, and
a row hash. From that table come the quarantine records (file, line, column, value, reason) and the insert of the
good rows not yet stored. This is the rules' one definition (their data — reason codes, boolean words, the
date range — is validate.py's); tests/ingest/reference_checks.py writes them a second, independent way in polars as
the oracle tests/ingest/test_fused_sql.py compares this with.

Where SQL cannot say exactly what Python says, a value is handed to Python, one vector at a time: NFKC
normalisation (DuckDB has NFC only) and the keyed hash and mask of a personal value that is not pure ASCII (Python's
`str.upper` and slicing on non-ASCII text). Pure-ASCII personal values are hashed in SQL: HMAC-SHA256 written with
DuckDB's sha256 over blobs, H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), byte-identical to identifiers.pii_hash. A big file's
personal values are hashed once per connection: a temporary cache by kind (`_fill_pii_cache`), never in the warehouse.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.contracts import Column, Contract
from pipelines.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    NUMBER_KINDS,
    NUMBER_SEPARATORS,
    PHONE_COUNTRY_CODE,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    mask,
    pii_hash,
)
from pipelines.ingest.validate import (
    CHINA_UTC_OFFSET_HOURS,
    DATE_SPELLINGS,
    DATETIME_SPELLINGS,
    EPOCH_MILLISECONDS,
    EPOCH_SECONDS,
    EXCEL_EPOCH,
    EXCEL_SERIAL,
    FALSE_WORDS,
    MAX_DATE,
    MIN_DATE,
    MONEY_MARKS,
    MONTH_SPELLINGS,
    NONE_WORDS,
    TRUE_WORDS,
    UNIT_SHIFTS,
    ZONED,
)
from pipelines.warehouse import DUCKDB_TYPES, entity_columns, raw_key

JUDGED = "_ww_judged"
# a file of at least this many rows hashes its personal values through the connection's cache (_fill_pii_cache);
# a smaller one hashes its few values in its lookups: joining a cache of a night's values costs a
# small file more than hashing its own (a speed setting only: the hashes are the same either way)
PII_CACHE_MIN_ROWS = 20_000
# a code, boolean or area column with at most this many distinct values in a file has its per-value lookup written
# into the statement as CASE expressions rather than joined (a speed setting only: the values are the same either way)
INLINE_LOOKUP_MAX = 32
# what polars' strip_chars removes from ASCII text (Rust's White_Space), and what Python's str.strip removes
_RUST_WS = "||".join(f"chr({c})" for c in (32, 9, 10, 11, 12, 13))
_PY_WS = "||".join(f"chr({c})" for c in (32, 9, 10, 11, 12, 13, 28, 29, 30, 31))


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


# text that is its own NFKC form and whose upper case and slicing SQL computes as Python does: ASCII, CJK ideographs
# (no case, no decomposition) and the middle dot of transliterated names; other text goes to Python
_CASELESS = "[\\x00-\\x7F\\x{3400}-\\x{4DBF}\\x{4E00}-\\x{9FFF}\\x{00B7}]*"


def _ascii(s: str) -> str:
    return f"(strlen({s}) = length({s}))"


def _trim(s: str, chars: str) -> str:
    """trim(s, chars), called only when the first or last character could be one of `chars` (all ≤ U+0020):
    DuckDB's trim with a character set costs ~5× a comparison of both ends, and almost no value needs it.
    Both ends are compared as bytes with '!' (U+0021): in UTF-8 a character ≤ U+0020 is one byte < 0x21 and every
    other character starts with a byte ≥ 0x21, so `s < '!'` is "empty or first character ≤ U+0020" (as
    `ord(s[1]) <= 32` was, at a third of its cost)."""
    return f"(case when {s} < '!' or {s}[-1] < '!' then trim({s}, {chars}) else {s} end)"


# ---------------------------------------------------------------------------------------------------------------
# Python helpers for non-ASCII values, registered on the connection as vectorised (Arrow) functions


def _nfkc(values: pa.Array) -> pa.Array:
    """Text normalisation on one vector: NFKC, then surrounding white space removed (polars, as there); a word for
    none (validate.NONE_WORDS) is no value."""
    series = (
        pl.Series(values) if not isinstance(values, pa.ChunkedArray) else pl.Series(values.combine_chunks())
    )
    text = series.str.normalize("NFKC").str.strip_chars().cast(pl.Utf8)
    return pl.select(pl.when(~text.is_in(NONE_WORDS)).then(text)).to_series().to_arrow()


def _python_pii(
    key: bytes, kind: str | None
) -> tuple[Callable[[pa.Array], pa.Array], Callable[[pa.Array], pa.Array]]:
    def hashed(values: pa.Array) -> pa.Array:
        return pa.array([pii_hash(v, key, kind or "id") for v in values.to_pylist()], pa.string())

    def masked(values: pa.Array) -> pa.Array:
        return pa.array([mask(v, kind or "id") for v in values.to_pylist()], pa.string())

    return hashed, masked


def register_functions(con: duckdb.DuckDBPyConnection, contract: Contract, key: bytes) -> dict[str, str]:
    """Register the Python helpers this contract needs on the connection (once); their SQL names."""
    names = {"nfkc": "ww_nfkc"}
    tag = hashlib.sha256(key).hexdigest()[:12]
    wanted: list[tuple[str, Callable[[pa.Array], pa.Array]]] = [("ww_nfkc", _nfkc)]
    for col in contract.pii_columns:
        hashed, masked = _python_pii(key, col.pii)
        # by kind: what is hashed depends on it (identifiers.compact_pii), and by key
        names[f"hash.{col.name}"] = f"ww_pii_hash_{col.pii}_{tag}"
        names[f"mask.{col.name}"] = f"ww_pii_mask_{col.pii}"
        wanted += [(f"ww_pii_hash_{col.pii}_{tag}", hashed), (f"ww_pii_mask_{col.pii}", masked)]
    for name, fn in dict(wanted).items():
        # already there when an earlier file on this connection registered it
        with contextlib.suppress(duckdb.CatalogException, duckdb.NotImplementedException):
            con.create_function(name, fn, ["VARCHAR"], "VARCHAR", type="arrow", null_handling="special")  # type: ignore[call-overload]
    return names


# ---------------------------------------------------------------------------------------------------------------
# SQL for one contract


def compact_sql(value: str, kind: str) -> str:
    """identifiers.compact_pii in SQL: trimmed, and an ID number's, phone's or card's separators removed (a phone's
    +86 too), one without a digit empty; the same patterns (RE2 reads them as Python's re does)."""
    v = _trim(value, _PY_WS)
    if kind in NUMBER_KINDS:
        v = f"regexp_replace({v}, {lit(NUMBER_SEPARATORS)}, '', 'g')"
    if kind == "phone":
        v = f"regexp_replace({v}, {lit(PHONE_COUNTRY_CODE)}, '\\1')"
    if kind in NUMBER_KINDS:
        v = f"(case when regexp_matches({v}, '[0-9]') then {v} else '' end)"
    return v


def hmac_sql(value: str, key: bytes, kind: str) -> str:
    """identifiers.pii_hash in SQL (ASCII and CJK text: SQL upper-cases it as Python does): HMAC-SHA256 over the
    compact (compact_sql), upper-cased value; null when nothing is left (a card written "-")."""
    k = hashlib.sha256(key).digest() if len(key) > 64 else key
    k = k.ljust(64, b"\0")
    ipad = bytes(b ^ 0x36 for b in k).hex()
    opad = bytes(b ^ 0x5C for b in k).hex()
    v = compact_sql(value, kind)
    inner = f"unhex(sha256(unhex('{ipad}') || encode(upper({v}))))"
    return f"case when {v} = '' then null else left(sha256(unhex('{opad}') || {inner}), 32) end"


def mask_sql(value: str, kind: str) -> str:
    """identifiers.mask in SQL (ASCII and CJK text: one character, one code point), of the compact value."""
    v = compact_sql(value, kind)
    n = f"length({v})"
    if kind == "id":
        shown = (
            f"case when {n} <= 10 then left({v}, 2) || repeat('*', greatest({n} - 4, 1)) || right({v}, 2) "
            f"else left({v}, 6) || repeat('*', {n} - 10) || right({v}, 4) end"
        )
    elif kind == "name":
        shown = f"left({v}, 1) || repeat('*', greatest({n} - 1, 1))"
    elif kind == "phone":
        shown = f"case when {n} >= 8 then left({v}, 3) || '****' || right({v}, 4) else repeat('*', {n}) end"
    elif kind == "card":
        shown = f"repeat('*', greatest({n} - 4, 4)) || right({v}, 4)"
    else:
        raise ValueError(f"unknown personal-data kind {kind!r}")
    return f"case when {v} = '' then null else {shown} end"


def _none_replaced(per_row: list[Column]) -> str:
    """The select list over `n0` (each row's normalised text) with a word for none null in the text columns
    normalised per row. The per-value lookups' values are so already; a parsed column's is known by its parse
    (NONE_PARSED), so its rows pay a comparison of fixed-size values only."""
    text = [c for c in per_row if c.type not in PARSED_PER_ROW]
    if not text:
        return "*"
    return "* replace (" + ", ".join(f"{none_sql('n0.' + q(c.name))} as {q(c.name)}" for c in text) + ")"


_NONE_BYTES = max(len(w.encode()) for w in NONE_WORDS)


def none_sql(v: str) -> str:
    """A normalised value that is a word for none (validate.NONE_WORDS: 无, 暂无, -, /, 待定 …) read as no value; a
    longer text is none of them (its byte length is known without reading it)."""
    return f"(case when strlen({v}) <= {_NONE_BYTES} and {v} in {_in(NONE_WORDS)} then null else {v} end)"


def normalised_values(distinct: str, fn: str) -> str:
    """`raw` and its normalised text `v` (normalised_sql, a word for none null) for each row of `distinct`."""
    return f"select raw, {none_sql('v')} as v from (select raw, {normalised_sql('raw', fn)} as v from {distinct})"


def normalised_sql(text: str, fn: str) -> str:
    """Text normalisation for one value: NFKC, strip, empty → null. ASCII and CJK ideographs are their own
    NFKC form (no decomposition, nothing to compose with); any other text is normalised in Python (polars, which
    also reads a word for none as null; none_sql does for the rest)."""
    return (
        f"nullif(case when {text} is null then null when {_ascii(text)} or regexp_full_match({text}, {lit(_CASELESS)}) "
        f"then {_trim(text, _RUST_WS)} "
        f"else {fn}({text}) end, '')"
    )


def _in(values: list[str]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def _serial_sql(s: str, dtype: str) -> str:
    """An Excel serial number (validate.EXCEL_SERIAL) as a date, or a timestamp to the nearest second; else null."""
    days = f"cast({s} as double)"
    if dtype == "date":
        value = f"date '{EXCEL_EPOCH}' + cast(floor({days}) as integer)"
    else:
        value = f"timestamp '{EXCEL_EPOCH}' + to_seconds(floor({days} * 86400 + 0.5))"
    return f"(case when regexp_full_match({s}, {lit(EXCEL_SERIAL[1:-1])}) then {value} end)"


_CHINA_MINUTES = CHINA_UTC_OFFSET_HOURS * 60
_SINCE_1970_IN_CHINA = f"(timestamp '1970-01-01' + to_minutes({_CHINA_MINUTES}))"


def _zoned_sql(s: str, dtype: str) -> str:
    """A time with its zone (validate.ZONED) as the time in China, a date or a timestamp; else null. Tested first in a
    date or month column (the date a zoned value starts with is UTC's, not China's), behind a length no date without
    a time has."""
    zoned = lit(ZONED)
    written = f"regexp_extract({s}, {zoned}, 1) || ' ' || regexp_extract({s}, {zoned}, 2)"
    naive = (
        f"coalesce(try_strptime({written}, '%Y-%m-%d %H:%M:%S'), try_strptime({written}, '%Y-%m-%d %H:%M'))"
    )
    zone = f"replace(regexp_extract({s}, {zoned}, 3), ':', '')"  # Z, +08, +0800, -0500
    east = (  # the zone's minutes east of UTC
        f"(case when {zone} = 'Z' then 0 else (case when starts_with({zone}, '-') then -1 else 1 end) * "
        f"(cast(substring({zone}, 2, 2) as integer) * 60 "
        f"+ (case when length({zone}) = 5 then cast(right({zone}, 2) as integer) else 0 end)) end)"
    )
    test = f"length({s}) >= 16 and regexp_full_match({s}, {lit(ZONED[1:-1])})"
    return f"(case when {test} then cast({naive} + to_minutes({_CHINA_MINUTES} - {east}) as {dtype}) end)"


def _epoch_sql(s: str, dtype: str) -> str:
    """Milliseconds or seconds since 1970 UTC (validate.EPOCH_*) as the time in China, a date or a timestamp; else
    null."""
    ms, sec = lit(EPOCH_MILLISECONDS[1:-1]), lit(EPOCH_SECONDS[1:-1])
    value = (
        f"(case when regexp_full_match({s}, {ms}) then {_SINCE_1970_IN_CHINA} + to_milliseconds(cast({s} as bigint)) "
        f"when regexp_full_match({s}, {sec}) then {_SINCE_1970_IN_CHINA} + to_seconds(cast({s} as bigint)) end)"
    )
    return f"cast({value} as {dtype})"


def _first_format(tries: list[tuple[str, str]], dtype: str) -> str:
    return "coalesce(" + ", ".join(f"try_strptime({t}, {lit(f)})" for t, f in tries) + f")::{dtype}"


def _respelled(s: str, spellings: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(text, format) tries for the other spellings of validate.py: the value rewritten to the canonical text."""
    tries = []
    for pattern, to, fmt in spellings:
        groups = re.sub(r"[$]([0-9])", r"\\\1", to)  # $1 → \1 (RE2)
        tries.append((f"regexp_replace({s}, {lit(pattern)}, {lit(groups)})", fmt))
    return tries


def shift_sql(t: str, places: int) -> str:
    """The decimal text `t` (digits with at most one point, perhaps a leading "-") with its point moved `places` to
    the right (to the left when negative), as text: exact where multiplying a double is not; null when `t` is not
    such a number."""
    body = f"ltrim({t}, '-')"
    whole, fraction = f"split_part({body}, '.', 1)", f"split_part({body}, '.', 2)"
    if places >= 0:
        moved = f"{whole} || left(rpad({fraction}, {places}, '0'), {places}) || '.' || substring({fraction}, {places + 1}) || '0'"
    else:
        k = -places
        padded = f"(repeat('0', greatest({k + 1} - length({whole}), 0)) || {whole})"
        moved = f"left({padded}, length({padded}) - {k}) || '.' || right({padded}, {k}) || {fraction}"
    sign = f"(case when starts_with({t}, '-') then '-' else '' end)"
    return f"(case when regexp_full_match({t}, '-?([0-9]+[.]?[0-9]*|[.][0-9]+)') then {sign} || {moved} end)"


def _day_sql(col: Column, s: str, spelled: str) -> str:
    """A date or month column's readings in order: a zoned time first (the date it starts with is UTC's), then the
    spellings (`spelled`), Excel's serial number, a count since 1970, and a word for none."""
    reads = [
        _zoned_sql(s, "date"),
        spelled,
        _serial_sql(s, "date"),
        _epoch_sql(s, "date"),
        _none_parsed(col, s),
    ]
    return f"coalesce({', '.join(reads)})"


def parse_sql(col: Column, s: str) -> str | None:
    """The text `s` read as its type (null where it cannot be); None for text kept as text."""
    if col.type == "code":
        value = s
        if col.aliases:
            cases = " ".join(f"when {lit(k)} then {lit(v)}" for k, v in col.aliases.items())
            value = f"(case upper({s}) {cases} else upper({s}) end)"
        if col.width:
            value = (
                f"(case when regexp_full_match({value}, '[0-9]+') and length({value}) < {col.width} "
                f"then lpad({value}, {col.width}, '0') else {value} end)"
            )
        if col.labels:  # a label exported instead of its code (在建 → 003), as written
            labels = " ".join(f"when {lit(k)} then {lit(v)}" for k, v in col.labels.items())
            value = f"(case {s} {labels} else {value} end)"
        return value
    if col.type == "bool":
        return f"lower({s})"
    if col.type in ("decimal", "int"):
        number = f"replace({s}, ',', '')"
        if col.type == "int":
            return f"coalesce(try_cast({number} as double), {_none_parsed(col, s)})"
        marked = f"regexp_replace({number}, {lit(MONEY_MARKS)}, '', 'g')"
        reads = [f"try_cast({number} as double)"]
        # 12.5万元, 20%: the digits shifted as text, then read
        for unit, places in UNIT_SHIFTS.get(col.unit or "", ()):
            bare = f"regexp_replace({number}, {lit('^[¥￥] *| *' + re.escape(unit) + '$')}, '', 'g')"
            reads.append(
                f"case when ends_with({number}, {lit(unit)}) then try_cast({shift_sql(bare, places)} as double) end"
            )
        return f"coalesce({', '.join(reads)}, try_cast({marked} as double), {_none_parsed(col, s)})"
    if col.type == "date":
        head = f"substring({s}, 1, 10)"
        tries = [(head, "%Y-%m-%d"), (head, "%Y/%m/%d"), (s, "%Y%m%d")]
        spelled = _first_format(tries + _respelled(s, DATE_SPELLINGS), "date")
        return _day_sql(col, s, spelled)
    if col.type == "datetime":
        formats = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        spelled = _first_format([(s, f) for f in formats] + _respelled(s, DATETIME_SPELLINGS), "timestamp")
        read = [spelled, _zoned_sql(s, "timestamp"), _serial_sql(s, "timestamp"), _epoch_sql(s, "timestamp")]
        return f"coalesce({', '.join(read)}, {_none_parsed(col, s)})"
    if col.type == "month":
        # yyyyMM: six characters only — a spreadsheet's serial number 45901 is not the year 4590, month 10
        yyyymm = f"(case when length({s}) = 6 then {s} || '01' end)"
        tries = [(s, "%Y-%m-%d"), (f"{s} || '-01'", "%Y-%m-%d"), (yyyymm, "%Y%m%d")]
        spelled = _first_format(tries + _respelled(s, MONTH_SPELLINGS), "date")
        return _day_sql(col, s, spelled)
    if col.type in ("str", "area"):
        return None
    raise ValueError(f"unknown column type {col.type}")


def _valid_id_number_sql(s: str) -> str:
    terms = " + ".join(f"(ascii(substring({s}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(ID_WEIGHTS))
    expected = f"substring({lit(ID_CHECK)}, (({terms}) % 11) + 1, 1)"
    shaped = f"(regexp_matches({s}, '^[0-9]{{17}}') and length({s}) = 18)"
    return f"({shaped} and coalesce(upper(substring({s}, 18, 1)) = {expected}, false))"


def _valid_uscc_sql(s: str) -> str:
    up = f"upper({s})"
    terms = " + ".join(
        f"(instr({lit(USCC_ALPHABET)}, substring({up}, {i + 1}, 1)) - 1) * {w}"
        for i, w in enumerate(USCC_WEIGHTS)
    )
    expected = f"substring({lit(USCC_ALPHABET)}, ((31 - ({terms}) % 31) % 31) + 1, 1)"
    shaped = f"regexp_full_match({up}, '[{USCC_ALPHABET}]{{18}}')"
    return f"({shaped} and coalesce(substring({up}, 18, 1) = {expected}, false))"


def _text_failures(col: Column, s: str, parsed: dict[str, str], ok: str | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if col.type == "area":
        out.append((f"not regexp_full_match({s}, '[0-9]{{6}}')", "bad_area"))
    if col.type in ("str", "area") and col.max_length:
        out.append((f"length({s}) > {col.max_length}", "too_long"))
    if col.check == "uscc":
        out.append((f"not {ok or _valid_uscc_sql(s)}", "uscc_check_digit"))
    if col.check == "id_card":
        if col.check_type_column and col.check_type_column in parsed:
            applies = f"(coalesce({parsed[col.check_type_column]}, '01') = '01')"
        else:
            applies = f"(length({s}) = 18)"
        out.append(
            (f"(coalesce({applies}, false) and not {ok or _valid_id_number_sql(s)})", "id_check_digit")
        )
    return out


def _type_failures(col: Column, p: str, extract_date: date) -> tuple[str, list[tuple[str, str]]]:
    out: list[tuple[str, str]] = []
    value = p
    if col.type == "code" and col.codes and not col.open_set:
        out.append((f"not ({p} in {_in(list(col.codes))})", "unknown_code"))
    elif col.type == "bool":
        value = (
            f"(case when {p} in {_in(TRUE_WORDS)} then true when {p} in {_in(FALSE_WORDS)} then false end)"
        )
        out.append((f"not ({p} in {_in(TRUE_WORDS + FALSE_WORDS)})", "bad_bool"))
    elif col.type in ("decimal", "int"):
        value = f"nullif({p}, {NONE_PARSED[col.type]})"  # NaN is none; inf a bad number (its row quarantined)
        out.append((f"not isfinite({p})", "bad_number"))
        if col.min is not None:
            out.append((f"{p} < {float(col.min)!r}", "out_of_range"))
        if col.max is not None:
            out.append((f"{p} > {float(col.max)!r}", "out_of_range"))
        if col.min_exclusive is not None:
            out.append((f"{p} <= {float(col.min_exclusive)!r}", "out_of_range"))
        if col.type == "int":
            value = f"try_cast(trunc({value}) as integer)"
    elif col.type in ("date", "month"):
        value = f"nullif({p}, {NONE_PARSED[col.type]})"
        out.append((f"{p} is null", "bad_date"))
        out.append((f"({p} < date '{MIN_DATE}' or {p} > date '{MAX_DATE}')", "out_of_range"))
        if col.type == "month":
            value = f"strftime({value}, '%Y-%m')"
    elif col.type == "datetime":
        value = f"nullif({p}, {NONE_PARSED[col.type]})"
        out.append((f"{p} is null", "bad_date"))
        day = f"{p}::date"
        out.append((f"({day} < date '{MIN_DATE}' or {day} > date '{extract_date}' + 1)", "out_of_range"))
    return value, out


def reason_sql(
    col: Column, s: str, p: str, extract_date: date, parsed: dict[str, str], ok: str | None = None
) -> tuple[str, str | None]:
    """The typed value, and the first failing check's reason code (null when fine); `ok` is the
    check-digit verdict where it was computed already (per distinct value)."""
    value, type_failures = _type_failures(col, p, extract_date)
    checks = [*_text_failures(col, s, parsed, ok), *type_failures]
    whens = " ".join(f"when coalesce({cond}, true) then {lit(code)}" for cond, code in checks)
    if not whens and not col.required:
        return value, None
    missing = "'missing_required'" if col.required else "null"
    absent = f"{s} is null"
    if col.type in NONE_PARSED:  # a word for none, known by what it parsed to (_none_parsed)
        absent = f"({s} is null or {_is_none_parsed(col, p)})"
    return value, f"(case when {absent} then {missing} {whens} else null end)"


# what a word for none (validate.NONE_WORDS) parses to in a column read per row: a value no text parses to (a
# number: NaN, also what `nan` reads as), tested by a comparison of fixed-size values on every row — the word list is
# looked up only where every other reading failed (the parse's last fallback), so a clean file pays nearly nothing
NONE_PARSED = {
    "date": "date '0001-01-01'",
    "month": "date '0001-01-01'",
    "datetime": "timestamp '0001-01-01 00:00:00'",
    "decimal": "'nan'::double",
    "int": "'nan'::double",
}
PARSED_PER_ROW = tuple(NONE_PARSED)


def _none_parsed(col: Column, s: str) -> str:
    return f"(case when {s} in {_in(NONE_WORDS)} then {NONE_PARSED[col.type]} end)"


def _is_none_parsed(col: Column, p: str) -> str:
    return f"isnan({p})" if col.type in ("decimal", "int") else f"({p} = {NONE_PARSED[col.type]})"


@dataclass(frozen=True)
class Judged:
    """What `_ww_judged` holds: the reason columns, in the contract's order."""

    reasons: list[str]  # column names that can fail


def judge(
    con: duckdb.DuckDBPyConnection,
    source: str,
    present: list[str],
    contract: Contract,
    extract_date: date,
    key: bytes,
) -> Judged:
    """Build `_ww_judged` from `source` (a SELECT with the canonical text columns present, `_row`, `_line`,
    `_item`, `_extra`): every row's stored values, `_problem`, `_bad` (each failing column's reason and
    normalised text; null on a good row), and `_row_hash`."""
    fns = register_functions(con, contract, key)
    cols = [
        c if c.name not in contract.key else _required(c)
        for c in contract.columns
        if c.name in present or c.name in contract.key
    ]
    text = {c.name: f"n.{q(c.name)}" for c in cols}
    # columns with few distinct values or costly per-value work (codes, booleans, areas, check digits, personal
    # data) are normalised, parsed, checked and hashed once per distinct value, in a lookup joined back by the text
    cached = any(c.pii and c.name in present for c in cols) and (
        int(con.execute(f"select count(*) from ({source})").fetchall()[0][0]) >= PII_CACHE_MIN_ROWS  # type: ignore[index]
    )
    for c in cols:
        if cached and c.pii and c.name in present:
            _fill_pii_cache(con, c, source, fns, key)
    mapped, carried, joins = _lookups(con, cols, present, source, fns, key, cached)
    norm = ", ".join(
        f"src.{q('_v.' + c.name)} as {q(c.name)}"
        if c in mapped
        else f"{normalised_sql('src.' + q(c.name), fns['nfkc'])} as {q(c.name)}"
        if c.name in present
        else f"null::varchar as {q(c.name)}"
        for c in cols
    )
    extra_cols = "".join(f", src.{q(f'_{x}.' + c.name)}" for c in mapped for x in ("p", "h", "m", "ok"))
    from_sql = f"(select src.*{', ' if carried else ''}{', '.join(carried)} from ({source}) src {' '.join(joins)}) src"
    parsed: dict[str, str] = {}
    parse_cols = []
    for c in cols:
        expr = parse_sql(c, text[c.name])
        if expr is not None:
            if c in mapped:
                expr = f"n.{q('_p.' + c.name)}"
            parsed[c.name] = f"p.{q('_pp.' + c.name)}"
            parse_cols.append(f"{expr} as {q('_pp.' + c.name)}")
    typed, reasons, values = [], [], []
    for c in cols:
        s = f"p.{q(c.name)}"
        p = parsed.get(c.name, s)
        ok = f"p.{q('_ok.' + c.name)}" if c in mapped and c.check else None
        value, reason = reason_sql(c, s, p, extract_date, parsed, ok)
        typed.append((c, value))
        if reason is not None:
            reasons.append(c.name)
            values.append(f"{reason} as {q('_why.' + c.name)}")
    problem = " or ".join(f"{q('_why.' + r)} is not null" for r in reasons) or "false"
    stored_sql = _stored_sql(contract, [c for c, _ in typed], mapped)
    hashed = [q(n) for n, _ in entity_columns(contract) if not n.endswith("_masked")]
    typed_sql = ", ".join(f"{value} as {q('_t.' + c.name)}" for c, value in typed)
    bad_sql = _bad_sql(reasons)
    sql = f"""
        create or replace temp table {JUDGED} as
        with n0 as (select _row, _line, _item, _extra, {norm}{extra_cols} from {from_sql}),
        n as (select {_none_replaced([c for c in cols if c.name in present and c not in mapped])} from n0),
        p as (select n.*{", " if parse_cols else ""}{", ".join(parse_cols)} from n),
        t as (select p.*, {typed_sql}{", " if values else ""}{", ".join(values)} from p),
        j as (select t.*, ({problem}) as _problem from t),
        s as (
            select j._row, j._line, j._item, j._problem, {bad_sql} as _bad,
                case when not j._problem then j._extra end as _extra, {stored_sql}
            from j
        )
        select *, case when not _problem and not ({keyless_sql(contract)}) then hash({subset_sql(contract)}) end as _kh
        from (select *, case when not _problem then hash({", ".join(hashed)}) end as _row_hash from s)
    """
    con.execute(sql)
    return Judged(reasons)


def _bad_sql(reasons: list[str]) -> str:
    """A bad row's problems as one list (null on a good row, most rows): per column that failed, its place in the
    contract `k`, name `c`, reason code `r` and normalised text `v`. One column instead of a reason and a value column
    per checkable column, each null on almost every row: the judged table is written and read once per file."""
    if not reasons:
        return "null::struct(k integer, c varchar, r varchar, v varchar)[]"
    items = ", ".join(
        f"{{'k': {i}, 'c': {lit(r)}, 'r': j.{q('_why.' + r)}, 'v': {_shown(r)}}}"
        for i, r in enumerate(reasons)
    )
    return f"case when j._problem then list_filter([{items}], lambda b: b.r is not null) end"


def _shown(column: str) -> str:
    """A failing column's text as the quarantine shows it: none where it is missing (an empty cell, or a word for
    none such as 待定 in a column read per row)."""
    return f"case when j.{q('_why.' + column)} = 'missing_required' then null else j.{q(column)} end"


def _lookups(
    con: duckdb.DuckDBPyConnection,
    cols: list[Column],
    present: list[str],
    source: str,
    fns: dict[str, str],
    key: bytes,
    cached: bool,
) -> tuple[list[Column], list[str], list[str]]:
    """Columns with few distinct values or costly per-value work (codes, booleans, areas, check digits, personal
    data) are normalised, parsed, checked and hashed once per distinct value, in a lookup joined back by the text:
    those columns, the lookup's columns as selected, and the joins. A code, boolean or area column with at most
    INLINE_LOOKUP_MAX distinct values has its lookup written into the statement as CASE expressions instead of a
    join (`_inline_lookup`)."""
    mapped = [c for c in cols if c.name in present and _per_distinct(c)]
    joins, carried = [], []
    for i, c in enumerate(mapped):
        lookup = _lookup_sql(c, source, fns, key, cached)
        inline = _inline_lookup(con, c, lookup) if _inlinable(c) else None
        if inline is not None:
            carried += inline
            continue
        joins.append(f"left join ({lookup}) m{i} on m{i}.raw = src.{q(c.name)}")
        carried += [f"m{i}.{x} as {q(f'_{x}.' + c.name)}" for x in ("v", "p", "h", "m", "ok")]
    return mapped, carried, joins


def _inlinable(c: Column) -> bool:
    """Columns whose values are few in every file (codes, booleans, areas), with no hash and no check digit."""
    return not c.pii and not c.check and c.type in ("code", "bool", "area")


def _inline_lookup(con: duckdb.DuckDBPyConnection, c: Column, lookup: str) -> list[str] | None:
    """The lookup of column `c` as CASE expressions on its text (`_v.C`, `_p.C`, `_h.C`, `_m.C`, `_ok.C`), computed by
    the same SQL as the join would read; None when the file has more than INLINE_LOOKUP_MAX distinct values.

    A join of a few-valued lookup costs a hash table probe per row and scatters the rows' order (the insert sorts
    them back); a CASE on the text is the same mapping: equal text → the lookup's row, any other (null) → null."""
    rows = con.execute(f"select raw, v, p, ok from ({lookup}) limit {INLINE_LOOKUP_MAX + 1}").fetchall()
    if len(rows) > INLINE_LOOKUP_MAX:
        return None
    text = f"src.{q(c.name)}"

    def case(at: int, dtype: str) -> str:
        whens = " ".join(f"when {lit(str(r[0]))} then {_literal(r[at])}" for r in rows)
        return f"(case {text} {whens} end)::{dtype}" if whens else f"null::{dtype}"

    return [
        f"{case(1, 'varchar')} as {q('_v.' + c.name)}",
        f"{case(2, 'varchar')} as {q('_p.' + c.name)}",
        f"null::varchar as {q('_h.' + c.name)}",
        f"null::varchar as {q('_m.' + c.name)}",
        f"{case(3, 'boolean')} as {q('_ok.' + c.name)}",
    ]


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return lit(str(value))


def _stored_sql(contract: Contract, cols: list[Column], mapped: list[Column]) -> str:
    """The warehouse columns of every row (a personal column absent from the file is null)."""
    types = dict(entity_columns(contract))
    stored: dict[str, str] = {}
    for c in cols:
        if c.pii and c in mapped:
            stored[f"{c.name}_hash"] = f"j.{q('_h.' + c.name)}"
            stored[f"{c.name}_masked"] = f"j.{q('_m.' + c.name)}"
        elif not c.pii:
            stored[c.name] = f"cast(j.{q('_t.' + c.name)} as {types[c.name]})"
    # a bad row's values are computed too (no `case when not _problem`): only good rows are ever read from here
    return ", ".join(
        f"{stored.get(name, 'null')}::{types[name]} as {q(name)}" for name, _ in entity_columns(contract)
    )


def _per_distinct(c: Column) -> bool:
    return bool(c.pii or c.check or c.type in ("code", "bool", "area"))


def pii_cache(c: Column, key: bytes) -> str:
    """The connection's temporary table of a personal-data kind's keyed hashes and masks, by the value as read."""
    return f"_ww_pii_cache_{c.pii}_{hashlib.sha256(key).hexdigest()[:12]}"


def _hash_and_mask_sql(c: Column, v: str, fns: dict[str, str], key: bytes) -> tuple[str, str]:
    """The keyed hash and the mask of the normalised text `v` of personal column `c`: in SQL for ASCII and CJK
    text, in Python for any other."""
    safe = f"({_ascii(v)} or regexp_full_match({v}, {lit(_CASELESS)}))"
    h = f"case when {v} is null then null when {safe} then {hmac_sql(v, key, c.pii or 'id')} "
    h += f"else {fns['hash.' + c.name]}({v}) end"
    m = f"case when {v} is null then null when {safe} then {mask_sql(v, c.pii or 'id')} "
    m += f"else {fns['mask.' + c.name]}({v}) end"
    return h, m


def _fill_pii_cache(
    con: duckdb.DuckDBPyConnection, c: Column, source: str, fns: dict[str, str], key: bytes
) -> None:
    """Hash and mask the values of personal column `c` that no earlier file on this connection had (the same ID
    numbers, names, phones and cards come back in every month's files), into its kind's cache.

    The cache is a temporary table: it lives in the loading process's memory for the connection's life and is
    never written to the warehouse (docs/decisions.md "Personal values hashed once per connection")."""
    cache = pii_cache(c, key)
    con.execute(f"create temp table if not exists {cache} (raw varchar, h varchar, m varchar)")
    h, m = _hash_and_mask_sql(c, "n.v", fns, key)
    con.execute(f"""
        insert into {cache}
        with d as (
            select distinct {q(c.name)} as raw from ({source}) where {q(c.name)} is not null
        ),
        new as (select raw from d anti join {cache} k on k.raw = d.raw),
        n as ({normalised_values("new", fns["nfkc"])})
        select raw, {h}, {m} from n
    """)


def _lookup_sql(c: Column, source: str, fns: dict[str, str], key: bytes, cached: bool) -> str:
    """A subquery with one row per distinct text of column `c`: `raw`, its normalised text `v`, its parse
    `p`, and for personal data its keyed hash `h` and mask `m` (from the connection's cache when `cached`,
    _fill_pii_cache), for a check-digit column the verdict `ok`."""
    v = "n.v"
    parse = parse_sql(c, v) or "null"
    join = ""
    if c.pii and cached:
        h, m = "k.h", "k.m"
        join = f"join {pii_cache(c, key)} k on k.raw = n.raw"
    elif c.pii:
        h, m = _hash_and_mask_sql(c, v, fns, key)
    else:
        h = m = "null::varchar"
    ok = {"id_card": _valid_id_number_sql(v), "uscc": _valid_uscc_sql(v)}.get(c.check or "", "null::boolean")
    return f"""
        with d as (select distinct {q(c.name)} as raw from ({source}) where {q(c.name)} is not null),
        n as ({normalised_values("d", fns["nfkc"])})
        select n.raw, v, {parse} as p, {h} as h, {m} as m, {ok} as ok from n {join}
    """


def _required(c: Column) -> Column:
    from dataclasses import replace

    return replace(c, required=True)


def problems(con: duckdb.DuckDBPyConnection, judged: Judged) -> pl.DataFrame:
    """One row per bad value (_row, _line, column_name, value, reason_code, _item), column by column in row order,
    as tests/ingest/reference_checks.check_rows lists them."""
    from pipelines.warehouse import frame

    if not judged.reasons:
        return pl.DataFrame(
            schema={
                "_row": pl.UInt32,
                "_line": pl.Int32,
                "column_name": pl.Utf8,
                "value": pl.Utf8,
                "reason_code": pl.Utf8,
                "_item": pl.Utf8,
            }
        )
    bad = f"select _row, _line::integer as _line, _item, unnest(_bad) as b from {JUDGED} where _problem"
    return frame(
        con,
        "select _row, _line, b.c as column_name, b.v as value, b.r as reason_code, _item "
        f"from ({bad}) order by b.k, _row",
    )


def counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(rows, rows with a problem) of `_ww_judged`."""
    n, bad = con.execute(f"select count(*), count(*) filter (where _problem) from {JUDGED}").fetchall()[0]  # type: ignore[misc]
    return int(n), int(bad or 0)


@dataclass(frozen=True)
class Inserted:
    """What insert_new did with a file's good rows besides inserting them."""

    repeated: int  # repeated earlier in the file
    stored: int  # already stored (a re-export's overlap)
    # of `stored`, events whose key was stored with other content: a correction the warehouse does not take (an
    # event's first delivery is kept), reported as event_correction_not_taken
    changed: int = 0


def insert_new(
    con: duckdb.DuckDBPyConnection, contract: Contract, file_id: int, extract_date: date
) -> Inserted:
    """Insert the good rows of `_ww_judged` that are neither repeated earlier in the file nor already stored.

    In the file: events by natural key, mutable entities by content (the row hash), the first row kept. Stored:
    events by natural key, inside the new rows' date range (zone maps skip the rest); a mutable row is a duplicate
    when it equals its key's latest version as of this extract, compared column by column. An event whose key is
    stored but whose row hash is not (the same punch, pay line or transaction with other content) is counted."""
    table = f"raw_{contract.entity}"
    cols = [n for n, _ in entity_columns(contract)]
    key = raw_key(contract)
    # repeats inside the file: only rows whose 64-bit key hash occurs twice are ranked (usually none)
    con.execute(f"""
        create or replace temp table _ww_lookup_repeated as
        select _row from (
            select * from {JUDGED}
            where _kh in (select _kh from {JUDGED} where _kh is not null group by _kh having count(*) > 1)
        ) qualify {repeated_sql(contract)}
    """)
    repeated = con.execute("select count(*) from _ww_lookup_repeated").fetchall()[0][0]  # type: ignore[index]
    first = (
        f"select * from {JUDGED} where not _problem and _row not in (select _row from _ww_lookup_repeated)"
    )
    select = ", ".join(
        [f"n.{q(c)}" for c in cols]
        + [
            "n._extra",
            f"{int(file_id)}::integer",
            "n._line::integer",
            f"date '{extract_date.isoformat()}'",
            "n._row_hash",
        ]
    )
    content = [c for c in cols if not c.endswith("_masked") and c not in key] if contract.mutable else []
    stored, params, same_content = stored_condition(con, contract, key, content, extract_date)
    # the rows already stored, matched on the columns compared only (their `_row`): the match never carries the
    # file's other columns, and a file of new days skips it
    con.execute("create or replace temp table _ww_lookup_stored (_row bigint)")
    if stored is not None:
        narrow = f"select _row, {', '.join(q(c) for c in [*key, *content])} from ({first})"
        con.execute(f"insert into _ww_lookup_stored select n._row from ({narrow}) n where {stored}", params)
    # in file order, as the rows came: the lookups' joins scatter them, and the order is what lets the date
    # window skip row groups (zone maps) and the columns compress
    inserted = con.execute(
        f"insert into {table} select {select} from ({first}) n "
        "where n._row not in (select _row from _ww_lookup_stored) order by n._row"
    ).fetchall()[0][0]  # type: ignore[index]
    kept = con.execute(f"select count(*) from ({first})").fetchall()[0][0]  # type: ignore[index]
    changed = 0
    if same_content is not None and int(kept) > int(inserted):
        matched = f"select _row, _row_hash, {', '.join(q(c) for c in key)} from {JUDGED} where _row in (select _row from _ww_lookup_stored)"
        changed = con.execute(
            f"select count(*) from ({matched}) n where not {same_content}", params
        ).fetchall()[0][0]  # type: ignore[index]
    return Inserted(int(repeated), int(kept) - int(inserted), int(changed))


def stored_condition(
    con: duckdb.DuckDBPyConnection, contract: Contract, key: list[str], content: list[str], extract_date: date
) -> tuple[str | None, list, str | None]:
    """A condition on a new row `n` of `_ww_judged`: it is already stored (None: nothing stored can match), and its
    parameters. Events by natural key inside the file's date window; a mutable row when it equals its key's latest
    version as of this extract, compared on `content`. Third, for events, the same condition with the row hash
    too (the stored row has this content), taking the same parameters; None for mutable entities."""
    table = f"raw_{contract.entity}"
    types = dict(entity_columns(contract))
    params: list = []
    stored: str | None = None  # a condition on `n`: the row is already stored
    if not contract.mutable:
        on = " and ".join(f"r.{q(c)} = n.{q(c)}" for c in key)
        window, nothing_stored = "", False
        dated = [c for c in key if types.get(c, "").upper().startswith(("DATE", "TIMESTAMP"))]
        if dated:
            lo, hi = con.execute(
                f"select min({q(dated[0])}), max({q(dated[0])}) from {JUDGED} where not _problem"
            ).fetchall()[0]  # type: ignore[misc]
            if lo is not None:
                window, params = f" and r.{q(dated[0])} between ? and ?", [lo, hi]
                # a file of new days (the usual night): nothing stored in its window, nothing to match
                probe = f"select exists (select 1 from {table} r where true{window})"
                nothing_stored = not con.execute(probe, params).fetchall()[0][0]  # type: ignore[index]
        if not nothing_stored:
            stored = f"exists (select 1 from {table} r where {on}{window})"
            same = f"exists (select 1 from {table} r where {on} and r._row_hash = n._row_hash{window})"
            return stored, params, same
    if contract.mutable:
        keys = ", ".join(f"t.{q(c)}" for c in key)
        same = " and ".join(f"t.{q(c)} = s.{q(c)}" for c in key)
        latest = (
            f"(select {keys}, {', '.join(f't.{q(c)}' for c in content) or 'null as _none'} from {table} t "
            f"semi join (select distinct {', '.join(q(c) for c in key)} from {JUDGED} where not _problem) s "
            f"on {same} where t._extract_date <= ? "
            f"qualify row_number() over (partition by {keys} "
            "order by t._extract_date desc, t._file_id desc, t._line desc) = 1)"
        )
        on = " and ".join(
            [f"r.{q(c)} = n.{q(c)}" for c in key]
            + [f"r.{q(c)} is not distinct from n.{q(c)}" for c in content]
        )
        stored = f"exists (select 1 from {latest} r where {on})"
        params = [extract_date]
    return stored, params, None


def subset_sql(contract: Contract) -> str:
    """The columns that make two rows of one file the same: the natural key (events), the content (mutable)."""
    return ", ".join(q(c) for c in (raw_key(contract) if not contract.mutable else ["_row_hash"]))


def keyless_sql(contract: Contract) -> str:
    return " or ".join(f"{q(c)} is null" for c in raw_key(contract))


def repeated_sql(contract: Contract) -> str:
    """True for a good row repeated earlier in the file (over rows with `_row` and `_problem`): events by natural
    key, mutable entities by content (`_row_hash`); a row with a null key part is never matched with another."""
    key = raw_key(contract)
    subset = key if not contract.mutable else ["_row_hash"]
    part = ", ".join(q(c) for c in ["_problem", *subset])
    keyless = " or ".join(f"{q(c)} is null" for c in key)
    return (
        f"coalesce(not _problem and not ({keyless}) "
        f"and row_number() over (partition by {part} order by _row) > 1, false)"
    )


def first_in_file_sql(contract: Contract, rows: str) -> str:
    """The rows of `rows` (a SELECT with `_row` and `_problem`) not repeated earlier in the file."""
    return f"select * from ({rows}) qualify not {repeated_sql(contract)}"


def drop(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop table if exists {JUDGED}")
    for (name,) in con.execute(
        "select table_name from duckdb_tables() where temporary and table_name like '_ww_lookup_%'"
    ).fetchall():
        con.execute(f"drop table {name}")


def text_sql(name: str, dtype: str) -> str:
    """A Parquet column as the text readers._read_parquet makes of it."""
    c = q(name)
    t = dtype.upper()
    if t.startswith("TIMESTAMP"):
        return f"strftime({c}, '%Y-%m-%d %H:%M:%S')"
    if t == "DATE":
        return f"strftime({c}, '%Y-%m-%d')"
    if t == "BOOLEAN":
        return f"case when {c} then '1' when not {c} then '0' end"
    return f"cast({c} as varchar)"


__all__ = ["DUCKDB_TYPES", "Inserted", "counts", "drop", "insert_new", "judge", "problems", "text_sql"]
