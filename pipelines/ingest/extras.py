"""Unknown extra columns, kept in raw `_extra` as JSON only after their personal data is protected.

sources.md "Delivery": unknown columns may hold personal data; they are kept only after the same hashing and
masking as known personal columns. What is protected (docs/decisions.md "Personal data in unknown columns"):

- a column (or a field of a nested object, at any depth) whose NAME is a personal-data spelling — any contract's
  personal column spelling or one of data/contracts/_delivery.yaml `personal_names`, or a Chinese header holding
  one of its `personal_name_parts` (工人姓名, 紧急联系人电话) — whatever its values are;
- any other value, flat or nested, that LOOKS like personal data: an 18-character (GB 11643) or 15-digit
  (first-generation) resident ID number, a mainland mobile number (with or without +86), a 16–19 digit bank card
  (spaces and dashes between digit groups ignored);
- such a number inside longer text ("联系电话13812345678") is replaced in place by its mask.

A protected value is stored as `{"hash": <keyed hash, as X_hash>, "masked": <display mask, as X_masked>, "kind": …}`
so it still joins with the known personal columns (same HMAC key and normalisation) but is never in clear.
Nested objects and arrays are stored as JSON, not as a string holding JSON.
"""

from __future__ import annotations

import json
import re
import unicodedata

import polars as pl

from pipelines.contracts import personal_kind_of_header
from pipelines.identifiers import compact_pii, mask, pii_hash

# whole-value shapes, tried in order (an 18-digit number is read as an ID number before a card)
_SHAPES = (
    (re.compile(r"^\d{17}[\dX]$"), "id"),
    (re.compile(r"^\d{15}$"), "id"),  # first-generation ID numbers (GB 11643-1989), still on old records
    (re.compile(r"^(?:\+?86)?1[3-9]\d{9}$"), "phone"),
    (re.compile(r"^\d{16,19}$"), "card"),
)
_EMBEDDED = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15,19}|1[3-9]\d{9})(?!\d)")


def personal_kind(value: str) -> str | None:
    """The kind of personal data a whole value looks like (id | phone | card), None otherwise."""
    compact = compact_pii(unicodedata.normalize("NFKC", value), "card").upper()
    if not compact or len(compact) > 22:
        return None
    for pattern, kind in _SHAPES:
        if pattern.match(compact):
            return kind
    return None


def _embedded_kind(number: str) -> str:
    return personal_kind(number) or "card"


def mask_personal_text(text: str) -> str:
    """A text with anything that looks like an ID number, phone or card masked (whole value or inside the text)."""
    kind = personal_kind(text)
    if kind is not None:
        return mask(text, kind) or ""
    return _EMBEDDED.sub(lambda m: mask(m.group(1), _embedded_kind(m.group(1))) or "", text)


class ExtraProtector:
    """Protects the values of unknown columns with the run's personal-data key."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def protected(self, value: str, kind: str) -> dict:
        v = unicodedata.normalize("NFKC", value)  # compacted by kind in pii_hash and mask
        return {"hash": pii_hash(v, self.key, kind), "masked": mask(v, kind), "kind": kind}

    def field(self, name: str | None, value: object) -> object:
        """A value under a field name: protected whole when the name is personal, else judged by its shape."""
        kind = personal_kind_of_header(name) if name else None
        if kind is not None:
            return self._all(value, kind)
        return self.value(value)

    def value(self, value: object) -> object:
        if isinstance(value, dict):
            return {k: self.field(str(k), v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, bool) or value is None or isinstance(value, float):
            return value
        text = str(value)
        if (nested := _json_container(value)) is not None:
            return self.value(nested)
        kind = personal_kind(text)
        if kind is not None:
            return self.protected(text, kind)
        if isinstance(value, int):
            return value
        return mask_personal_text(text)

    def _all(self, value: object, kind: str) -> object:
        """Every scalar under a personal field name, whatever it looks like (a passport number, a name …)."""
        if isinstance(value, dict):
            return {k: self._all(v, kind) for k, v in value.items()}
        if isinstance(value, list):
            return [self._all(v, kind) for v in value]
        if value is None or value == "":
            return value
        text = str(value)
        if (nested := _json_container(value)) is not None:
            return self._all(nested, kind)
        return self.protected(text, kind)


def _json_container(value: object) -> dict | list | None:
    """A string that holds a JSON object or array (a nested payload field kept as text), parsed; else None."""
    if not isinstance(value, str) or value.lstrip()[:1] not in ("{", "["):
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict | list) else None


def add_extras(df: pl.DataFrame, extras: list[str], key: bytes) -> pl.DataFrame:
    """Replace the unknown columns by one `_extra` JSON text column, personal data protected.

    Each distinct value of a column is judged once (a payload's parent field repeats on every record) into its
    JSON member `"column": <protected value>`; a row's `_extra` is its members joined, as json.dumps writes an
    object (null when every extra is empty)."""
    if not extras:
        return df.with_columns(pl.lit(None, pl.Utf8).alias("_extra"))
    protector = ExtraProtector(key)
    members = []
    for c in extras:
        name = json.dumps(c, ensure_ascii=False) + ": "
        judged = {
            v: name + json.dumps(protector.field(c, v), ensure_ascii=False)
            for v in df[c].drop_nulls().unique()
        }
        members.append(pl.col(c).replace_strict(judged, default=None, return_dtype=pl.Utf8))
    joined = pl.concat_str(members, separator=", ", ignore_nulls=True)
    packed = pl.when(pl.any_horizontal(pl.col(c).is_not_null() for c in extras)).then("{" + joined + "}")
    return df.with_columns(packed.alias("_extra")).drop(extras)
