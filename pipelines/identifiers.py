"""Check digits (GB 11643 ID numbers, GB 32100 USCC), keyed hashes and display masks for personal data."""

from __future__ import annotations

import hashlib
import re
from functools import cache

# GB 11643-1999: weights 2^(17-i) mod 11, check code table for the remainder.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# GB 32100-2015: 31-character alphabet without I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_char(first17: str) -> str:
    """The 18th character of a resident ID number given its first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def is_valid_id_number(value: str | None) -> bool:
    """True for an 18-character resident ID number whose GB 11643 check character is right."""
    if not value or len(value) != 18 or not value[:17].isdigit():
        return False
    return id_check_char(value[:17]) == value[17].upper()


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code given its first 17."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str | None) -> bool:
    """True for an 18-character USCC whose GB 32100 check character is right."""
    if not value or len(value) != 18:
        return False
    v = value.upper()
    if any(ch not in USCC_ALPHABET for ch in v):
        return False
    return uscc_check_char(v[:17]) == v[17]


# What people put between the digits of a number (6222 0200 1234 5678, 138-1234-5678, a bank export's spaces):
# removed from an ID number, phone or bank card before it is hashed or masked, so that one number written two ways
# joins. One pattern for Python's re and DuckDB's RE2 (ASCII only: after NFKC a full-width space or hyphen is ASCII).
NUMBER_SEPARATORS = r"[ \t\n\r\f\v-]"
# a mainland mobile number behind the country code (+86 138…, 0086 138…, 86138…): the number alone
PHONE_COUNTRY_CODE = r"^(?:\+|00)?86(1[3-9][0-9]{9})$"
NUMBER_KINDS = ("id", "phone", "card")
_SEPARATORS = re.compile(NUMBER_SEPARATORS)
_PHONE_COUNTRY = re.compile(PHONE_COUNTRY_CODE)
_DIGIT = re.compile("[0-9]")


def compact_pii(value: str, kind: str) -> str:
    """A personal value as one number: trimmed, and for an ID number, phone or card without separators (a phone
    without its +86); a name only trimmed. An ID number, phone or card without a digit (无, 暂无, 未办理: written for
    none) is empty: no number. What is hashed (upper-cased) and what the mask shows."""
    v = value.strip()
    if kind in NUMBER_KINDS:
        v = _SEPARATORS.sub("", v)
    if kind == "phone":
        v = _PHONE_COUNTRY.sub(r"\1", v)
    if kind in NUMBER_KINDS and not _DIGIT.search(v):
        return ""
    return v


def normalise_pii(value: str, kind: str) -> str:
    """The canonical form hashed for joins: compact_pii, upper-case (ID numbers end in x or X)."""
    return compact_pii(value, kind).upper()


def pii_hash(value: str | None, secret: bytes, kind: str) -> str | None:
    """Keyed hash (HMAC-SHA256, hex, 32 chars) of a personal value of `kind` (id | name | phone | card): equal
    numbers join however they were written (normalise_pii), clear values are never stored."""
    canonical = normalise_pii(value, kind) if value else ""
    if canonical == "":  # nothing, or only separators ("-" for no card): no number to hash
        return None
    inner, outer = _hmac_states(secret)
    h = inner.copy()
    h.update(canonical.encode("utf-8"))
    o = outer.copy()
    o.update(h.digest())
    return o.hexdigest()[:32]


@cache
def _hmac_states(secret: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC-SHA256 (RFC 2104) with the key's two padded blocks hashed once: a load hashes millions of values with
    one key, and `hmac.new` would redo this for each (same result as `hmac.new(secret, value, sha256)`)."""
    key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


def mask(value: str | None, kind: str) -> str | None:
    """Display form of a personal value: `350503********1234`, `张*`, `138****5678`, `************1234`."""
    v = compact_pii(value, kind) if value else ""
    if v == "":  # nothing, or only separators ("-" for no card): no number to show
        return None
    if kind == "id":
        if len(v) <= 10:
            return v[:2] + "*" * max(len(v) - 4, 1) + v[-2:]
        return v[:6] + "*" * (len(v) - 10) + v[-4:]
    if kind == "name":
        return v[0] + "*" * max(len(v) - 1, 1)
    if kind == "phone":
        return v[:3] + "****" + v[-4:] if len(v) >= 8 else "*" * len(v)
    if kind == "card":
        return "*" * max(len(v) - 4, 4) + v[-4:]
    raise ValueError(f"unknown personal-data kind {kind!r}")
