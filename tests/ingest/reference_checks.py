"""The loader's typing and checking rules written a second, independent way (polars column expressions): the oracle
tests/ingest/test_fused_sql.py compares the product's one definition (DuckDB SQL, pipelines/ingest/fused.py) with.

It was the loader's own code before the load became one SQL statement per file; the rules' data (reason codes,
boolean words, the date range) stays in pipelines/ingest/validate.py and is imported from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal

import polars as pl

from pipelines.contracts import Column, Contract
from pipelines.identifiers import ID_CHECK, ID_WEIGHTS, USCC_ALPHABET, USCC_WEIGHTS
from pipelines.ingest.validate import (
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

PROBLEM_SCHEMA = {
    "_row": pl.UInt32,
    "_line": pl.Int32,
    "column_name": pl.Utf8,
    "value": pl.Utf8,
    "reason_code": pl.Utf8,
}


@dataclass
class Checked:
    """Typed rows (canonical names, still clear personal values) and the problems found."""

    typed: pl.DataFrame  # one row per input row, "_line" and "_row" kept, "_problem" bool
    problems: pl.DataFrame  # _row, _line, column_name, value, reason_code


def normalise_text(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """NFKC, strip, empty or a word for none → null for the given string columns (NFKC only where a column holds non-ASCII text:
    ASCII is its own NFKC form)."""
    if not columns or not df.height:
        return df
    wide = df.select(pl.col(c).str.contains(r"[^\x00-\x7F]").any() for c in columns).row(0)
    return df.with_columns(
        (pl.col(c).str.normalize("NFKC") if has_wide else pl.col(c))
        .str.strip_chars()
        .replace([*NONE_WORDS, ""], None)
        .alias(c)
        for c, has_wide in zip(columns, wide, strict=True)
    )


def check_rows(df: pl.DataFrame, contract: Contract, extract_date: date) -> Checked:
    """Type every contract column present; collect one problem per bad value. One pass of column expressions.

    Every natural-key part is required, present in the header or not: a row without its key (a payload whose
    parent fields were lost, a header lacking a key column, an empty cell) cannot be stored or matched reliably
    and is quarantined as missing_required, never merged with other rows (sources.md "Delivery").
    Rows are told apart by `_row` (added here when absent): records of one payload line share their `_line`.

    Each column C gives its typed value and `_why.C`, the first failing check's reason code (null when fine);
    the problems are the non-null reasons, with C's normalised text as the value.
    """
    if "_row" not in df.columns:
        df = df.with_row_index("_row")
    df = df.with_columns([pl.lit(None, pl.Utf8).alias(k) for k in contract.key if k not in df.columns])
    present = [
        replace(c, required=True) if c.name in contract.key else c
        for c in contract.columns
        if c.name in df.columns
    ]
    df = normalise_text(df, [c.name for c in present])
    columns = {c.name: c for c in present}
    # two lazy passes: each text column C parsed once (`_parsed.C`: a date, a number, a mapped code …), then its
    # typed value (`_typed.C`) and the first failing check's reason code (`_why.C`, null when fine) from the text
    # and the parse
    parsed = {c.name: _parse(c) for c in present}
    judged = [(col, *_judge(col, extract_date, columns, _parsed(col.name, parsed))) for col in present]
    why = {col.name: f"_why.{col.name}" for col, _, reason in judged if reason is not None}
    frame = (
        df.lazy()
        .with_columns(p.alias(f"_parsed.{name}") for name, p in parsed.items() if p is not None)
        .with_columns(
            [value.alias(f"_typed.{col.name}") for col, value, _ in judged]
            + [reason.alias(why[col.name]) for col, _, reason in judged if reason is not None]
        )
        .collect()
    )
    problems = pl.concat(
        [
            pl.DataFrame(schema=PROBLEM_SCHEMA),
            *(
                frame.filter(pl.col(w).is_not_null()).select(
                    pl.col("_row"),
                    pl.col("_line"),
                    pl.lit(name).alias("column_name"),
                    pl.when(pl.col(w) != "missing_required")
                    .then(pl.col(name))
                    .alias("value"),  # missing: none
                    pl.col(w).alias("reason_code"),
                )
                for name, w in why.items()
            ),
        ],
        how="vertical_relaxed",
    )
    bad = pl.any_horizontal(pl.col(w).is_not_null() for w in why.values()) if why else pl.lit(False)
    typed = frame.with_columns(
        [pl.col(f"_typed.{c}").alias(c) for c in columns] + [bad.alias("_problem")]
    ).drop(
        *why.values(),
        *(f"_typed.{c}" for c in columns),
        *(f"_parsed.{c}" for c, p in parsed.items() if p is not None),
    )
    missing = [pl.lit(None).alias(n) for n in contract.column_names if n not in typed.columns]
    return Checked(typed.with_columns(missing), problems)


def _first_reason(checks: list[tuple[pl.Expr, str]]) -> pl.Expr | None:
    """The first failing check's reason code, null when every check passes."""
    if not checks:
        return None
    cond, code = checks[0]
    chain = pl.when(cond).then(pl.lit(code))
    for cond, code in checks[1:]:
        chain = chain.when(cond).then(pl.lit(code))
    return chain.otherwise(pl.lit(None, pl.Utf8))


