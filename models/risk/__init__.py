"""The wage-arrears risk model: features → one sklearn Pipeline (preprocessing + calibrated classifier) → score.

Imports nothing from `pipelines/`: it trains and scores DataFrames of point-in-time features.
"""
