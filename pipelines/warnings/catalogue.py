"""The rule catalogue (catalogue.yaml): default levels, sources and on-site advice per rule id.

A rule's Chinese name lives in the one dictionary, pipelines/reports/labels_zh.py (RULE).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.reports import labels_zh as zh
from pipelines.warnings.schema import LEVELS

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")


@dataclass(frozen=True)
class Rule:
    """One warning rule as declared in the catalogue."""

    rule_id: str
    model: str
    level: str
    source: str
    settings: tuple[str, ...]
    suggested_check: str
    sources: tuple[str, ...] = ()  # entities the rule needs delivered (int_source_delivered.has_<entity>)
    escalation: str | None = None

    @property
    def name(self) -> str:
        """The rule's short Chinese name (labels_zh.RULE)."""
        return zh.RULE[self.rule_id]


@cache
def catalogue() -> dict[str, Rule]:
    """Rule id → Rule, in id order; raises on an entry with an unknown level."""
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    rules = {}
    for rule_id, entry in sorted(raw.items()):
        if entry["level"] not in LEVELS:
            raise ValueError(f"{rule_id}: level {entry['level']!r} is not one of {LEVELS}")
        if rule_id not in zh.RULE:
            raise ValueError(f"{rule_id}: no Chinese name in pipelines/reports/labels_zh.py RULE")
        rules[rule_id] = Rule(
            rule_id=rule_id,
            model=entry["model"],
            level=entry["level"],
            source=entry["source"],
            settings=tuple(entry.get("settings") or ()),
            suggested_check=entry["suggested_check"],
            sources=tuple(entry.get("sources") or ()),
            escalation=entry.get("escalation"),
        )
    return rules
