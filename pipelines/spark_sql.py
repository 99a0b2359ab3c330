"""Run the warehouse's SQL models on Apache Spark: DuckDB SQL transpiled by sqlglot, parameters inlined.

This is the scale-out path for provincial big-data platforms (Hadoop/Spark): the same model files, the same
meaning. Golden tests (tests/pipelines/test_spark_golden.py) require identical results on both engines.

sqlglot maps most of DuckDB's dialect; the rules here cover what it maps to different Spark *meaning* or not at
all: `to_days(n)`-style intervals, computed `INTERVAL (…) DAY`, `date_diff` (DuckDB counts unit boundaries,
Spark whole units), `list(x ORDER BY x)`, float settings (DuckDB variables are DOUBLE, Spark reads `0.6` as
DECIMAL), `hash` (64 bits in DuckDB, 32 in Spark: xxhash64), and the constructs that need the columns of a relation — `* EXCLUDE (…)`, `UNION ALL BY NAME`,
`UNPIVOT … ON COLUMNS(* EXCLUDE (…))` — which are spelled out with the `columns_of` callback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.simplify import simplify

from pipelines.sql_literals import inline_params
from pipelines.warehouse import SqlModel, _strip_comments

ColumnsOf = Callable[[str], list[str]]
"""The columns of a relation (a raw table or an already built model), in order: e.g. `spark.table(n).columns`."""


def to_spark(model: SqlModel, params: Mapping[str, Any], columns_of: ColumnsOf | None = None) -> str:
    """The model's SELECT in Spark SQL.

    `columns_of` names the columns of the relations the model reads; it is needed only by models that use
    `* EXCLUDE`, `UNION … BY NAME` or `COLUMNS(*)`, and a ValueError says so when it is missing.
    """
    duck = inline_params(_strip_comments(model.sql).strip().rstrip(";"), params)
    tree = sqlglot.parse_one(duck, read="duckdb")
    tree = tree.transform(_spark_rules)
    tree = _spell_out_columns(tree, _Columns(columns_of, model.name))
    return tree.sql(dialect="spark")


# ---------------------------------------------------------------- expression rules

_INTERVAL_FUNCS = {"to_days": "DAY", "to_months": "MONTH", "to_years": "YEAR", "to_hours": "HOUR"}
# units whose DuckDB date_diff (boundaries crossed) equals Spark's whole-unit difference of truncated values
_TRUNCATABLE = {"SECOND", "MINUTE", "HOUR", "DAY", "MONTH", "QUARTER", "YEAR"}


def _spark_rules(node: exp.Expression) -> exp.Expression:
    """The project's own dialect rules where sqlglot has no mapping, or one with another meaning."""
    if (
        isinstance(node, exp.Anonymous)
        and str(node.this).lower() in _INTERVAL_FUNCS
        and len(node.expressions) == 1
    ):
        # DuckDB `to_days(n)` → `INTERVAL 'n' DAY` (likewise months, years, hours)
        return _interval(node.expressions[0], _INTERVAL_FUNCS[str(node.this).lower()])
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hash":
        # DuckDB's hash is 64 bits, Spark's 32: xxhash64 keeps a person key (fx_person_day) as unlikely to collide.
        # The values differ between engines; such a key only joins within one build (ENGINE_HASH_COLUMNS).
        return exp.Anonymous(this="xxhash64", expressions=node.expressions)
    if isinstance(node, exp.ToDays):  # sqlglot parses to_days (only) into its own node
        return _interval(node.this, "DAY")
    if isinstance(node, exp.Interval) and not isinstance(node.this, exp.Literal) and node.unit is not None:
        # DuckDB `INTERVAL (7 + 7 * 4) DAY`: Spark's INTERVAL takes a literal only
        return _interval(node.this, node.unit.name.upper())
    if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary"):
        return _boundary_date_diff(node)
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        return _ordered_list(node)
    if (
        isinstance(node, exp.Filter)
        and isinstance(node.this, exp.ArrayAgg)
        and isinstance(node.this.this, exp.Order)
    ):
        # the FILTER belongs to the aggregate inside the sort: array_sort(collect_set(x) FILTER (WHERE …))
        ordered = _ordered_list(node.this)
        return exp.ArraySort(this=exp.Filter(this=ordered.this, expression=node.expression))
    return node


