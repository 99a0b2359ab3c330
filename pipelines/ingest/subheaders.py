"""A header over two rows: a group's name merged across the columns under it, their own names on the row below.

A payroll sheet kept by hand heads its amounts so: 应发工资 merged over 基本工资 | 加班工资 | 合计, or 工资（元） over
应发金额 | 实发金额. A reader sees the group's name above its first column only (the others unnamed: __UNNAMED__<i>,
or an empty CSV header) and the row of sub-names as the first record. Read so, 应发工资 named the 基本工资 column —
the payroll's 应发金额 silently the basic wage alone — and the row of sub-names was quarantined as a record without
its key. `joined` reads the two rows as one header:
  - the row below the header is a row of names when every key column is empty in it, every value in it is text
    (no number) and at least one of them sits under a group (an unnamed column right of a named one);
  - a column under a group is named by its own name when the contract knows it (应发金额), else by the group's name
    and its own (应发工资合计, which `header_synonyms` knows as 应发金额; 应发工资基本工资, which nothing knows, stays
    an extra column and is named in the bulletin);
  - a column outside any group keeps its name (项目编码 merged down both rows: empty below it, or its own name
    again where the merge was filled down);
  - the row of names is dropped; every record keeps its line.
A first record with its key is never a row of names, so nothing loadable is ever taken for one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from pipelines.contracts import Contract
from pipelines.ingest.readers import UNNAMED, RawRows, is_unnamed

log = logging.getLogger("wagewatch.ingest")

_NUMBER = re.compile(r"^[-+]?[0-9０-９][0-9０-９,.，．]*%?$")


TITLE_ROWS_MAX = 5  # how far down a sheet its header may be, below a title


def header_found(rows: RawRows, contract: Contract, rel: str) -> RawRows:
    """A sheet's or a CSV's rows under its header: on row 1 or below a title, over one row or two (`joined`). A
    sheet made by hand often has a title above its header (「某项目2025年11月农民工工资发放表」 on row 1, the header on
    row 2): when the first row names no key column, the first of the next TITLE_ROWS_MAX rows that names them all —
    itself or with the row below it, a key column such as 项目编码 under a group 项目 over 编码 | 名称 — is the header,
    and the rows above it are dropped; every row keeps its line. Otherwise the first row (with the second, when they
    make one header), or the rows as read (the file is then refused for its missing columns, naming the headers it
    has). The loader reads a file's header so, and the file recogniser (recognise.py) a file's entity from it."""
    keys = set(contract.key)
    known = contract.header_reader()

    def named(found: RawRows) -> set[str]:
        return named_columns(found, known)

    if keys & named(rows):
        return joined(rows, known, keys, rel)
    frame = rows.frame
    columns = [c for c in frame.columns if c != "_line"]
    for i, values in enumerate(frame.head(TITLE_ROWS_MAX).select(columns).iter_rows()):
        header = [(v or "").strip() or f"{UNNAMED}{n}" for n, v in enumerate(values)]
        if len(set(header)) != len(header):
            continue
        line = int(frame["_line"][i])
        body = frame.slice(i + 1).rename(dict(zip(columns, header, strict=True)))
        found = joined(
            RawRows(body, rows.encoding, [b for b in rows.bad_lines if b[0] > line], None), known, keys, rel
        )
        if keys <= named(found):
            log.info("file %s: header on line %d, below a title", rel, line)
            return found
    # a header over two rows whose group holds a key column (项目 over 编码 | 名称) on row 1; tried last, as a title
    # over every column reads as a group over them all
    return joined(rows, known, keys, rel)


def named_columns(rows: RawRows, known: Callable[[str], str | None]) -> set[str]:
    """The contract columns the header of `rows` names (`known`: Contract.header_reader)."""
    return {c for h in rows.frame.columns if h != "_line" and (c := known(h.strip().lstrip("\ufeff")))}


def joined(rows: RawRows, known: Callable[[str], str | None], keys: set[str], rel: str) -> RawRows:
    """The rows under one header made of the two (module docstring); the rows as read when the second is a record."""
    frame = rows.frame
    columns = [c for c in frame.columns if c != "_line"]
    if frame.height < 2 or not any(is_unnamed(c) for c in columns):
        return rows
    # a header merged down both rows reads as its own name again below it (workbook_parts.fill_merged fills a range's rows)
    below = [
        "" if (v or "").strip() == c else (v or "").strip()
        for c, v in zip(columns, frame.select(columns).row(0), strict=True)
    ]
    group = _groups(columns)
    named_keys = [i for i, c in enumerate(columns) if known(c) in keys]
    if (
        any(below[i] for i in named_keys)
        or not any(below[i] and group[i] is not None and is_unnamed(columns[i]) for i in range(len(columns)))
        or any(_NUMBER.match(v) for v in below if v)
    ):
        return rows
    header = []
    for i, name in enumerate(columns):
        sub, parent = below[i], group[i]
        if not sub or parent is None:
            header.append(name)
        elif known(sub):
            header.append(sub)
        else:
            header.append(parent + sub)
    if len(set(header)) != len(header):  # two columns one name: not a header this reads
        return rows
    line = int(frame["_line"][0])
    log.info("file %s: header over two rows (line %d below it)", rel, line)
    body = frame.slice(1).rename(dict(zip(columns, header, strict=True)))
    return RawRows(
        body, rows.encoding, [b for b in rows.bad_lines if b[0] > line], rows.items and rows.items[1:]
    )


def _groups(columns: list[str]) -> list[str | None]:
    """Per column, the name of the group it is under: a named column followed by unnamed ones heads a group of
    itself and them; any other column is under none."""
    out: list[str | None] = [None] * len(columns)
    for i, name in enumerate(columns):
        if is_unnamed(name) or i + 1 >= len(columns) or not is_unnamed(columns[i + 1]):
            continue
        j = i
        while j < len(columns) and (j == i or is_unnamed(columns[j])):
            out[j] = name
            j += 1
    return out
