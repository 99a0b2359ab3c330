"""The catalogue and the SQL agree: every rule R01–R17 is declared, evaluated and unioned into rule_firing."""

import re

from pipelines.settings import Settings
from pipelines.warehouse import SQL_DIR, discover_models
from pipelines.warnings.catalogue import catalogue, rule_label


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
    assert rule_label("R03") == "R03 工资逾期未发放"
    assert rule_label("R99") == "R99"
