"""Training the risk score: orchestration behind `wagewatch train` and the monthly `retrain` flow.

- own_history.py: `wagewatch train --warehouse` — fit on a warehouse's own closed month ends, champion/challenger
  against the model in use and the rules count, the decision and card beside the warehouse;
- prior.py: `wagewatch train` — the shipped prior, trained on a generated world and validated on another seed,
  which rewrites models/risk/MODEL_CARD.md's metrics.

The features and labels they train on come from pipelines/features (the same models the nightly scores with).
"""
