"""Last line of defence for personal data in anything a person receives: re-mask what arrives in the clear.

Personal values should only ever arrive masked (WORKER_SCHEMA); these expressions make a list safe even when an
upstream step gets that wrong. Masks follow pipelines/identifiers.mask (`350503********1234`, `张*`, `138****5678`).
"""

from __future__ import annotations

import re
from functools import partial

import polars as pl

from pipelines.identifiers import mask

# digit runs shaped like a resident ID (17 digits + digit/X) or a mobile number, not inside a longer number
_ID_RUN = r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])"
_PHONE_RUN = r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"
_ID_RE = re.compile(_ID_RUN)
_PHONE_RE = re.compile(_PHONE_RUN)


def scrub_text(text: str | None) -> str | None:
    """Free text with any clear ID number or mobile number masked."""
    if text is None:
        return None
    text = _ID_RE.sub(lambda m: mask(m.group(0), "id") or "", text)
    return _PHONE_RE.sub(lambda m: mask(m.group(0), "phone") or "", text)


def masked(value: str | None, kind: str) -> str | None:
    """A display value that is surely masked: kept when it already holds `*`, masked otherwise."""
    if value is None or "*" in value:
        return value
    return mask(value, kind)


def scrub_columns(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The frame with its free-text `columns` scrubbed (other columns untouched)."""
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(pl.col(c).map_elements(scrub_text, return_dtype=pl.Utf8) for c in present)


def mask_columns(frame: pl.DataFrame, kinds: dict[str, str]) -> pl.DataFrame:
    """The frame with each personal column (name → kind: id / name / phone) surely masked."""
    return frame.with_columns(
        pl.col(c).map_elements(partial(masked, kind=k), return_dtype=pl.Utf8)
        for c, k in kinds.items()
        if c in frame.columns
    )