def _parse(col: Column) -> pl.Expr | None:
    """A text column read as its type (null where it cannot be); None for text kept as text."""
    s = pl.col(col.name)
    if col.type == "code":
        return _code_value(s, col)
    if col.type == "bool":
        return s.str.to_lowercase()
    if col.type in ("decimal", "int"):
        number = s.str.replace_all(",", "", literal=True)
        value = number.cast(pl.Float64, strict=False)
        if col.type == "int":
            return pl.when(~value.is_infinite()).then(value)  # inf: no number; nan: no value (_judge)
        for unit, places in UNIT_SHIFTS.get(col.unit or "", ()):
            in_unit = number.map_elements(
                lambda t, unit=unit, places=places: _in_other_unit(t, unit, places), return_dtype=pl.Float64
            )
            value = value.fill_null(in_unit)
        value = value.fill_null(number.str.replace_all(MONEY_MARKS, "").cast(pl.Float64, strict=False))
        return pl.when(~value.is_infinite()).then(value)
    if col.type == "date":
        return _parse_date(s)
    if col.type == "datetime":
        return _parse_datetime(s)
    if col.type == "month":
        return _parse_month(s)
    if col.type in ("str", "area"):
        return None
    raise ValueError(f"unknown column type {col.type}")


def _in_other_unit(text: str, unit: str, places: int) -> float | None:
    """12.5万元 → 125000.0, 20% → 0.2: Python's Decimal, exact, then the nearest float; None when not such a number."""
    if not text.endswith(unit):
        return None
    digits = re.sub(r"^[¥￥] *", "", text.removesuffix(unit).rstrip(" "))
    if not re.fullmatch(r"-?([0-9]+[.]?[0-9]*|[.][0-9]+)", digits):
        return None
    return float(Decimal(digits).scaleb(places))


def _parsed(name: str, parsed: dict[str, pl.Expr | None]) -> pl.Expr:
    return pl.col(f"_parsed.{name}") if parsed.get(name) is not None else pl.col(name)


def _judge(
    col: Column, extract_date: date, present: dict[str, Column], p: pl.Expr
) -> tuple[pl.Expr, pl.Expr | None]:
    """The typed value and, where it fails, a reason code (null when fine), from the text and its parse `p`.

    A missing value fails only a required column; every other check applies to a present value, and a check that
    cannot be evaluated (null) fails. The first failing check gives the reason: the text's, then the type's."""
    present_ = pl.col(col.name).is_not_null()
    if col.type in (
        "decimal",
        "int",
    ):  # a number that reads as NaN (nan, -NAN) is no value, as a word for none
        present_ = present_ & ~p.is_nan().fill_null(False)
    value, type_failures = _type_failures(col, p, extract_date)
    checks: list[tuple[pl.Expr, str]] = [(~present_, "missing_required")] if col.required else []
    checks += [
        (present_ & cond.fill_null(True), code)
        for cond, code in [*_text_failures(col, present), *type_failures]
    ]
    return value, _first_reason(checks)


def _text_failures(col: Column, present: dict[str, Column]) -> list[tuple[pl.Expr, str]]:
    """Checks on the text itself, as (fails, reason code): area code shape, length, check digits."""
    s = pl.col(col.name)
    out: list[tuple[pl.Expr, str]] = []
    if col.type == "area":
        out.append((~s.str.contains(r"^\d{6}$"), "bad_area"))
    if col.type in ("str", "area") and col.max_length:
        out.append((s.str.len_chars() > col.max_length, "too_long"))
    if col.check == "uscc":
        out.append((~_valid_uscc(s), "uscc_check_digit"))
    if col.check == "id_card":
        # GB 11643 check digit on resident ID numbers: type 01 (a null type counts as 01), or 18 characters where
        # the file has no type column
        if col.check_type_column and col.check_type_column in present:
            applies = pl.col(f"_parsed.{col.check_type_column}").fill_null("01") == "01"
        else:
            applies = s.str.len_chars() == 18
        out.append((applies.fill_null(False) & ~_valid_id_number(s), "id_check_digit"))
    return out


