"""Great Expectations suites per staged entity, generated from the contracts and run where the data is (DuckDB).

GX 1.x reaches DuckDB through SQLAlchemy (duckdb-engine). Two fixes make it real (shared/spec/ecosystem-notes.md):
GX must keep one persistent connection for DuckDB, as it does for SQLite, or results come back empty; and it must
use the nightly run's own connection (a cursor of it), since DuckDB allows one writer and refuses a second
connection to the same file with other settings. An expectation that raised is reported as a failed check.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from pipelines.contracts import Contract, all_contracts
from pipelines.warehouse import staged_key

AMOUNT_TYPES = ("decimal", "int")
EXPECTATION_TITLES_ZH = {
    "expect_column_values_to_not_be_null": "{col}为空",
    "expect_column_values_to_be_unique": "{col}重复",
    "expect_compound_columns_to_be_unique": "主键（{col}）重复",
    "expect_column_values_to_be_in_set": "{col}不在标准代码表中",
    "expect_column_values_to_be_between": "{col}超出合理范围",
}


class _DuckDialect(str):
    """A dialect name GX's persisted-connection list accepts (it reads `.value` and compares as a string)."""

    value = "duckdb"


def _patch_gx_for_duckdb() -> None:
    import great_expectations.execution_engine.sqlalchemy_execution_engine as sae

    if not any(getattr(d, "value", d) == "duckdb" for d in sae._PERSISTED_CONNECTION_DIALECTS):
        sae._PERSISTED_CONNECTION_DIALECTS = (*sae._PERSISTED_CONNECTION_DIALECTS, _DuckDialect("duckdb"))


@dataclass(frozen=True)
class Failure:
    """One failed (or errored) expectation on one staged table."""

    entity: str
    expectation: str
    column: str
    n_rows: int
    detail_zh: str
    errored: bool = False


def expectations_for(contract: Contract, as_of: date) -> list[Any]:
    """The suite of one entity: key not null and unique, code sets, ranges, dates not after as_of."""
    import great_expectations as gx

    exps: list[Any] = []
    key = staged_key(contract)
    for col in key:
        exps.append(gx.expectations.ExpectColumnValuesToNotBeNull(column=col))
    if len(key) == 1:
        exps.append(gx.expectations.ExpectColumnValuesToBeUnique(column=key[0]))
    else:
        exps.append(gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=key))
    for c in contract.columns:
        if c.pii:
            continue
        if c.codes and not c.open_set:
            exps.append(gx.expectations.ExpectColumnValuesToBeInSet(column=c.name, value_set=sorted(c.codes)))
        if c.type in AMOUNT_TYPES and (c.min is not None or c.max is not None):
            exps.append(
                gx.expectations.ExpectColumnValuesToBeBetween(column=c.name, min_value=c.min, max_value=c.max)
            )
    return exps


def run_suites(
    con: duckdb.DuckDBPyConnection, as_of: date, docs_dir: Path | None = None
) -> tuple[list[Failure], Path | None, int]:
    """Validate every staged entity; return failures, the Data Docs index (if built) and the number of checks."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import duckdb_engine
    import great_expectations as gx

    _patch_gx_for_duckdb()
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql(
        "warehouse",
        connection_string="duckdb:///:memory:",  # the creator below decides which database is used
        kwargs={"creator": lambda: duckdb_engine.ConnectionWrapper(con.cursor())},
    )
    failures: list[Failure] = []
    n_checks = 0
    for entity, contract in all_contracts().items():
        table = f"stg_{entity}"
        asset = source.add_table_asset(entity, table_name=table)
        batch = asset.add_batch_definition_whole_table("whole table")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{entity}_suite"))
        for e in expectations_for(contract, as_of):
            suite.add_expectation(e)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{entity}_validation", data=batch, suite=suite)
        )
        result = validation.run(result_format="SUMMARY")
        for r in result.results:
            n_checks += 1
            cfg = r.expectation_config
            col = cfg.kwargs.get("column") or "、".join(cfg.kwargs.get("column_list", []))
            raised = bool(r.exception_info.get("raised_exception")) if r.exception_info else False
            if raised:
                failures.append(
                    Failure(
                        entity,
                        cfg.type,
                        col,
                        0,
                        f"检查执行出错：{r.exception_info.get('exception_message')}",
                        True,
                    )
                )
            elif not r.success:
                n = int(r.result.get("unexpected_count") or 0)
                title = EXPECTATION_TITLES_ZH.get(cfg.type, cfg.type).format(col=col)
                failures.append(Failure(entity, cfg.type, col, n, f"{n}条记录{title}"))
    docs = _build_docs(context, docs_dir) if docs_dir else None
    return failures, docs, n_checks


def _build_docs(context: Any, docs_dir: Path) -> Path | None:
    """GX Data Docs into a local folder, made readable offline (no CDN, no tracking image)."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        site_name="local",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    context.build_data_docs(site_names=["local"])
    from pipelines.quality.offline import make_offline

    make_offline(docs_dir)
    index = docs_dir / "index.html"
    return index if index.exists() else None
