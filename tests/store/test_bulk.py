"""The driver-level bulk insert stores exactly what the ``ExactDecimal`` column would."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from monitor.store.bulk import StoredValues
from monitor.store.types import ExactDecimal

VALUES = [
    "0",
    "-0",
    "1.50",
    "123456.78",
    "0.1234567890",
    "0.12345678905",  # eleven places: rounds half-up
    "-0.12345678905",
    "33.333333333333333333333333",
    "999999999999999999.99999999994",
    "1E+5",
    "2.5E-11",
    "0E-7",
    "12345678901",  # eleven characters: the common case's longest
    "-1234567890",
    "1.123456789",
    "0.000001",
    "123456789012",
    "1.1234567890",
]


@pytest.mark.parametrize("raw", VALUES)
def test_a_decimal_is_stored_as_exact_decimal_stores_it_on_sqlite(raw: str) -> None:
    dialect = sqlite.dialect()
    number = Decimal(raw)
    expected = ExactDecimal().process_bind_param(number, dialect)
    assert StoredValues("sqlite", dialect).decimal(number) == expected


@pytest.mark.parametrize("raw", ["1E+18", "NaN", "-Infinity", "sNaN", "Infinity"])
def test_a_decimal_the_column_cannot_hold_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        StoredValues("sqlite", sqlite.dialect()).decimal(Decimal(raw))


def test_an_int_is_stored_and_a_float_refused_as_exact_decimal_does() -> None:
    stored = StoredValues("sqlite", sqlite.dialect())
    assert stored.decimal(1500) == "1500"  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        stored.decimal(1.5)  # type: ignore[arg-type]


@given(
    digits=st.integers(min_value=-(10**24), max_value=10**24),
    exponent=st.integers(min_value=-25, max_value=8),
)
def test_any_decimal_is_stored_or_refused_as_exact_decimal_does(digits: int, exponent: int) -> None:
    dialect = sqlite.dialect()
    number = Decimal(digits).scaleb(exponent)
    try:
        expected: str | None = ExactDecimal().process_bind_param(number, dialect)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            StoredValues("sqlite", dialect).decimal(number)
    else:
        assert StoredValues("sqlite", dialect).decimal(number) == expected