def _type_failures(col: Column, p: pl.Expr, extract_date: date) -> tuple[pl.Expr, list[tuple[pl.Expr, str]]]:
    """The typed value from the parse `p`, and the checks on it as (fails, reason code): a known code, a boolean
    word, a number within its bounds, a date within [MIN_DATE, MAX_DATE] (a datetime: up to the day after the
    extract)."""
    out: list[tuple[pl.Expr, str]] = []
    value = p
    if col.type == "code" and col.codes and not col.open_set:
        out.append((~p.is_in(list(col.codes)), "unknown_code"))
    elif col.type == "bool":
        value = pl.when(p.is_in(TRUE_WORDS)).then(True).when(p.is_in(FALSE_WORDS)).then(False).otherwise(None)
        out.append((~p.is_in(TRUE_WORDS + FALSE_WORDS), "bad_bool"))
    elif col.type in ("decimal", "int"):
        out.append((p.is_null(), "bad_number"))
        if col.min is not None:
            out.append((p < col.min, "out_of_range"))
        if col.max is not None:
            out.append((p > col.max, "out_of_range"))
        if col.min_exclusive is not None:
            out.append((p <= col.min_exclusive, "out_of_range"))
        finite = pl.when(p.is_finite()).then(p)
        value = finite.cast(pl.Int32, strict=False) if col.type == "int" else finite
    elif col.type in ("date", "month"):
        out.append((p.is_null(), "bad_date"))
        out.append(((p < MIN_DATE) | (p > MAX_DATE), "out_of_range"))
        value = p.dt.strftime("%Y-%m") if col.type == "month" else p
    elif col.type == "datetime":
        out.append((p.is_null(), "bad_date"))
        day = p.dt.date()
        out.append(((day < MIN_DATE) | (day > pl.lit(extract_date).dt.offset_by("1d")), "out_of_range"))
    return value, out


def _code_value(s: pl.Expr, col: Column) -> pl.Expr:
    """A code as stored: a label exported for its code mapped to the code; else vendor aliases mapped, then digits
    zero-padded to the code width."""
    value = s.str.to_uppercase().replace(col.aliases) if col.aliases else s
    if col.width:
        value = pl.when(value.str.contains(r"^\d+$")).then(value.str.zfill(col.width)).otherwise(value)
    if col.labels:
        value = pl.when(s.is_in(list(col.labels))).then(s.replace(col.labels)).otherwise(value)
    return value


def _respelled(s: pl.Expr, spellings: list[tuple[str, str, str]]) -> list[tuple[pl.Expr, str]]:
    return [(s.str.replace(pattern, to), fmt) for pattern, to, fmt in spellings]


def _parse_date(s: pl.Expr) -> pl.Expr:
    head = s.str.slice(0, 10)
    tries = [(head, "%Y-%m-%d"), (head, "%Y/%m/%d"), (s, "%Y%m%d")]
    spelled = _first_format(pl.Date, tries + _respelled(s, DATE_SPELLINGS))
    return pl.coalesce(_zoned(s).dt.date(), spelled, _excel_day(s), _epoch(s).dt.date())


def _in_china(t: pl.Expr) -> pl.Expr:
    """An instant (a zone-aware datetime) as the wall-clock time in China, the tz database's Asia/Shanghai."""
    return t.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None).cast(pl.Datetime("us"))


def _zoned(s: pl.Expr) -> pl.Expr:
    """A time written with its zone (Z, +08, +08:00, +0800) read by chrono's %z after its spelling is made one."""
    written = s.str.extract(ZONED, 1) + " " + s.str.extract(ZONED, 2)
    written = pl.when(written.str.len_chars() == 16).then(written + ":00").otherwise(written)
    zone = s.str.extract(ZONED, 3).str.replace("^Z$", "+00:00").str.replace(":", "")
    zone = pl.when(zone.str.len_chars() == 3).then(zone + "00").otherwise(zone)
    aware = (written + zone).str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%d %H:%M:%S%z", strict=False)
    return _in_china(aware)


