"""A rule whose source was never delivered stays silent (数据未报送), instead of firing on every project.

Each rule's truth-table world fires; the same world without any one of the sources the catalogue lists for the
rule fires nothing.
"""

import pytest

from pipelines.warnings.catalogue import catalogue
from tests.sql.rules import test_rules_labor_cost as labor
from tests.sql.rules import test_rules_pay_thresholds as pay
from tests.sql.rules import test_rules_securities as securities
from tests.sql.rules import test_rules_site as site
from tests.sql.rules.given_rules import AS_OF, fired, rule_warehouse, without

WORLDS = {
    "R01": labor.R01_ROWS,
    "R02": labor.R02_ROWS,
    "R03": pay.R03_ROWS,
    "R04": pay.R04_ROWS,
    "R05": pay.R05_ROWS,
    "R06": pay.R06_ROWS,
    "R07": pay.R07_ROWS,
    "R08": pay.R08_ROWS,
    "R09": site.R09_ROWS,
    "R10": site.R10_ROWS,
    "R11": securities.R11_ROWS,
    "R12": securities.R12_ROWS,
    "R13": securities.R13_ROWS,
    "R14": securities.R14_ROWS,
    "R15": labor.R15_ROWS,
    "R16": pay.R16_ROWS,
    "R17": site.R17_ROWS,
}
AS_OFS = {"R03": pay.R03_AS_OF}
CASES = [(rule_id, source) for rule_id, rule in catalogue().items() for source in rule.sources]


def test_every_rule_has_a_world():
    assert set(WORLDS) == set(catalogue())


@pytest.mark.parametrize(("rule_id", "source"), CASES, ids=[f"{r}-{s}" for r, s in CASES])
def test_a_rule_is_silent_without_a_source_it_needs(rule_id, source):
    as_of = AS_OFS.get(rule_id, AS_OF)
    world = WORLDS[rule_id]
    assert source in world
    assert fired(rule_warehouse(world, rule_id, as_of=as_of), rule_id), "the world fires with the source"
    assert fired(rule_warehouse(without(world, source), rule_id, as_of=as_of), rule_id) == {}