def _interval(value: exp.Expression, unit: str) -> exp.Expression:
    """`INTERVAL 'n' UNIT` for a constant n; make_dt_interval / make_ym_interval for anything else."""
    folded = simplify(value.copy())
    if isinstance(folded, exp.Paren):
        folded = folded.this
    if isinstance(folded, exp.Literal) and re.fullmatch(r"-?\d+", folded.name):
        return exp.Interval(this=exp.Literal.string(folded.name), unit=exp.var(unit))
    if isinstance(folded, exp.Neg) and isinstance(folded.this, exp.Literal):
        return exp.Interval(this=exp.Literal.string("-" + folded.this.name), unit=exp.var(unit))
    zero = exp.Literal.number(0)
    args = {
        "DAY": ("MAKE_DT_INTERVAL", [value]),
        "HOUR": ("MAKE_DT_INTERVAL", [zero, value]),
        "MONTH": ("MAKE_YM_INTERVAL", [zero.copy(), value]),
        "YEAR": ("MAKE_YM_INTERVAL", [value, zero.copy()]),
    }
    if unit not in args:
        raise NotImplementedError(f"no Spark spelling for a computed INTERVAL … {unit}")
    name, fargs = args[unit]
    return exp.Anonymous(this=name, expressions=fargs)


def _boundary_date_diff(node: exp.DateDiff) -> exp.Expression:
    """DuckDB's date_diff counts unit boundaries crossed (10:00:59 → 10:01:00 is 1 minute); Spark's DATEDIFF
    counts whole units (0). Truncating both ends to the unit first gives DuckDB's answer on Spark."""
    unit = (node.unit.name if node.unit is not None else "DAY").upper()
    if unit not in _TRUNCATABLE:
        raise NotImplementedError(f"date_diff('{unit.lower()}', …) has no Spark rule yet")

    def trunc(e: exp.Expression) -> exp.Expression:
        return exp.TimestampTrunc(this=e, unit=exp.var(unit))

    return exp.DateDiff(this=trunc(node.this), expression=trunc(node.expression), unit=exp.var(unit))


def _ordered_list(node: exp.ArrayAgg) -> exp.Expression:
    """DuckDB `list([distinct] x ORDER BY x)` → `array_sort(collect_list|collect_set(x))`: Spark's collect_*
    take no ORDER BY. Only ordering by the listed value itself, ascending, has that spelling. (Spark's collect_*
    also skip NULLs, which DuckDB's list keeps: filter them out in the model, `FILTER (WHERE x IS NOT NULL)`.)"""
    order: exp.Order = node.this
    value = order.this
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        if len(value.expressions) != 1:
            raise NotImplementedError("list(distinct …) of several expressions")
        value = value.expressions[0]
    keys = order.expressions
    if len(keys) != 1 or keys[0].this != value or keys[0].args.get("desc"):
        raise NotImplementedError(
            f"list(… ORDER BY …) other than by the value ascending: {node.sql('duckdb')}"
        )
    agg = exp.ArrayUniqueAgg(this=value.copy()) if distinct else exp.ArrayAgg(this=value.copy())
    return exp.ArraySort(this=agg)


# ---------------------------------------------------------------- constructs that need a relation's columns


