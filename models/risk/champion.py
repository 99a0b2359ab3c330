"""Champion/challenger on one time-ordered backtest: candidate vs current model vs the count of rules fired.

Pure: scores in, a comparison table and a decision out (no files, no warehouse). The rule (triage.md "The model
learns from the user's own history"): the candidate replaces the current model only when it is at least as good on
precision at capacity; whichever model is then in use ranks the list only when it is at least as good as the rules
count on the same backtest, else the rules count ranks. Too little history keeps what is in use and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from models.risk.metrics import snapshot_metrics

CANDIDATE, CURRENT, RULES, CEILING = "candidate", "current", "rules", "ceiling"


def compare(
    test_rows: pd.DataFrame,
    scores: Mapping[str, np.ndarray | None],
    capacity_share: float,
    precision_share: float = 0.05,
    label: str = "label",
) -> dict[str, dict[str, float]]:
    """Per ranking: precision at the list's capacity, precision@`precision_share`, recall at capacity, AUC-PR
    (each averaged over the test month ends), on `label` of `test_rows`."""
    rows = test_rows.assign(label=test_rows[label].astype(int))
    out: dict[str, dict[str, float]] = {}
    for name, s in scores.items():
        if s is None:
            continue
        scored = rows.assign(_s=np.asarray(s, dtype=float))
        at_cap = snapshot_metrics(scored, "_s", capacity_share)
        at_share = snapshot_metrics(scored, "_s", precision_share)
        out[name] = {
            "precision_at_capacity": at_cap["precision_at_k"],
            "recall_at_capacity": at_cap["recall_at_k"],
            "precision_at_share": at_share["precision_at_k"],
            "auc_pr": at_cap["auc_pr"],
        }
    return out


@dataclass(frozen=True)
class Decision:
    """promoted: the candidate replaces the current model; ranking: own_model | prior | rules (what ranks next)."""

    promoted: bool
    ranking: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def decide(
    table: Mapping[str, Mapping[str, float]],
    current_source: str | None,
    enough_history: bool,
    kept_ranking: str | None = None,
    why_not_enough: str = "",
) -> Decision:
    """The champion/challenger rule on a comparison table (see module docstring).

    current_source: 'own_model' or 'prior' (the model in use before this training), None when there is none usable.
    kept_ranking: the ranking in use before (what too little history keeps)."""
    kept = kept_ranking or current_source or "prior"
    if not enough_history:
        return Decision(
            False, kept, f"too little history ({why_not_enough}): the ranking in use ({kept}) stays"
        )
    p = {name: m["precision_at_capacity"] for name, m in table.items()}
    if current_source is None or CURRENT not in p or p[CANDIDATE] >= p[CURRENT]:
        promoted, model, model_source = True, CANDIDATE, "own_model"
        why = (
            "no usable current model"
            if current_source is None or CURRENT not in p
            else f"candidate {p[CANDIDATE]:.3f} ≥ current {p[CURRENT]:.3f} at capacity"
        )
    else:
        promoted, model, model_source = False, CURRENT, current_source
        why = f"candidate {p[CANDIDATE]:.3f} < current {p[CURRENT]:.3f} at capacity: the current model stays"
    if p[model] < p[RULES]:
        return Decision(
            promoted,
            RULES,
            f"{why}; the {model} model {p[model]:.3f} < rules count {p[RULES]:.3f} at capacity: "
            "the rules count ranks the list",
        )
    return Decision(promoted, model_source, f"{why}; ≥ rules count {p[RULES]:.3f}")
