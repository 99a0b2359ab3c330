"""The catalogue and the SQL agree: every rule R01–R17 is declared, evaluated and unioned into rule_firing; every
setting a rule relies on is listed and read, no threshold hides as a literal, and every source it needs is checked."""

import re

import pytest

from pipelines.contracts import ENTITIES
from pipelines.reports.labels_zh import rule_label
from pipelines.settings import Settings, sql_params
from pipelines.warehouse import SQL_DIR, discover_models
from pipelines.warnings.catalogue import catalogue


def test_catalogue_declares_r01_to_r17():
    assert list(catalogue()) == [f"R{i:02d}" for i in range(1, 18)]


def test_every_rule_has_its_model_and_is_in_the_union():
    models = discover_models()
    union = (SQL_DIR / "rules" / "rule_firing.sql").read_text(encoding="utf-8")
    unioned = set(re.findall(r"from (rule_r\d\d_\w+)", union))
    declared = {rule.model for rule in catalogue().values()}
    assert declared <= set(models)
    assert unioned == declared


def test_every_rule_parameter_is_a_setting():
    settings = Settings()
    names = {
        n for group in (settings.rules, settings.indicators, settings.scope) for n in type(group).model_fields
    }
    for rule in catalogue().values():
        assert set(rule.settings) <= names, rule.rule_id


def test_rule_models_emit_their_own_id():
    for rule in catalogue().values():
        sql = (SQL_DIR / "rules" / f"{rule.model}.sql").read_text(encoding="utf-8")
        assert f"'{rule.rule_id}' as rule_id" in sql


def test_rule_label_in_chinese():
    assert rule_label("R03") == "R03 工资未按期发放"
    assert rule_label("R99") == "R99"


# ---------------------------------------------------------------- settings: listed, read, no literal thresholds

_GETVAR = re.compile(r"getvariable\('([a-z0-9_]+)'\)")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")

# Numbers a rule's SQL may spell out, each with the reason it is not a threshold; any other number must be a setting.
# Patterns apply in order to the code with comments, strings and quoted names blanked and getvariable('x') written
# getvariable(x).
ALLOWED_LITERALS = {
    r"\b100 \*": "per cent, for the reason text",
    r"/ 10000\b": "元 → 万元, for the reason text",
    r"\bdecimal\(\d+, \d+\)": "a type's precision and scale",
    r", \d\)": "digits of round(x, n) for a shown amount",
    r"\b7 \* getvariable\(r10_baseline_weeks\)": "days per week",
    r"\* 3600\b": "seconds per hour",
    r"\) \* 12 \+ month\(": "months per year (int_month's month_index)",
    r"then n_punches >= 2\b": "a pair of punches is two (valid_day_rule pair_4h)",
    r"(?<![\w.])[01](?![\w.])": "0 and 1: nothing, none, one, the complement of a share (1 − x)",
}


def sql_variable(setting: str) -> str:
    """The SQL variable a setting becomes: per-area tables travel as JSON (settings.sql_params)."""
    params = sql_params(Settings(), None)
    return setting if setting in params else f"{setting}_json"


def closure_sql(model: str) -> str:
    """The SQL of a model and of every model it reads, transitively (dependencies as warehouse.py finds them)."""
    models = discover_models()
    seen: set[str] = set()
    todo = [model]
    while todo:
        name = todo.pop()
        if name not in seen and name in models:
            seen.add(name)
            todo.extend(models[name].refs)
    return "\n".join(models[name].sql for name in sorted(seen))


def unread_settings(settings: tuple[str, ...], sql: str) -> set[str]:
    """The settings none of whose getvariable('<name>') appears in `sql`."""
    read = set(_GETVAR.findall(sql))
    return {s for s in settings if sql_variable(s) not in read}


def unlisted_settings(settings: tuple[str, ...], sql: str) -> set[str]:
    """The variables `sql` reads (as_of aside) that the catalogue's list does not name."""
    listed = {sql_variable(s) for s in settings}
    return set(_GETVAR.findall(sql)) - listed - {"as_of"}


def threshold_literals(sql: str) -> list[str]:
    """Numeric literals in SQL code (not comments, strings or quoted names) that no allowed pattern explains."""
    code = re.sub(r"--[^\n]*", "", sql)
    code = _GETVAR.sub(r"getvariable(\1)", code)
    code = re.sub(r"'(?:[^']|'')*'", "''", code)
    code = re.sub(r'"[^"]*"', '""', code)
    for pattern in ALLOWED_LITERALS:
        code = re.sub(pattern, " ", code)
    return _NUMBER.findall(code)


RULES = list(catalogue().values())


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule_id)
def test_every_listed_setting_is_read_by_the_rule_or_a_table_it_reads(rule):
    assert unread_settings(rule.settings, closure_sql(rule.model)) == set()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule_id)
def test_every_setting_the_rule_reads_is_listed(rule):
    assert unlisted_settings(rule.settings, discover_models()[rule.model].sql) == set()


def rule_models_and_what_they_read() -> list[str]:
    """The rules layer and every staging or intermediate model a rule reads, transitively."""
    models = discover_models()
    names = {n for n, m in models.items() if m.layer == "rules"}
    todo = list(names)
    while todo:
        for ref in models[todo.pop()].refs:
            if ref in models and ref not in names:
                names.add(ref)
                todo.append(ref)
    return sorted(names)


@pytest.mark.parametrize("model", rule_models_and_what_they_read())
def test_rule_sql_spells_no_threshold(model):
    assert threshold_literals(discover_models()[model].sql) == [], model


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule_id)
def test_every_source_the_rule_needs_is_checked(rule):
    sql = discover_models()[rule.model].sql
    assert rule.sources, "a rule reads at least one source"
    assert set(rule.sources) <= set(ENTITIES)
    assert "int_source_delivered" in discover_models()[rule.model].refs
    guard = re.search(r"from int_source_delivered\s+where ([^)]*)\)", sql)
    assert guard, "the rule reads its sources in a 'delivered' CTE"
    assert set(re.findall(r"\bhas_([a-z_]+)", guard.group(1))) == set(rule.sources)


def test_the_checks_catch_what_they_look_for():
    # a setting read only in a comment, or not at all, is unread; one read by a table the rule reads counts
    assert unread_settings(("r06_red_unpaid_share",), "-- r06_red_unpaid_share\nselect 1") == {
        "r06_red_unpaid_share"
    }
    assert unread_settings(("r07_min_wage_yuan",), "select getvariable('r07_min_wage_yuan_json')") == set()
    assert unread_settings(("default_labor_cost_ratio",), closure_sql("rule_r02_labor_cost_short")) == set()
    assert unread_settings(
        ("default_labor_cost_ratio",), discover_models()["rule_r02_labor_cost_short"].sql
    ) == {"default_labor_cost_ratio"}
    assert unlisted_settings((), "select getvariable('r10_silent_days'), getvariable('as_of')") == {
        "r10_silent_days"
    }
    # a window or a tolerance spelled in SQL is found; strings, comments, percentages and 万元 are not thresholds
    assert threshold_literals("where d > getvariable('as_of') - interval 92 day") == ["92"]
    assert threshold_literals("where paid < due - 1.5 and n >= 20") == ["1.5", "20"]
    assert threshold_literals("select '近12个月' || round(100 * x) || round(y / 10000, 1) -- 30 days") == []