def _epoch(s: pl.Expr) -> pl.Expr:
    """Milliseconds or seconds since 1970 UTC, as the wall-clock time in China."""
    n = s.cast(pl.Int64, strict=False)
    ms = (
        pl.when(s.str.contains(EPOCH_MILLISECONDS)).then(n).when(s.str.contains(EPOCH_SECONDS)).then(n * 1000)
    )
    return _in_china(pl.from_epoch(ms, time_unit="ms").dt.replace_time_zone("UTC"))


def _parse_datetime(s: pl.Expr) -> pl.Expr:
    formats = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
    spelled = _first_format(pl.Datetime("us"), [(s, f) for f in formats] + _respelled(s, DATETIME_SPELLINGS))
    seconds = (s.cast(pl.Float64, strict=False) * 86400 + 0.5).floor().cast(pl.Int64)
    serial = pl.lit(datetime.combine(EXCEL_EPOCH, time())) + pl.duration(seconds=seconds)
    excel = pl.when(s.str.contains(EXCEL_SERIAL)).then(serial).cast(pl.Datetime("us"))
    return pl.coalesce(spelled, _zoned(s), excel, _epoch(s))


def _parse_month(s: pl.Expr) -> pl.Expr:
    yyyymm = pl.when(s.str.len_chars() == 6).then(s + "01")  # 45901 (a serial number) is not 4590-10
    tries = [(s, "%Y-%m-%d"), (s + "-01", "%Y-%m-%d"), (yyyymm, "%Y%m%d")]
    spelled = _first_format(pl.Date, tries + _respelled(s, MONTH_SPELLINGS))
    return pl.coalesce(_zoned(s).dt.date(), spelled, _excel_day(s), _epoch(s).dt.date())


def _excel_day(s: pl.Expr) -> pl.Expr:
    """A spreadsheet's serial number as the day it counts from Excel's epoch; null for any other text."""
    days = s.cast(pl.Float64, strict=False).floor().cast(pl.Int64)
    return (
        pl.when(s.str.contains(EXCEL_SERIAL)).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=days)).cast(pl.Date)
    )


def _first_format(dtype: pl.DataType, tries: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The first (text, format) that parses. The usual format is tried on every value, the others only on the
    values it did not parse (a null parses at no cost)."""
    (text, fmt), *others = tries
    first = text.str.strptime(dtype, fmt, strict=False, cache=False)
    rest = [
        pl.when(first.is_null()).then(t).str.strptime(dtype, f, strict=False, cache=False) for t, f in others
    ]
    return pl.coalesce(first, *rest)


def _weighted_sum(s: pl.Expr, digit_of: dict[str, int], weights: tuple[int, ...]) -> pl.Expr:
    """Σ value(character i) × weight i over the first len(weights) characters (null when one is not in digit_of)."""
    return pl.sum_horizontal(
        s.str.slice(i, 1).replace_strict(digit_of, default=None, return_dtype=pl.Int64) * w
        for i, w in enumerate(weights)
    )


def _valid_id_number(s: pl.Expr) -> pl.Expr:
    """identifiers.is_valid_id_number as an expression: 17 digits, then the GB 11643 check character."""
    shaped = s.str.contains(r"^[0-9]{17}") & (s.str.len_chars() == 18)
    n = s.str.slice(0, 17).cast(pl.Int64, strict=False)  # the 17 digits as one number, read digit by digit
    total = pl.sum_horizontal((n // 10 ** (16 - i)) % 10 * w for i, w in enumerate(ID_WEIGHTS))
    expected = (total % 11).replace_strict(dict(enumerate(ID_CHECK)), return_dtype=pl.Utf8)
    return shaped & (s.str.slice(17, 1).str.to_uppercase() == expected).fill_null(False)


def _valid_uscc(s: pl.Expr) -> pl.Expr:
    """identifiers.is_valid_uscc as an expression: 18 characters of the GB 32100 alphabet, then its check."""
    up = s.str.to_uppercase()
    total = _weighted_sum(up, {ch: i for i, ch in enumerate(USCC_ALPHABET)}, USCC_WEIGHTS)
    expected = ((31 - total % 31) % 31).replace_strict(dict(enumerate(USCC_ALPHABET)), return_dtype=pl.Utf8)
    shaped = up.str.contains("^[" + USCC_ALPHABET + "]{18}$")
    return shaped & (up.str.slice(17, 1) == expected).fill_null(False)
