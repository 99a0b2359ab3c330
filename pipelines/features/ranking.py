"""Which ranking orders a warehouse's list: its own promoted model, the shipped prior, or the count of rules fired.

`wagewatch train --warehouse FILE` writes its decision beside the warehouse, in `FILE.models/` (model.joblib,
metadata.json, ranking.json, MODEL_CARD.md); the nightly run on that warehouse reads it with no flag. Without a
decision the shipped prior (settings.paths.model_dir) ranks, as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.reports import labels_zh as zh
from pipelines.settings import Settings

RANKING_FILE = "ranking.json"
CARD_FILE = "MODEL_CARD.md"
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


def model_home(warehouse: Path) -> Path:
    """`<warehouse>.models/`: the promoted model, the decision and the model card of one warehouse."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.name}.models")


def rules_count_column(columns: list[str], settings: Settings) -> str:
    """The rules-count baseline's column: the first of settings.own_history.rules_count_columns present."""
    for c in settings.own_history.rules_count_columns:
        if c in columns:
            return c
    raise ValueError(f"no rules-count column among {settings.own_history.rules_count_columns}")


@dataclass(frozen=True)
class Ranking:
    """source: own_model | prior | rules (chosen by a backtest) | untrained | stale (no usable model)."""

    source: str
    model_path: Path | None = None

    @property
    def uses_model(self) -> bool:
        return self.model_path is not None

    @property
    def label_zh(self) -> str:
        return zh.RANKING_BASIS.format(zh.RANKING_ZH[self.source])


def read_decision(warehouse: Path | None) -> dict | None:
    """The warehouse's last `wagewatch train --warehouse` decision (ranking.json), if any."""
    if warehouse is None:
        return None
    path = model_home(warehouse) / RANKING_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _usable(model_path: Path) -> bool:
    from models.risk.features import FEATURES

    meta = model_path.parent / METADATA_FILE
    if not model_path.exists() or not meta.exists():
        return False
    return json.loads(meta.read_text(encoding="utf-8")).get("features") == FEATURES


def ranking_in_use(warehouse: Path | None, settings: Settings) -> Ranking:
    """The ranking tonight's list uses on `warehouse` (None: an in-memory warehouse, the shipped prior)."""
    decision = read_decision(warehouse)
    source = decision["ranking"] if decision else "prior"
    if source == "rules":
        return Ranking("rules")
    path = model_home(warehouse) / MODEL_FILE if source == "own_model" and warehouse else None
    path = path or settings.paths.model_dir / MODEL_FILE
    if not path.exists() or not (path.parent / METADATA_FILE).exists():
        return Ranking("untrained")
    if not _usable(path):
        return Ranking("stale")
    return Ranking(source, path)
