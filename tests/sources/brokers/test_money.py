"""Amounts as brokers write them: read to the cent, absent when they say so, else refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.errors import InputError
from monitor.sources.brokers.money import parse_amount

CENTS = st.integers(min_value=-(10**15), max_value=10**15).map(lambda n: Decimal(n).scaleb(-2))


def written(amount: Decimal, style: str) -> str:
    """``amount`` as one broker or another writes it."""
    body = f"{abs(amount):,.2f}"
    negative = amount < 0
    return {
        "plain": f"{'-' if negative else ''}{abs(amount):.2f}",
        "dollars": f"{'-' if negative else ''}${body}",
        "signed": f"{'-' if negative else '+'}${body}",
        "parentheses": f"(${body})" if negative else f"${body}",
        "dollar-then-sign": f"${'-' if negative else ''}{body}",
    }[style]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$1,234.56", Decimal("1234.56")),
        ("-$25.00", Decimal("-25.00")),
        ("(12.50)", Decimal("-12.50")),
        ("+$1.20", Decimal("1.20")),
        ("1,200.000", Decimal("1200.000")),
        (" 24 ", Decimal(24)),
    ],
)
def test_an_amount_is_read_as_written(text: str, amount: Decimal) -> None:
    assert parse_amount(text, "value") == amount


@pytest.mark.parametrize("text", ["", "  ", "--", "N/A", "n/a"])
def test_dashes_na_and_empty_mean_absent(text: str) -> None:
    assert parse_amount(text, "value") is None


@pytest.mark.parametrize(
    "text", ["lots", "1,23", "12%", "(12.50", "-(1)", "1.2.3", "$", "1 000", "12e3", "--5"]
)
def test_anything_else_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_amount(text, "line 7: value")
    assert str(raised.value).startswith("line 7: value: ")


@given(CENTS, st.sampled_from(["plain", "dollars", "signed", "parentheses", "dollar-then-sign"]))
def test_no_cent_is_ever_lost(amount: Decimal, style: str) -> None:
    assert parse_amount(written(amount, style), "value") == amount


@given(st.text(max_size=20))
def test_what_is_accepted_is_the_number_its_digits_say(text: str) -> None:
    """Never garbage taken silently: an accepted text is signs, a dollar, parentheses and
    thousands commas around the very digits of the number read."""
    try:
        amount = parse_amount(text, "value")
    except InputError:
        return
    if amount is None:
        assert text.strip().lower() in ("", "--", "n/a")
        return
    digits = "".join(c for c in text.strip() if c not in "$,()+-")
    assert digits.replace(".", "").isascii()
    assert Decimal(digits) == abs(amount)
    assert (amount < 0) == ("-" in text or "(" in text) or amount == 0
