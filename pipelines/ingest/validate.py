"""Normalise and type a file's rows against its contract; every problem becomes a quarantine record.

Normalisation, written down (sources.md "codes may arrive …"):
- every value: Unicode NFKC (full-width digits and letters → ASCII, e.g. "２０" → "20"), surrounding spaces removed,
  empty → null;
- codes: vendor aliases from the contract first (attendance direction E/IN/I/进 → 01, L/OUT/O/0/出 → 02;
  account direction IN/CR → 01, OUT/DR → 02), then digits zero-padded to the code width ("3" → "003");
- booleans: 1/0, true/false, t/f, y/n, yes/no, 是/否;
- dates: yyyy-MM-dd, yyyy/MM/dd, yyyyMMdd (a time part is ignored); times: yyyy-MM-dd HH:mm:ss, with "/" or "T";
  months: yyyy-MM or yyyyMM.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from pipelines.contracts import Column, Contract
from pipelines.identifiers import is_valid_id_number, is_valid_uscc

MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2080, 12, 31)

REASONS_ZH = {
    "broken_line": "行格式错误（字段数与表头不符或无法解析）",
    "missing_required": "必填字段为空",
    "bad_date": "日期格式无法识别",
    "bad_number": "数值格式无法识别",
    "bad_bool": "是/否字段取值无法识别",
    "out_of_range": "取值超出合理范围",
    "unknown_code": "代码不在标准代码表中",
    "id_check_digit": "证件号码校验位错误",
    "uscc_check_digit": "统一社会信用代码校验位错误",
    "too_long": "字段长度超过标准",
    "bad_area": "行政区划代码应为6位数字",
}

TRUE_WORDS = ["1", "true", "t", "y", "yes", "是"]
FALSE_WORDS = ["0", "false", "f", "n", "no", "否"]


@dataclass
class Checked:
    """Typed rows (canonical names, still clear personal values) and the problems found."""

    typed: pl.DataFrame  # one row per input row, "_line" and "_row" kept, "_problem" bool
    problems: pl.DataFrame  # _row, _line, column_name, value, reason_code


def normalise_text(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """NFKC, strip, empty → null for the given string columns."""
    return df.with_columns(
        [pl.col(c).str.normalize("NFKC").str.strip_chars().replace("", None).alias(c) for c in columns]
    )


def check_rows(df: pl.DataFrame, contract: Contract, extract_date: date) -> Checked:
    """Type every contract column present; collect one problem per bad value.

    Every natural-key part is required, present in the header or not: a row without its key (a payload whose
    parent fields were lost, a header lacking a key column, an empty cell) cannot be stored or matched reliably
    and is quarantined as missing_required, never merged with other rows (sources.md "Delivery").
    Rows are told apart by `_row` (added here when absent): records of one payload line share their `_line`.
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
    typed_exprs, problem_frames = [], []
    for col in present:
        typed, bad = _column(col, df, extract_date)
        typed_exprs.append(typed.alias(col.name))
        if bad is not None:
            problem_frames.append(
                df.select(
                    pl.col("_row"),
                    pl.col("_line"),
                    pl.lit(col.name).alias("column_name"),
                    pl.col(col.name).alias("value"),
                    bad.alias("reason_code"),
                ).filter(pl.col("reason_code").is_not_null())
            )
    # id check digit governed by a type column (01 = resident ID); rows without the column: check 18-char values
    typed = df.with_columns(typed_exprs)
    for col in present:
        if col.check == "id_card":
            problem_frames.append(_id_checks(df, typed, col))
    for name in contract.column_names:
        if name not in typed.columns:
            typed = typed.with_columns(pl.lit(None).alias(name))
    problems = (
        pl.concat(problem_frames, how="vertical")
        if problem_frames
        else pl.DataFrame(
            schema={
                "_row": pl.UInt32,
                "_line": pl.Int32,
                "column_name": pl.Utf8,
                "value": pl.Utf8,
                "reason_code": pl.Utf8,
            }
        )
    )
    bad_rows = problems["_row"].unique()
    typed = typed.with_columns(pl.col("_row").is_in(bad_rows.implode()).alias("_problem"))
    return Checked(typed, problems)


def _first_reason(checks: list[tuple[pl.Expr, str]]) -> pl.Expr | None:
    """The first failing check's reason code, null when every check passes."""
    if not checks:
        return None
    cond, code = checks[0]
    chain = pl.when(cond).then(pl.lit(code))
    for cond, code in checks[1:]:
        chain = chain.when(cond).then(pl.lit(code))
    return chain.otherwise(pl.lit(None, pl.Utf8))