class _Columns:
    """Resolves the output columns of queries, CTEs and relations inside one model's tree."""

    def __init__(self, columns_of: ColumnsOf | None, model: str) -> None:
        self.columns_of = columns_of
        self.model = model

    def of_relation_name(self, name: str) -> list[str]:
        if self.columns_of is None:
            raise ValueError(
                f"{self.model}: spelling out DuckDB-only SQL (* EXCLUDE, BY NAME, COLUMNS(*)) needs the columns "
                f"of {name!r}; pass columns_of to to_spark"
            )
        return list(self.columns_of(name))

    def of_query(self, q: exp.Expression) -> list[str]:
        """The output column names of a query, in order."""
        if isinstance(q, exp.Subquery):
            return _renamed(self.of_query(q.this), q)
        if isinstance(q, exp.SetOperation):
            left = self.of_query(q.this)
            if not q.args.get("by_name"):
                return left
            seen = {c.lower() for c in left}
            return left + [c for c in self.of_query(q.expression) if c.lower() not in seen]
        if isinstance(q, exp.Pivot):
            return self._of_duckdb_unpivot(q)
        if isinstance(q, exp.Select):
            out: list[str] = []
            for e in q.expressions:
                if isinstance(e, exp.Star):
                    out += _without(self._of_sources(q, None), e)
                elif isinstance(e, exp.Column) and isinstance(e.this, exp.Star):
                    out += _without(self._of_sources(q, e.table), e.this)
                elif e.output_name:
                    out.append(e.output_name)
                else:
                    raise ValueError(f"{self.model}: give the column {e.sql('duckdb')!r} a name (AS …)")
            return out
        raise NotImplementedError(f"{self.model}: columns of {type(q).__name__} are not resolved")

    def sources(self, select: exp.Select) -> list[exp.Expression]:
        from_ = select.args.get("from_")
        out = [from_.this] if from_ is not None else []
        return out + [j.this for j in select.args.get("joins") or []]

    def _of_sources(self, select: exp.Select, table: str | None) -> list[str]:
        """Columns `*` (table None) or `table.*` stands for in a SELECT."""
        srcs = [s for s in self.sources(select) if table is None or s.alias_or_name == table]
        if not srcs:
            raise ValueError(f"{self.model}: no relation {table!r} in {select.sql('duckdb')[:80]}")
        if (
            table is None
            and len(srcs) > 1
            and any(j.args.get("using") for j in select.args.get("joins") or [])
        ):
            raise NotImplementedError(f"{self.model}: `*` over a join USING (…) is not spelled out")
        return [c for s in srcs for c in self.of_source(s)]

    def of_source(self, src: exp.Expression) -> list[str]:
        """The columns a FROM/JOIN item brings, after an UNPIVOT attached to it."""
        if isinstance(src, exp.Table):
            cte = _visible_cte(src) if not src.args.get("db") else None
            cols = self.of_query(cte.this) if cte is not None else self.of_relation_name(src.name)
        elif isinstance(src, exp.Subquery):
            cols = self.of_query(src.this)
        elif isinstance(src, exp.Values):
            cols = []
        else:
            raise NotImplementedError(f"{self.model}: columns of {type(src).__name__} are not resolved")
        cols = _renamed(cols, src)
        for pivot in src.args.get("pivots") or []:
            if not pivot.args.get("unpivot"):
                raise NotImplementedError(f"{self.model}: PIVOT is not resolved")
            field: exp.In = pivot.args["fields"][0]
            gone = {c.name.lower() for c in field.expressions}
            values = [v.name for v in pivot.expressions]
            cols = [c for c in cols if c.lower() not in gone] + [field.this.name, *values]
        return cols

    def unpivoted(self, q: exp.Pivot) -> list[str]:
        """The columns a DuckDB `UNPIVOT … ON …` turns into rows."""
        on: list[str] = []
        for e in q.expressions:
            if isinstance(e, exp.Columns) and isinstance(e.this, exp.Star):
                on += _without(self.of_source(q.this), e.this)
            elif isinstance(e, exp.Column):
                on.append(e.name)
            else:
                raise NotImplementedError(f"{self.model}: UNPIVOT ON {e.sql('duckdb')} is not spelled out")
        return on

    def _of_duckdb_unpivot(self, q: exp.Pivot) -> list[str]:
        into: exp.UnpivotColumns = q.args["into"]
        gone = {c.lower() for c in self.unpivoted(q)}
        kept = [c for c in self.of_source(q.this) if c.lower() not in gone]
        return [*kept, into.this.name, *(v.name for v in into.expressions)]


def _renamed(cols: list[str], src: exp.Expression) -> list[str]:
    """A relation's columns after `AS alias (c1, c2, …)`."""
    alias = src.args.get("alias")
    names = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) and alias.columns else []
    return names + cols[len(names) :] if names else cols


def _without(cols: list[str], star: exp.Star) -> list[str]:
    if star.args.get("replace") or star.args.get("rename"):
        raise NotImplementedError("* REPLACE / RENAME is not spelled out")
    gone = {c.name.lower() for c in star.args.get("except_") or []}
    return [c for c in cols if c.lower() not in gone]


