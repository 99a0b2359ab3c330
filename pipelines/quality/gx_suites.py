"""Great Expectations suites per staged entity, generated from the contracts and run where the data is (DuckDB).

GX 1.x reaches DuckDB through SQLAlchemy (duckdb-engine). Two fixes make it real (shared/spec/ecosystem-notes.md):
GX must keep one persistent connection for DuckDB, as it does for SQLite, or every result comes back empty; and it
validates through a cursor of the nightly run's own connection, so it reads the same database instance (DuckDB
allows one writer, and an in-memory warehouse is only visible to its own connection and cursors).

Each rule is written once as a SQL predicate ("the rows that break it"): GX runs the rule (a native expectation
where GX has one that works on DuckDB, else an UnexpectedRowsExpectation), and when it fails the same predicate
splits the rows by project for the findings. An expectation that raised is never a pass: it is reported as errored.

What the suites cannot check: ID-number check digits (GB 11643). ID numbers are stored only as a keyed hash and a
mask (`350503********1234`), so the check digit is verified at load (pipelines/ingest/validate.py) and a wrong one
is quarantined (reported by the `quarantine_id_check_digit` load check); here only the masked shape is checked.
USCC codes are not personal data and are stored in clear, so their check character is recomputed in SQL.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypedDict

import duckdb

from pipelines.contracts import Column, Contract, all_contracts
from pipelines.identifiers import USCC_ALPHABET
from pipelines.quality.batch import Batch
from pipelines.quality.titles_zh import EXPECT, RULE, TYPE_ZH
from pipelines.settings import Settings
from pipelines.warehouse import DUCKDB_TYPES, staged_columns, staged_key, warehouse_columns

# SQLAlchemy's generic type names: what GX reports for DuckDB columns (it finds no DuckDB dialect types).
GX_TYPE_NAMES = {
    "VARCHAR": "String",
    "DATE": "Date",
    "TIMESTAMP": "DateTime",
    "DOUBLE": "Float",
    "INTEGER": "Integer",
    "BOOLEAN": "Boolean",
}
# The rules run on stg_<entity>, so their columns are the staged names (Column.staged_name: attendance's `date` is
# punched_at there); their check ids keep the contract's names, which the findings' history is keyed on.
# Dates that record something that already happened: never after the data date (planned dates are not here).
HAPPENED_DATES = {
    "attendance": ("date",),
    "payroll": ("balance_date",),
    "account_txn": ("txn_time",),
    "complaint": ("received_date", "closed_date"),
    "credit_event": ("event_date",),
    "wage_account": ("open_date",),
    "wage_deposit": ("deposit_date",),
    "project_corp": ("entry_time",),
}
# Dates of the work itself, which must fall inside the project's life (start − early days … completion + overrun).
PROJECT_LIFE_DATES = {"attendance": "date", "project_worker": "entry_time", "payroll": "pay_month"}
# (later, earlier) date pairs of one row
DATE_ORDER = {
    "project": (("complete_date", "start_date"),),
    "project_corp": (("exit_time", "entry_time"),),
    "project_worker": (("exit_time", "entry_time"),),
    "wage_account": (("close_date", "open_date"),),
    "payment_guarantee": (("end_date", "start_date"),),
    "wage_deposit": (("expire_date", "deposit_date"),),
    "complaint": (("closed_date", "received_date"),),
}
# 18-character resident ID masked as 6 digits, 8 stars, 3 digits and the check character
ID_MASK_PATTERN = r"[0-9]{6}\*{8}[0-9]{3}[0-9X]"


@dataclass(frozen=True)
class Rule:
    """One check on one staged table: id, Chinese title, and the SQL predicate that selects the rows breaking it."""

    check_id: str
    entity: str
    kind: (
        str  # key_not_null | key_unique | not_null | type | in_set | range | positive | uscc | id_shape | sql
    )
    title_zh: str  # the problem, as findings name it
    expect_zh: str  # the rule, as the Data Docs show it
    columns: tuple[str, ...] = ()
    predicate: str | None = None  # over the table's columns (prefixed t. when joined to stg_project p)
    joins_project: bool = False
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def table(self) -> str:
        return f"stg_{self.entity}"

    def rows_from(self, relation: str | None = None) -> str:
        """FROM clause of the predicate over `relation` (default: the staged table), joined to its project when the
        rule needs it."""
        relation = relation or self.table
        if self.joins_project:
            return f"{relation} t join stg_project p on p.project_code = t.project_code"
        return relation


@dataclass(frozen=True)
class RuleResult:
    """What GX said about one rule: passed, rows that break it, or the error that stopped it."""

    rule: Rule
    success: bool
    n_rows: int
    errored: bool = False
    message: str | None = None


def uscc_valid_sql(col: str) -> str:
    """SQL that is true when `col` is an 18-character USCC with the right GB 32100 check character."""
    weights = "[" + ", ".join(str(pow(3, i, 31)) for i in range(17)) + "]"  # 3^i mod 31: 1, 3, 9, 27, 19, …
    a = USCC_ALPHABET
    total = (
        f"list_sum(list_transform(range(17), lambda i: "
        f"(strpos('{a}', substr(upper({col}), cast(i as integer) + 1, 1)) - 1) * {weights}[cast(i as integer) + 1]))"
    )
    return (
        f"(length({col}) = 18 and regexp_full_match(upper({col}), '[{a}]{{18}}') "
        f"and substr('{a}', cast((31 - {total} % 31) % 31 as integer) + 1, 1) = upper(substr({col}, 18, 1)))"
    )


def _sql_date(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def _bounds(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g}～{hi:g}"
    return f"≥{lo:g}" if lo is not None else f"≤{hi:g}"


def _quote(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _texts(contract: Contract, template: str, **names: object) -> tuple[str, str]:
    """The rule's finding title and its Data Docs description, both prefixed with the entity's Chinese name."""
    return (
        f"{contract.zh}：" + RULE[template].format(**names),
        f"{contract.zh}：" + EXPECT[template].format(**names),
    )


def rules_for(contract: Contract, settings: Settings, as_of: date) -> list[Rule]:
    """The suite of one entity, from its contract: key, required, types, code sets, ranges, check digits, dates."""
    e = contract.entity
    rules: list[Rule] = []
    key = staged_key(contract)
    key_zh = "、".join(contract.column(k).zh for k in contract.key)
    rules.append(
        Rule(
            f"{e}_key_not_null",
            e,
            "key_not_null",
            *_texts(contract, "key_not_null", columns=key_zh),
            tuple(key),
            " or ".join(f'"{k}" is null' for k in key),
        )
    )
    rules.append(
        Rule(f"{e}_key_unique", e, "key_unique", *_texts(contract, "key_unique", columns=key_zh), tuple(key))
    )
    for c in contract.columns:
        rules.extend(_column_rules(contract, c))
    for col in HAPPENED_DATES.get(e, ()):
        c = contract.column(col)
        limit = _sql_date(as_of + timedelta(days=1))
        rules.append(
            Rule(
                f"{e}_{col}_not_future",
                e,
                "sql",
                *_texts(contract, "not_future", column=c.zh),
                (c.staged_name,),
                f'cast("{c.staged_name}" as date) > {limit}',
            )
        )
    for later, earlier in DATE_ORDER.get(e, ()):
        later_col, earlier_col = contract.column(later), contract.column(earlier)
        rules.append(
            Rule(
                f"{e}_{later}_before_{earlier}",
                e,
                "sql",
                *_texts(
                    contract,
                    "date_order",
                    column=later_col.zh,
                    other=earlier_col.zh,
                ),
                (later_col.staged_name, earlier_col.staged_name),
                f'"{later_col.staged_name}" < "{earlier_col.staged_name}"',
            )
        )
    if e in PROJECT_LIFE_DATES:
        rules.append(_project_life_rule(contract, PROJECT_LIFE_DATES[e], settings))
    if e == "complaint":  # indicators.md: a 办结 case without a closed_date counts as open and is a finding
        rules.append(
            Rule(
                "complaint_closed_without_date",
                e,
                "sql",
                *_texts(contract, "closed_without_date"),
                ("status", "closed_date"),
                "status = '03' and closed_date is null",
            )
        )
    return rules


def _column_rules(contract: Contract, c: Column) -> list[Rule]:
    """A column's checks: the stored type of each warehouse column it becomes; a personal column's masked ID shape
    (nothing else: its values are hashed); otherwise required, code list, range and 统一社会信用代码 check digit."""
    out = _type_rules(contract, c)
    if c.pii:
        return out + _id_shape_rules(contract, c)
    return (
        out
        + _not_null_rules(contract, c)
        + _in_set_rules(contract, c)
        + _range_rules(contract, c)
        + _uscc_rules(contract, c)
    )


def _type_rules(contract: Contract, c: Column) -> list[Rule]:
    e = contract.entity
    return [
        Rule(
            f"{e}_{name}_type",
            e,
            "type",
            *_texts(contract, "type", column=c.zh, type=TYPE_ZH[GX_TYPE_NAMES[duck_type]]),
            (staged,),
            params={"type_": GX_TYPE_NAMES[duck_type]},
        )
        for (name, duck_type), (staged, _) in zip(warehouse_columns(c), staged_columns(c), strict=True)
    ]


def _id_shape_rules(contract: Contract, c: Column) -> list[Rule]:
    """A 身份证 (type 01) masked as 6 digits, 8 stars, 3 digits and a check character."""
    if not (c.check == "id_card" and c.check_type_column):
        return []
    e = contract.entity
    masked = f"{c.name}_masked"
    return [
        Rule(
            f"{e}_{c.name}_id_shape",
            e,
            "id_shape",
            *_texts(contract, "id_shape", column=c.zh),
            (masked,),
            f'"{contract.column(c.check_type_column).staged_name}" = \'01\' and "{masked}" is not null '
            f"and not regexp_full_match(\"{masked}\", '{ID_MASK_PATTERN}')",
        )
    ]


def _not_null_rules(contract: Contract, c: Column) -> list[Rule]:
    """A required column that is not part of the key (a null key is the load's business)."""
    if not (c.required and c.name not in contract.key):
        return []
    e = contract.entity
    return [
        Rule(
            f"{e}_{c.name}_not_null",
            e,
            "not_null",
            *_texts(contract, "not_null", column=c.zh),
            (c.staged_name,),
            f'"{c.staged_name}" is null',
        )
    ]


def _in_set_rules(contract: Contract, c: Column) -> list[Rule]:
    """A column with a closed code list."""
    if not (c.codes and not c.open_set):
        return []
    e = contract.entity
    codes = sorted(c.codes)
    return [
        Rule(
            f"{e}_{c.name}_in_set",
            e,
            "in_set",
            *_texts(contract, "in_set", column=c.zh),
            (c.staged_name,),
            f'"{c.staged_name}" not in ({_quote(codes)})',
            params={"value_set": codes},
        )
    ]


def _range_rules(contract: Contract, c: Column) -> list[Rule]:
    """A numeric column's bound: strictly above min_exclusive, else within [min, max] where given."""
    if DUCKDB_TYPES[c.type] not in ("DOUBLE", "INTEGER"):
        return []
    e = contract.entity
    if c.min_exclusive is not None:
        return [
            Rule(
                f"{e}_{c.name}_positive",
                e,
                "range",
                *_texts(contract, "positive", column=c.zh),
                (c.staged_name,),
                f'"{c.staged_name}" <= {c.min_exclusive}',
                params={"min_value": c.min_exclusive, "strict_min": True},
            )
        ]
    if c.min is None and c.max is None:
        return []
    parts = []
    if c.min is not None:
        parts.append(f'"{c.staged_name}" < {c.min}')
    if c.max is not None:
        parts.append(f'"{c.staged_name}" > {c.max}')
    return [
        Rule(
            f"{e}_{c.name}_range",
            e,
            "range",
            *_texts(contract, "range", column=c.zh, bounds=_bounds(c.min, c.max)),
            (c.staged_name,),
            " or ".join(parts),
            params={"min_value": c.min, "max_value": c.max},
        )
    ]


def _uscc_rules(contract: Contract, c: Column) -> list[Rule]:
    """A 统一社会信用代码 column: its check digit."""
    if c.check != "uscc":
        return []
    e = contract.entity
    return [
        Rule(
            f"{e}_{c.name}_uscc",
            e,
            "uscc",
            *_texts(contract, "uscc", column=c.zh),
            (c.staged_name,),
            f'"{c.staged_name}" is not null and not {uscc_valid_sql(chr(34) + c.staged_name + chr(34))}',
        )
    ]


def _project_life_rule(contract: Contract, col: str, settings: Settings) -> Rule:
    """Work dated before the project started or long after its planned completion (a mis-keyed project or date)."""
    early, overrun = settings.quality.project_early_days, settings.quality.project_overrun_days
    staged = contract.column(col).staged_name
    if contract.column(col).type == "month":  # 'yyyy-MM': the whole month must miss the project's life
        first = f"cast(t.\"{staged}\" || '-01' as date)"
        last = f"cast({first} + interval 1 month - interval 1 day as date)"
    else:
        first = last = f'cast(t."{staged}" as date)'
    predicate = (
        f"({last} < p.start_date - to_days({early}) or {first} > p.complete_date + to_days({overrun}))"
    )
    return Rule(
        f"{contract.entity}_{col}_in_project_life",
        contract.entity,
        "sql",
        *_texts(contract, "in_project_life", column=contract.column(col).zh, early=early, overrun=overrun),
        (staged,),
        predicate,
        joins_project=True,
    )


def all_rules(settings: Settings, as_of: date) -> dict[str, list[Rule]]:
    """Every entity's rules, in processing order."""
    return {e: rules_for(c, settings, as_of) for e, c in all_contracts().items()}


# ---------------------------------------------------------------- GX


_early_import: list[threading.Thread] = []  # the thread importing GX, once started


def import_gx_early() -> None:
    """Start importing Great Expectations in a background thread (once per process).

    The import is GX's largest fixed cost of a night (≈ 3–5 CPU-s: pydantic models and every expectation, scipy
    included) and a regular night's validation is small beside it. Started when the night starts, the import runs
    while the main thread waits for Prefect's server or for DuckDB (loading, staging: both without the GIL);
    run_suites waits for it. docs/decisions.md "Quality and models, fifth round"."""
    if _early_import or "great_expectations" in sys.modules:
        return
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    _early_import.append(threading.Thread(target=_import_gx, name="gx-import", daemon=True))
    _early_import[0].start()


def _import_gx() -> None:
    try:
        import great_expectations  # noqa: F401
    except Exception as exc:  # run_suites imports it again and raises there
        logging.getLogger("wagewatch.quality").warning("early import of Great Expectations failed: %s", exc)


def _early_import_done() -> None:
    for thread in _early_import:
        thread.join()


class _DuckDialect(str):
    """A dialect name GX's persisted-connection list accepts (it reads `.value` and compares as a string)."""

    value = "duckdb"


def patch_gx_for_duckdb() -> None:
    """Make GX keep one persistent connection for DuckDB, as it does for SQLite (idempotent)."""
    import great_expectations.execution_engine.sqlalchemy_execution_engine as sae

    if not any(getattr(d, "value", d) == "duckdb" for d in sae._PERSISTED_CONNECTION_DIALECTS):
        # setattr: the tuple is typed as GX's own dialect enum, which a duck-typed stand-in is not
        setattr(  # noqa: B010
            sae,
            "_PERSISTED_CONNECTION_DIALECTS",
            (*sae._PERSISTED_CONNECTION_DIALECTS, _DuckDialect("duckdb")),
        )


class _Described(TypedDict):
    """The keyword arguments every expectation takes: its Chinese description and the check id it reports under."""

    description: str
    meta: dict[str, str]


def expectation_of(rule: Rule, batch: Batch | None = None) -> Any:
    """The GX expectation that runs a rule, described in Chinese for Data Docs and tagged with the check id.

    On an incremental night (`batch.key_rows`) key uniqueness is checked over the stored rows that can share a key
    with tonight's rows (pipelines/quality/scope.py), not over tonight's rows alone."""
    import great_expectations as gx

    exp = gx.expectations
    common: _Described = {"description": rule.expect_zh, "meta": {"check_id": rule.check_id}}
    if rule.kind == "key_unique":
        if batch is not None and batch.key_rows:
            return exp.UnexpectedRowsExpectation(
                unexpected_rows_query=repeated_key_rows_sql(rule.columns, batch.key_rows), **common
            )
        if len(rule.columns) == 1:
            return exp.ExpectColumnValuesToBeUnique(column=rule.columns[0], **common)
        return exp.UnexpectedRowsExpectation(
            unexpected_rows_query=repeated_key_rows_sql(rule.columns), **common
        )
    if (rule.kind == "key_not_null" and len(rule.columns) == 1) or rule.kind == "not_null":
        return exp.ExpectColumnValuesToNotBeNull(column=rule.columns[0], **common)
    if rule.kind == "type":
        return exp.ExpectColumnValuesToBeOfType(column=rule.columns[0], type_=rule.params["type_"], **common)
    if rule.kind == "in_set":
        return exp.ExpectColumnValuesToBeInSet(
            column=rule.columns[0], value_set=rule.params["value_set"], **common
        )
    if rule.kind == "range":
        return exp.ExpectColumnValuesToBeBetween(column=rule.columns[0], **rule.params, **common)
    # everything else: the predicate itself (GX's regex expectations do not run on DuckDB)
    predicate = (rule.predicate or "false").replace("{", "{{").replace("}", "}}")
    if rule.joins_project:
        query = f"select t.* from {{batch}} t join stg_project p on p.project_code = t.project_code where {predicate}"
    else:
        query = f"select * from {{batch}} where {predicate}"
    return exp.UnexpectedRowsExpectation(unexpected_rows_query=query, **common)


def repeated_key_rows_sql(
    columns: tuple[str, ...], table: str = "{batch}", also: tuple[str, ...] = ()
) -> str:
    """Every row whose compound key occurs more than once (the key columns, plus `also`).

    GX's ExpectCompoundColumnsToBeUnique joins every row, all columns carried, to its key's count: on the province
    tier's 237 M punches that spilled more than 30 GB to disk and failed. Here the rows are grouped by a 64-bit hash of
    the key first (8 bytes a row); only rows whose hash repeats are then counted by the key itself, so a hash
    collision cannot count as a repeated key.
    """
    key = ", ".join(f'"{c}"' for c in columns)
    cols = ", ".join(f'"{c}"' for c in dict.fromkeys((*columns, *also)))
    return (
        f"select {cols} from {table} where hash({key}) in ("
        f"select hash({key}) from {table} group by 1 having count(*) > 1"
        f") qualify count(*) over (partition by {key}) > 1"
    )


def _raised(exception_info: Any) -> str | None:
    """The error message when GX recorded an exception (flat, or nested per metric), else None."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message") or "unknown error")
    return None


def result_of(rule: Rule, r: Any) -> RuleResult:
    """One GX validation result as a RuleResult; a failure without a count is treated as an error, not a pass."""
    message = _raised(r.exception_info)
    if message:
        return RuleResult(rule, False, 0, errored=True, message=message)
    if r.success:
        return RuleResult(rule, True, 0)
    result = r.result or {}
    if rule.kind == "type":
        return RuleResult(rule, False, 1, message=f"observed {result.get('observed_value')}")
    n = result.get("unexpected_count")
    # UnexpectedRowsExpectation (predicates, compound keys) reports its row count as the observed value
    if n is None:
        n = result.get("observed_value")
    if n is None:
        return RuleResult(rule, False, 0, errored=True, message=f"no count in result: {result}")
    return RuleResult(rule, False, int(n))


def run_suites(
    con: duckdb.DuckDBPyConnection,
    rules: dict[str, list[Rule]],
    docs_dir: Path | None = None,
    *,
    as_of: date | None = None,
    tz: str = "Asia/Shanghai",
    batches: dict[str, Batch] | None = None,
) -> tuple[list[RuleResult], Path | None]:
    """Validate every staged table (or its `batches` entry: tonight's new rows) through a cursor of `con`; return
    each rule's result and the Data Docs index. An incremental batch without rows is not validated (its rules are
    not among the night's checks: the bulletin counts only the checks that ran)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    _early_import_done()
    import duckdb_engine
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.datasource.fluent import SQLDatasource

    patch_gx_for_duckdb()
    # GX finds no DuckDB type module and says so once per type check; the generic SQLAlchemy names are intended
    logging.getLogger("great_expectations.expectations.type_comparison").setLevel(logging.ERROR)
    cursors: list[duckdb.DuckDBPyConnection] = []

    def cursor_of_con() -> Any:
        cur = con.cursor()
        cursors.append(cur)
        return duckdb_engine.ConnectionWrapper(cur)

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        data_docs_sites=docs_site(docs_dir) if docs_dir else {},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    source = context.data_sources.add_sql(
        SQLDatasource(
            name="warehouse",
            connection_string="duckdb:///:memory:",  # never opened: the creator hands GX a cursor of the run's con
            kwargs={"creator": cursor_of_con},  # a SQLDatasource field that add_sql's stub leaves out
        )
    )
    results: list[RuleResult] = []
    try:
        for entity, entity_rules in rules.items():
            by_id = {r.check_id: r for r in entity_rules}
            rows = (batches or {}).get(entity)
            if rows is not None and rows.key_rows is not None and rows.n_rows == 0:
                continue  # an incremental night with no new row of this entity: nothing to validate
            asset = source.add_table_asset(entity, table_name=rows.table if rows else f"stg_{entity}")
            batch = asset.add_batch_definition_whole_table("whole table")
            # built whole, then stored once: add_expectation re-serialises the suite on every call (quadratic)
            expectations = [expectation_of(rule, rows) for rule in entity_rules]
            suite = context.suites.add(gx.ExpectationSuite(name=entity, expectations=expectations))
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{entity}_validation", data=batch, suite=suite)
            )
            run = validation.run(result_format="SUMMARY")
            seen = set()
            for r in run.results:
                check_id = ((r.expectation_config and r.expectation_config.meta) or {}).get("check_id")
                if check_id not in by_id:  # not one of ours: reported below as without a result
                    continue
                results.append(result_of(by_id[check_id], r))
                seen.add(check_id)
            for missing in set(by_id) - seen:  # GX dropped an expectation: not a pass either
                results.append(
                    RuleResult(by_id[missing], False, 0, errored=True, message="no result returned")
                )
        docs = build_docs(context, docs_dir, results, as_of, tz) if docs_dir else None
    finally:
        source.get_execution_engine().close()
        for cur in cursors:
            cur.close()
    return results, docs


def docs_site(docs_dir: Path) -> dict:
    """A Data Docs site in a local folder, without GX's tutorial buttons and footer."""
    return {
        "local": {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(docs_dir).absolute()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
        }
    }


def build_docs(
    context: Any,
    docs_dir: Path,
    results: list[RuleResult] | None = None,
    as_of: date | None = None,
    tz: str = "Asia/Shanghai",
) -> Path | None:
    """Build the Data Docs afresh into docs_dir, make them readable offline and local-timed (offline.py), and put
    the Chinese front page (数据质量校验明细, docs_index.py) at index.html."""
    from datetime import UTC, datetime

    from pipelines.quality.docs_index import write_docs_index
    from pipelines.quality.offline import make_offline

    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    docs_dir.mkdir(parents=True)
    run_at = datetime.now(UTC)
    context.build_data_docs(site_names=["local"])
    make_offline(docs_dir, tz)
    if not (docs_dir / "index.html").exists():
        return None
    return write_docs_index(docs_dir, results or [], as_of, run_at, tz)


def attribution_sql(rule: Rule, batch: Batch | None = None) -> str | None:
    """SQL splitting a failed rule's rows by project (null project when the table has none), over the rows GX
    validated (`batch`; default the whole staged table)."""
    if rule.kind == "type":
        return None
    cols = {n for c in all_contracts()[rule.entity].columns for n, _ in staged_columns(c)}
    project = ("t." if rule.joins_project else "") + "project_code" if "project_code" in cols else "null"
    if rule.kind == "key_unique":
        also = ("project_code",) if "project_code" in cols else ()
        rows = repeated_key_rows_sql(rule.columns, batch.key_relation() if batch else rule.table, also)
        return f"select {project} as project_code, count(*) as n_rows from ({rows}) group by 1"
    relation = rule.rows_from(batch.table if batch else None)
    return f"select {project} as project_code, count(*) as n_rows from {relation} where {rule.predicate} group by 1"