def _column(col: Column, df: pl.DataFrame, extract_date: date) -> tuple[pl.Expr, pl.Expr | None]:
    """The typed value and, where it fails, a reason code (null when fine)."""
    s = pl.col(col.name)
    present = s.is_not_null()
    checks: list[tuple[pl.Expr, str]] = [(~present, "missing_required")] if col.required else []

    def bad(cond: pl.Expr, code: str) -> None:
        checks.append((present & cond.fill_null(True), code))

    if col.type in ("str", "area"):
        value: pl.Expr = s
        if col.type == "area":
            bad(~s.str.contains(r"^\d{6}$"), "bad_area")
        if col.max_length:
            bad(s.str.len_chars() > col.max_length, "too_long")
        if col.check == "uscc":
            bad(~s.map_elements(is_valid_uscc, return_dtype=pl.Boolean, skip_nulls=True), "uscc_check_digit")
    elif col.type == "code":
        value = s.str.to_uppercase().replace(col.aliases) if col.aliases else s
        if col.width:
            value = pl.when(value.str.contains(r"^\d+$")).then(value.str.zfill(col.width)).otherwise(value)
        if col.codes and not col.open_set:
            bad(~value.is_in(list(col.codes)), "unknown_code")
    elif col.type == "bool":
        low = s.str.to_lowercase()
        value = (
            pl.when(low.is_in(TRUE_WORDS)).then(True).when(low.is_in(FALSE_WORDS)).then(False).otherwise(None)
        )
        bad(~low.is_in(TRUE_WORDS + FALSE_WORDS), "bad_bool")
    elif col.type in ("decimal", "int"):
        num = s.str.replace_all(",", "").cast(pl.Float64, strict=False)
        bad(num.is_null(), "bad_number")
        if col.min is not None:
            bad(num < col.min, "out_of_range")
        if col.max is not None:
            bad(num > col.max, "out_of_range")
        if col.min_exclusive is not None:
            bad(num <= col.min_exclusive, "out_of_range")
        value = num.cast(pl.Int32, strict=False) if col.type == "int" else num
    elif col.type == "date":
        value = _parse_date(s)
        bad(value.is_null(), "bad_date")
        bad((value < MIN_DATE) | (value > MAX_DATE), "out_of_range")
    elif col.type == "datetime":
        value = _parse_datetime(s)
        bad(value.is_null(), "bad_date")
        bad(
            (value.dt.date() < MIN_DATE) | (value.dt.date() > pl.lit(extract_date).dt.offset_by("1d")),
            "out_of_range",
        )
    elif col.type == "month":
        d = pl.coalesce(
            s.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
            (s + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False),
            (s + "01").str.strptime(pl.Date, "%Y%m%d", strict=False),
        )
        bad(d.is_null(), "bad_date")
        bad((d < MIN_DATE) | (d > MAX_DATE), "out_of_range")
        value = d.dt.strftime("%Y-%m")
    else:
        raise ValueError(f"unknown column type {col.type}")
    return value, _first_reason(checks)


def _parse_date(s: pl.Expr) -> pl.Expr:
    head = s.str.slice(0, 10)
    return pl.coalesce(
        head.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        head.str.strptime(pl.Date, "%Y/%m/%d", strict=False),
        s.str.strptime(pl.Date, "%Y%m%d", strict=False),
    )


def _parse_datetime(s: pl.Expr) -> pl.Expr:
    return pl.coalesce(
        s.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False),
        s.str.strptime(pl.Datetime("us"), "%Y/%m/%d %H:%M:%S", strict=False),
        s.str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False),
        s.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M", strict=False),
    )


def _id_checks(df: pl.DataFrame, typed: pl.DataFrame, col: Column) -> pl.DataFrame:
    """GB 11643 check digit on resident ID numbers (type 01, or 18 characters where no type is given)."""
    value = df[col.name]
    if col.check_type_column and col.check_type_column in typed.columns:
        applies = typed[col.check_type_column].fill_null("01") == "01"
    else:
        applies = value.str.len_chars() == 18
    uniq = value.drop_nulls().unique()
    valid = dict(zip(uniq.to_list(), [is_valid_id_number(v) for v in uniq.to_list()], strict=True))
    ok = value.replace_strict(valid, default=True, return_dtype=pl.Boolean)
    bad = applies.fill_null(False) & value.is_not_null() & ~ok
    return pl.DataFrame(
        {
            "_row": df["_row"].filter(bad),
            "_line": df["_line"].filter(bad),
            "column_name": pl.Series([col.name] * int(bad.sum()), dtype=pl.Utf8),
            "value": value.filter(bad),
            "reason_code": pl.Series(["id_check_digit"] * int(bad.sum()), dtype=pl.Utf8),
        }
    )
