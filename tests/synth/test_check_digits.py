"""Identifiers the clean generator writes carry right check digits; the check functions catch altered ones."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.identifiers import (
    USCC_ALPHABET,
    id_check_char,
    is_valid_id_number,
    is_valid_uscc,
    uscc_check_char,
)
from tests.synth.delivered import canonical_frame, contract_of, delivered_files

# GB 32100-2015 alphabet: digits and capitals without I, O, Z, S, V (spelled out here, not imported).
GB32100_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb11643_check(first17: str) -> str:
    """GB 11643-1999: Σ aᵢ·Wᵢ with Wᵢ = 2^(i−1) mod 11 (i counted from the right, check digit i = 1);
    the check digit a₁ makes the total ≡ 1 (mod 11); 10 is written X."""
    total = sum(int(d) * pow(2, 17 - k, 11) for k, d in enumerate(first17))
    a1 = (1 - total) % 11
    return "X" if a1 == 10 else str(a1)


def gb32100_check(first17: str) -> str:
    """GB 32100-2015: Σ Cᵢ·Wᵢ with Wᵢ = 3^(i−1) mod 31; C₁₈ = 31 − (Σ mod 31), 31 written 0."""
    total = sum(GB32100_CHARS.index(ch) * pow(3, k, 31) for k, ch in enumerate(first17))
    return GB32100_CHARS[(31 - total % 31) % 31]


# By hand: ID 11010519491231002·, weighted sum 167 ≡ 2 (mod 11), check (1 − 2) mod 11 = 10 → X (the standard's
# own example). USCC 91350100M000100Y4·, weighted sum 1640 ≡ 28 (mod 31), check 31 − 28 = 3.
ID_EXAMPLE = "11010519491231002X"
USCC_EXAMPLE = "91350100M000100Y43"


def _identifier_values(inbox, check: str) -> list[str]:
    """Every value of every column with that check in the clean inbox (ID numbers only where type is 01)."""
    values: list[str] = []
    for path in delivered_files(inbox):
        frame = canonical_frame(path)
        for col in contract_of(path).columns:
            if col.check != check or col.name not in frame.columns:
                continue
            applies = pl.lit(True)
            if col.check_type_column and col.check_type_column in frame.columns:
                applies = pl.col(col.check_type_column).is_null() | (
                    pl.col(col.check_type_column).str.zfill(2) == "01"
                )
            values += frame.filter(applies & pl.col(col.name).is_not_null())[col.name].to_list()
    return values


def test_the_hand_computed_examples_follow_the_standards():
    assert gb11643_check(ID_EXAMPLE[:17]) == ID_EXAMPLE[17]
    assert gb32100_check(USCC_EXAMPLE[:17]) == USCC_EXAMPLE[17]
    assert set(GB32100_CHARS) == set(USCC_ALPHABET)


def test_check_functions_accept_the_examples():
    assert id_check_char(ID_EXAMPLE[:17]) == "X"
    assert is_valid_id_number(ID_EXAMPLE)
    assert uscc_check_char(USCC_EXAMPLE[:17]) == "3"
    assert is_valid_uscc(USCC_EXAMPLE)


@pytest.mark.parametrize("position", range(18))
def test_any_single_altered_character_of_an_id_number_is_rejected(position):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    for ch in alphabet:
        if ch != ID_EXAMPLE[position]:
            altered = ID_EXAMPLE[:position] + ch + ID_EXAMPLE[position + 1 :]
            assert not is_valid_id_number(altered), altered


@pytest.mark.parametrize("position", range(18))
def test_any_single_altered_character_of_a_uscc_is_rejected(position):
    for ch in GB32100_CHARS:
        if ch != USCC_EXAMPLE[position]:
            altered = USCC_EXAMPLE[:position] + ch + USCC_EXAMPLE[position + 1 :]
            assert not is_valid_uscc(altered), altered


@pytest.mark.parametrize("bad", ["", None, ID_EXAMPLE[:17], ID_EXAMPLE + "1", "1101051949123100AX"])
def test_malformed_id_numbers_are_rejected(bad):
    assert not is_valid_id_number(bad)


@pytest.mark.parametrize("bad", ["", None, USCC_EXAMPLE[:17], USCC_EXAMPLE + "0", "9135010OM000100Y43"])
def test_malformed_usccs_are_rejected(bad):
    assert not is_valid_uscc(bad)


def test_every_generated_id_number_is_valid(clean_world):
    values = _identifier_values(clean_world.inbox, "id_card")
    assert len(set(values)) > 100
    invalid = sorted({v for v in values if not is_valid_id_number(v) or gb11643_check(v[:17]) != v[17]})
    assert invalid == []


def test_every_generated_uscc_is_valid(clean_world):
    values = _identifier_values(clean_world.inbox, "uscc")
    assert len(set(values)) > 10
    invalid = sorted({v for v in values if not is_valid_uscc(v) or gb32100_check(v[:17]) != v[17]})
    assert invalid == []
