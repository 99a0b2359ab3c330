"""The synthetic world generator (`wagewatch generate`): deliveries per sources.md plus the truth beside them."""

from pipelines.synth.generate import generate

__all__ = ["generate"]