def _visible_cte(table: exp.Table) -> exp.CTE | None:
    """The CTE a table name refers to at its place in the tree (an earlier CTE of an enclosing WITH)."""
    name = table.name.lower()
    child: exp.Expr = table
    node = table.parent
    while node is not None:
        if isinstance(node, exp.With):
            ctes = node.expressions
            # a CTE sees only the ones before it
            upto = next((i for i, c in enumerate(ctes) if c is child), len(ctes))
            for cte in reversed(ctes[:upto]):
                if cte.alias_or_name.lower() == name:
                    return cte
        elif node.args.get("with_") is not None and child is not node.args["with_"]:
            for cte in reversed(node.args["with_"].expressions):
                if cte.alias_or_name.lower() == name:
                    return cte
        child, node = node, node.parent
    return None


def _spell_out_columns(tree: exp.Expression, columns: _Columns) -> exp.Expression:
    """Rewrite `* EXCLUDE`, `UNION BY NAME` and DuckDB's UNPIVOT statement with explicit column lists,
    innermost first (a rewritten node's columns resolve the same as the original's)."""
    for node in reversed(list(tree.walk())):
        if isinstance(node, exp.Select):
            _expand_star_except(node, columns)
        elif isinstance(node, exp.SetOperation) and node.args.get("by_name"):
            new = _union_by_position(node, columns)
            tree = new if node is tree else tree
            node.replace(new)
        elif isinstance(node, exp.Pivot) and node.args.get("unpivot") and node.args.get("into") is not None:
            new = _spark_unpivot(node, columns)
            tree = new if node is tree else tree
            node.replace(new)
    return tree


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _expand_star_except(select: exp.Select, columns: _Columns) -> None:
    """`* EXCLUDE (a)` / `t.* EXCLUDE (a)` → the remaining columns, qualified when the SELECT reads several."""
    if not any(
        (isinstance(e, exp.Star) and e.args.get("except_"))
        or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star) and e.this.args.get("except_"))
        for e in select.expressions
    ):
        return
    srcs = columns.sources(select)
    projections: list[exp.Expression] = []
    for e in select.expressions:
        star = e if isinstance(e, exp.Star) else e.this if isinstance(e, exp.Column) else None
        if not isinstance(star, exp.Star) or not star.args.get("except_"):
            projections.append(e)
            continue
        table = e.table if isinstance(e, exp.Column) else None
        wanted = [s for s in srcs if table is None or s.alias_or_name == table]
        qualify = len(srcs) > 1 or table is not None
        for src in wanted:
            for c in _without(columns.of_source(src), star):
                projections.append(
                    exp.Column(this=_ident(c), table=_ident(src.alias_or_name) if qualify else None)
                )
    select.set("expressions", projections)


def _union_by_position(node: exp.SetOperation, columns: _Columns) -> exp.Expression:
    """`a UNION [ALL] BY NAME b` → both sides projected onto the union's columns (missing ones NULL)."""
    names = columns.of_query(node)

    def side(q: exp.Expression, n: int) -> exp.Select:
        have = {c.lower() for c in columns.of_query(q)}
        cols = [
            exp.column(_ident(c)) if c.lower() in have else exp.alias_(exp.null(), _ident(c)) for c in names
        ]
        return exp.select(*cols).from_(
            exp.Subquery(this=q, alias=exp.TableAlias(this=_ident(f"_by_name_{n}")))
        )

    new = node.__class__(
        this=side(node.this, 1),
        expression=side(node.expression, 2),
        distinct=node.args.get("distinct"),
    )
    for key in ("with_", "order", "limit", "offset"):
        if node.args.get(key) is not None:
            new.set(key, node.args[key])
    return new


def _spark_unpivot(node: exp.Pivot, columns: _Columns) -> exp.Expression:
    """DuckDB `UNPIVOT src ON a, b INTO NAME n VALUE v` → `SELECT * FROM src UNPIVOT (v FOR n IN (a, b))`.
    Both leave out rows whose value is NULL (DuckDB's default, Spark's EXCLUDE NULLS)."""
    into: exp.UnpivotColumns = node.args["into"]
    if len(into.expressions) != 1:
        raise NotImplementedError("UNPIVOT into several value columns is not spelled out")
    on = columns.unpivoted(node)
    src = node.this.copy()
    src.set(
        "pivots",
        [
            exp.Pivot(
                expressions=[_ident(into.expressions[0].name)],
                fields=[exp.In(this=_ident(into.this.name), expressions=[exp.column(_ident(c)) for c in on])],
                unpivot=True,
            )
        ],
    )
    return exp.select("*").from_(src)
