"""The entity of a delivered file whose name does not say it in English (工资表.xlsx, 2025年11月考勤.csv).

sources.md names a file's entity by the start of its name (`payroll_1231.csv`). An office uploads what its people
named: 工资发放明细_1231.csv, 11月工资表.xlsx, 花名册.xls. Such a file was refused whole (unknown_entity). Now, when
the name does not start with an entity:
  1. a name starting with an entity's Chinese name (the contract's `zh`: 工资发放明细, 考勤记录, 项目人员花名册) is
     that entity, as the English name is;
  2. else the file's header decides: the entity whose key columns the header names all of (its own spellings and
     the shared synonyms: contracts.header_map), the one of them whose columns the header names most of — a pay
     sheet names a roster's key too (项目编码, 证件号码), and more of the payroll's. Two entities naming as many, or
     none: refused, saying why. The header is found as the loader finds it (subheaders.header_found: on row 1 or
     below a title, over one row or two), in any sheet.
The night's bulletin names the file and the entity it was read as (the ledger's `reason` of the loaded file:
load._recognised, load_facts.recognised_entity_findings).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.contracts import all_contracts, load_contract
from pipelines.ingest import disguised
from pipelines.ingest.readers import RawRows, UnreadableFileError, read_any, read_xlsx_sheets
from pipelines.ingest.subheaders import header_found, named_columns

log = logging.getLogger(__name__)


def entity_of_chinese_name(filename: str) -> str | None:
    """The entity whose Chinese name the file's name starts with (longest name first: 项目人员花名册 before 项目)."""
    stem = Path(filename).name
    for contract in sorted(all_contracts().values(), key=lambda c: len(c.zh), reverse=True):
        if stem.startswith(contract.zh):
            return contract.entity
    return None


@dataclass
class Read:
    """A file as read to find its entity, kept for loading it (the same reader's output: not read twice)."""

    sheets: list[tuple[str, RawRows]] | None = None  # a workbook's, hidden ones too
    rows: RawRows | None = None  # a CSV's, JSON's or JSONL's


def entity_of_headers(path: Path, raw: bytes, fmt: str | None) -> tuple[str | None, str, Read]:
    """The entity the file's header names (module docstring), in Chinese why none when there is none, and the file
    as read."""
    read = Read()
    try:
        sheets = _sheets(path, raw, fmt, read)
    except (UnreadableFileError, OSError, pl.exceptions.PolarsError):
        return None, "文件名不以任何已知数据实体开头，文件也无法读取表头，未加载", read
    scores: dict[str, int] = {}
    for entity, contract in all_contracts().items():
        known = contract.header_reader()
        named = [named_columns(header_found(rows, contract, path.name), known) for rows in sheets]
        complete = [len(n) for n in named if set(contract.key) <= n]
        if complete:
            scores[entity] = max(complete)
    if not scores:
        return None, "文件名不以任何已知数据实体开头，表头也未包含任何数据实体的全部主键字段，未加载", read
    best = max(scores.values())
    winners = sorted(e for e, s in scores.items() if s == best)
    if len(winners) > 1:
        names = "、".join(load_contract(e).zh for e in winners)
        return None, f"文件名不以任何已知数据实体开头，表头同样符合{names}，无法确定，未加载", read
    return winners[0], "", read


def _sheets(path: Path, raw: bytes, fmt: str | None, read: Read) -> list[RawRows]:
    """The file's rows as the loader reads them (kept in `read`), a workbook's sheet by sheet; a Parquet file's
    columns only."""
    if fmt == "parquet":
        return [RawRows(pl.DataFrame(schema=dict.fromkeys(pl.read_parquet_schema(path), pl.Utf8)), None)]
    if fmt in ("xlsx", "xls"):
        read.sheets = read_xlsx_sheets(path) if disguised.is_workbook(raw) else disguised.text_sheets(raw)
        # as the loader: a hidden sheet is not data
        return [rows for _, rows in read.sheets if not rows.hidden]
    if fmt is None:
        return []
    read.rows = read_any(path)
    return [read.rows]
