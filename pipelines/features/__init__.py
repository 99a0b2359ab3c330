"""Point-in-time features and labels for the risk score (the sql/features models), and nightly scoring."""

from __future__ import annotations

from pipelines.features.extract import labels, project_features, training_frame
from pipelines.features.scoring import score_projects

__all__ = ["labels", "project_features", "score_projects", "training_frame"]
