"""Run the warehouse's SQL models on Apache Spark: DuckDB SQL transpiled by sqlglot, parameters inlined.

This is the scale-out path for provincial big-data platforms (Hadoop/Spark): the same model files, the same
meaning. Golden tests (tests/pipelines/test_spark_golden.py) require identical results on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlglot
from sqlglot import exp

from pipelines.warehouse import SqlModel, _strip_comments

_GETVAR = re.compile(r"getvariable\('(\w+)'\)")


def _literal(value: Any) -> str:
    """A parameter as a SQL literal both engines read the same way."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def inline_params(sql: str, params: Mapping[str, Any]) -> str:
    """Replace getvariable('x') by the value of x (Spark has no session variables of that kind)."""

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in params:
            raise KeyError(f"SQL reads setting {m.group(1)!r}, which is not a run parameter")
        return _literal(params[m.group(1)])

    return _GETVAR.sub(sub, sql)


def to_spark(model: SqlModel, params: Mapping[str, Any]) -> str:
    """The model's SELECT in Spark SQL."""
    duck = inline_params(_strip_comments(model.sql).strip().rstrip(";"), params)
    tree = sqlglot.parse_one(duck, read="duckdb")
    tree = tree.transform(_spark_rules)
    return tree.sql(dialect="spark")


def _spark_rules(node: exp.Expression) -> exp.Expression:
    """The project's own dialect rules where sqlglot has no mapping: DuckDB `to_months(n)` → `INTERVAL 'n' MONTH`."""
    if (
        isinstance(node, exp.Anonymous)
        and str(node.this).lower() == "to_months"
        and len(node.expressions) == 1
    ):
        return exp.Interval(this=exp.Literal.string(node.expressions[0].sql()), unit=exp.var("MONTH"))
    return node
