"""Run parameters written into SQL as literals, read the same way by DuckDB and Spark.

For SQL that cannot read `getvariable` at run time: Spark has no such session variables (pipelines/spark_sql.py),
and a DuckDB view (`-- materialized: view`) is read by connections and cursors that never set them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pipelines.incremental import FULL_BUILD_PARAMS

_GETVAR = re.compile(r"getvariable\('(\w+)'\)")


def _literal(value: Any) -> str:
    """A parameter as a SQL literal both engines read the same way."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        # a DuckDB variable set from a float is DOUBLE; a bare 0.6 is DECIMAL, and Spark keeps DECIMAL through
        # arithmetic (round(100 * 0.6) prints '60' there, '60.0' in DuckDB)
        return f"CAST({value!r} AS DOUBLE)"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def inline_params(sql: str, params: Mapping[str, Any]) -> str:
    """Replace getvariable('x') by the value of x."""

    params = {
        **FULL_BUILD_PARAMS,
        **params,
    }  # no build range given (Spark builds every model whole): everything

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in params:
            raise KeyError(f"SQL reads setting {m.group(1)!r}, which is not a run parameter")
        return _literal(params[m.group(1)])

    return _GETVAR.sub(sub, sql)
