"""A feature frame with a known signal, for the model tests (no warehouse: models/ works on DataFrames)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from models.risk.features import CATEGORICAL, NUMERIC


def synthetic_frame(n_projects: int = 600, n_months: int = 10, seed: int = 0) -> pd.DataFrame:
    """Month-end snapshots; the event hazard rises with the labour-cost gap, lateness and owner non-payment."""
    rng = np.random.default_rng(seed)
    rows = []
    ends = [date(2025, m + 1, 1) - timedelta(days=1) for m in range(1, n_months + 1)]
    frailty = rng.gamma(1.0, 1.0, n_projects)
    for as_of in ends:
        x = {c: rng.normal(0, 1, n_projects) for c in NUMERIC}
        x["labor_inflow_gap_3m"] = np.clip(rng.beta(1, 4, n_projects) * frailty, 0, 1)
        x["n_late_pay_months_6m"] = rng.poisson(0.3 * frailty)
        x["owner_pay_rate_3m"] = np.clip(1 - 0.3 * frailty + rng.normal(0, 0.1, n_projects), 0, 1.2)
        x["headcount_trend"] = np.where(rng.random(n_projects) < 0.1, np.nan, x["headcount_trend"])
        logit = (
            -4
            + 3 * x["labor_inflow_gap_3m"]
            + 0.8 * x["n_late_pay_months_6m"]
            - 2 * (x["owner_pay_rate_3m"] - 1)
        )
        y = rng.random(n_projects) < 1 / (1 + np.exp(-logit))
        df = pd.DataFrame(x)
        df["invest_type"] = rng.choice(["01", "02", "03"], n_projects)
        df["category"] = rng.choice(["01", "02"], n_projects)
        df["project_code"] = [f"P{i:04d}" for i in range(n_projects)]
        df["as_of"] = pd.Timestamp(as_of)
        df["label_complete_date"] = pd.Timestamp(as_of + timedelta(days=90))
        df["label"] = y.astype(int)
        df["rules_score"] = x["n_late_pay_months_6m"]  # a crude rules list: ties everywhere
        df["complaint_history_score"] = rng.poisson(0.1, n_projects)
        df["true_hazard"] = 1 / (1 + np.exp(-logit))
        rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    assert set(CATEGORICAL) <= set(out.columns)
    return out
