"""FINESS géographique numbers: the format, the Luhn check key, Corsica, and the French message."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.finess import FINESS_PATTERN, finess_problem, has_valid_format, is_valid_finess, with_check_key

FORMAT_MESSAGE = "n'est pas un numéro FINESS"
KEY_MESSAGE = "clé de contrôle invalide"


@pytest.mark.parametrize("finess", ["010780195", "010780906", "980600027"])
def test_real_finess_numbers_are_valid(finess: str) -> None:
    assert is_valid_finess(finess)
    assert finess_problem(finess) is None


def test_wrong_last_digit_is_reported_as_a_check_key_error() -> None:
    assert not is_valid_finess("010780196")
    assert has_valid_format("010780196")
    problem = finess_problem("010780196")
    assert problem is not None
    assert KEY_MESSAGE in problem
    assert "« 010780196 »" in problem


@pytest.mark.parametrize(
    "finess",
    [
        pytest.param("01078019", id="8 characters"),
        pytest.param("0107801950", id="10 characters"),
        pytest.param("01078O195", id="letter O instead of zero"),
        pytest.param("ABCDEFGHI", id="letters"),
        pytest.param("000780195", id="département 00"),
        pytest.param("960780195", id="département 96"),
        pytest.param("2C0000014", id="Corsica 2C"),
        pytest.param("", id="empty"),
        pytest.param(" 10780195", id="leading space"),
    ],
)
def test_format_errors_give_the_format_message(finess: str) -> None:
    assert not has_valid_format(finess)
    assert not is_valid_finess(finess)
    problem = finess_problem(finess)
    assert problem is not None
    assert FORMAT_MESSAGE in problem
    assert KEY_MESSAGE not in problem


def test_trailing_newline_is_a_format_error_not_a_crash() -> None:
    assert finess_problem("01078019\n") is not None
    assert not is_valid_finess("01078019\n")


@pytest.mark.parametrize("finess", ["010780195", "2A0000014", "971234562"])
def test_published_pattern_accepts_valid_numbers(finess: str) -> None:
    assert re.fullmatch(FINESS_PATTERN, finess)


@pytest.mark.parametrize("finess", ["10780195", "75000000"])
def test_published_pattern_refuses_eight_characters(finess: str) -> None:
    assert re.fullmatch(FINESS_PATTERN, finess) is None


@pytest.mark.parametrize("prefix", ["2A000001", "2B000001", "2A123456", "2B987654"])
def test_corsica_numbers_take_a_check_key(prefix: str) -> None:
    finess = with_check_key(prefix)
    assert finess.startswith(prefix)
    assert len(finess) == 9
    assert is_valid_finess(finess)
    wrong = finess[:-1] + str((int(finess[-1]) + 1) % 10)
    assert not is_valid_finess(wrong)
    problem = finess_problem(wrong)
    assert problem is not None
    assert KEY_MESSAGE in problem


def test_corsica_key_is_computed_with_2a_as_21_and_2b_as_22() -> None:
    assert with_check_key("2A000001")[-1] == with_check_key("21000001")[-1]
    assert with_check_key("2B000001")[-1] == with_check_key("22000001")[-1]


DEPARTEMENTS = (
    [f"{n:02d}" for n in range(1, 96)]
    + ["2A", "2B"]
    + [f"97{d}" for d in range(10)]
    + [f"98{d}" for d in range(10)]
)


@st.composite
def valid_prefixes(draw: st.DrawFn) -> str:
    departement = draw(st.sampled_from(DEPARTEMENTS))
    digits = draw(
        st.text(alphabet="0123456789", min_size=8 - len(departement), max_size=8 - len(departement))
    )
    return departement + digits


@given(valid_prefixes(), st.integers(min_value=1, max_value=9))
def test_with_check_key_gives_a_valid_finess_and_any_other_last_digit_is_invalid(
    prefix: str, shift: int
) -> None:
    finess = with_check_key(prefix)
    assert finess[:8] == prefix
    assert is_valid_finess(finess)
    assert finess_problem(finess) is None
    wrong = prefix + str((int(finess[-1]) + shift) % 10)
    assert not is_valid_finess(wrong)
    problem = finess_problem(wrong)
    assert problem is not None
    assert KEY_MESSAGE in problem
