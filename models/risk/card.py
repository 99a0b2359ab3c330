"""The model card of one warehouse's own-history training, rendered from its report (pure: dict in, Markdown out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NAMES = {
    "candidate": "candidate (fitted on this warehouse, months before the backtest)",
    "current": "current model",
    "rules": "rules count",
    "ceiling": "true hazard (ceiling, generated worlds only)",
}
RANKING_EN = {
    "own_model": "the model fitted on this warehouse's own history",
    "prior": "the shipped prior (trained on generated worlds)",
    "rules": "the count of rules fired (no model ranks the list)",
}
SELECTION_BIAS = (
    "Inspection outcomes are a biased sample: only listed projects are inspected, so a 01 (属实) can only occur "
    "where the ranking in use already looked. Outcome 01 therefore only adds positive training labels (an event "
    "dated at the line's warning date); outcome 03 (不属实) adds nothing, since a project never inspected is "
    "already a non-event unless another source shows one, and 03 never overrides a verified complaint or a pay "
    "month not made good. The backtest metric uses only the labels every project can have whether listed or not "
    "(verified complaints, pay months not made good), so the comparison does not favour the ranking that chose "
    'whom to inspect (docs/decisions.md "Own-history training").'
)


def _f(x: Any) -> str:
    return "—" if x is None else f"{x:.3f}"


def comparison_table(
    table: Mapping[str, Mapping[str, float]], capacity_share: float, share: float
) -> list[str]:
    lines = [
        f"| ranking | precision at capacity (top {capacity_share:.0%}) | precision@{share:.0%} | "
        "recall at capacity | AUC-PR |",
        "|---|---|---|---|---|",
    ]
    for name in ("candidate", "current", "rules", "ceiling"):
        if name in table:
            m = table[name]
            lines.append(
                f"| {NAMES[name]} | {_f(m['precision_at_capacity'])} | {_f(m['precision_at_share'])} | "
                f"{_f(m.get('recall_at_capacity'))} | {_f(m.get('auc_pr'))} |"
            )
    return lines


def render_card(r: Mapping[str, Any]) -> str:
    """Markdown card: data, months, events, the comparison table, calibration, the decision, the command."""
    d = r["decision"]
    lines = [
        f"# Risk model card — {r['warehouse_name']}",
        "",
        f"Written by `{r['command']}` at {r['trained_at']} (last extract {r['last_extract']}).",
        "",
        "## Decision",
        "",
        f"**Ranking in use: {RANKING_EN[d['ranking']]}** — {r['ranking_zh']}.",
        f"Candidate promoted: {'yes' if d['promoted'] else 'no'}. {d['reason']}.",
        "",
        "## Data",
        "",
        f"- Closed month ends (as_of + {r['horizon_days']} d horizon + {r['makegood_days']} d make-good ≤ last "
        f"extract): {len(r['closed_month_ends'])}"
        + (f", {r['closed_month_ends'][0]} … {r['closed_month_ends'][-1]}" if r["closed_month_ends"] else ""),
        f"- Snapshot rows (project × month end): {r['n_rows']}; projects: {r['n_projects']}",
        f"- Events (training label): {r['n_events']} — verified complaints or pay months not made good: "
        f"{r['n_events_observed']}; added by inspection outcome 01 only: {r['n_events_outcome_only']}; "
        f"outcome 03 returns: {r['n_outcome_03']}",
        f"- Rules-count baseline column: `{r['rules_column']}`",
        f"- Minimum history: {r['min_closed_month_ends']} closed month ends and {r['min_events']} events",
    ]
    if r.get("comparison"):
        lines += [
            "",
            "## Backtest (time-ordered)",
            "",
            f"Candidate fitted on {r['n_train_rows']} rows, month ends {r['train_window'][0]} … "
            f"{r['train_window'][1]} (labels closed before the test window); tested on {r['n_test_rows']} rows, "
            f"month ends {r['test_window'][0]} … {r['test_window'][1]}, event rate {r['test_event_rate']:.3f}. "
            f"Current model: {r.get('current_source') or 'none usable'}.",
            "",
            *comparison_table(r["comparison"], r["capacity_share"], r["precision_share"]),
        ]
        cal = r.get("calibration")
        if cal:
            lines += [
                "",
                "## Calibration (candidate on the backtest)",
                "",
                f"Brier {cal['brier']:.4f} (base rate alone {cal['brier_base_rate']:.4f}). Probability bins, "
                "mean predicted → observed: "
                + ", ".join(f"{b['mean_predicted']:.3f}→{b['observed']:.3f}" for b in cal["reliability"]),
            ]
    lines += ["", "## Inspection outcomes and selection bias", "", SELECTION_BIAS, ""]
    return "\n".join(lines)
