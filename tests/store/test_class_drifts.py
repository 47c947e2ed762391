"""Each class's drift kept with its snapshot as its class row holds it, read back exact."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from monitor.store.class_drifts import class_drifts_text, drift_text, read_class_drifts
from monitor.store.types import ExactDecimal


@given(
    digits=st.integers(min_value=-(10**22), max_value=10**22),  # below the limit: 10^17
    exponent=st.integers(min_value=-25, max_value=-5),
)
def test_a_drift_is_written_as_its_class_row_stores_it(digits: int, exponent: int) -> None:
    drift = Decimal(digits).scaleb(exponent)
    assert drift_text(drift) == ExactDecimal().process_bind_param(drift, sqlite.dialect())


def test_a_drift_with_an_exponent_is_written_in_plain_digits() -> None:
    assert [drift_text(Decimal(raw)) for raw in ["1E+2", "1.5E-7", "0E-12"]] == [
        "100",
        "0.00000015",
        "0.0000000000",
    ]


def test_the_drifts_of_a_snapshot_read_back_exact_in_the_classes_order() -> None:
    names = ['bonds "core"', "stocks"]
    drifts = [drift_text(Decimal(-2) / Decimal(3)), drift_text(Decimal("1.25"))]
    assert read_class_drifts([class_drifts_text(names, drifts)]) == [
        {'bonds "core"': Decimal("-0.6666666667"), "stocks": Decimal("1.25")}
    ]
