"""The driver-level bulk insert stores exactly what the ``ExactDecimal`` column would, and
leaves out of a batch's statement a column None throughout it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.store.bulk import StoredValues, as_stored, insert_columns
from monitor.store.models import Portfolio
from monitor.store.portfolios import list_portfolios
from monitor.store.types import ExactDecimal

AT = datetime(2026, 12, 3, 18, tzinfo=UTC)

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


COLUMN_VALUES = st.one_of(
    st.none(),
    st.builds(
        lambda digits, exponent: Decimal(digits).scaleb(exponent),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.integers(min_value=-14, max_value=4),
    ),
    st.sampled_from([Decimal("1E+5"), Decimal("0E-7"), Decimal("-0"), Decimal("2.5E-11")]),
)


@given(numbers=st.lists(COLUMN_VALUES, max_size=30))
def test_a_column_is_stored_as_each_of_its_decimals_is(numbers: list[Decimal | None]) -> None:
    stored = StoredValues("sqlite", sqlite.dialect())
    try:
        expected: list[str | None] | None = [stored.decimal(n) for n in numbers]
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            stored.decimals(numbers)
    else:
        assert stored.decimals(numbers) == expected


def test_a_column_of_short_decimals_is_stored_as_their_texts() -> None:
    numbers: list[Decimal | None] = [Decimal("66307.04"), Decimal("1682"), Decimal("-0.5")]
    assert StoredValues("sqlite", sqlite.dialect()).decimals(numbers) == [
        "66307.04",
        "1682",
        "-0.5",
    ]


def test_a_column_of_longer_decimals_is_rounded_as_exact_decimal_does() -> None:
    numbers: list[Decimal | None] = [Decimal(1) / Decimal(3), None, Decimal("12.5")]
    stored = StoredValues("sqlite", sqlite.dialect()).decimals(numbers)
    assert stored == ["0.3333333333", None, "12.5"]


def test_a_column_with_a_float_is_refused_as_exact_decimal_does() -> None:
    with pytest.raises(TypeError):
        StoredValues("sqlite", sqlite.dialect()).decimals([Decimal(1), 1.5])  # type: ignore[list-item]


def test_a_column_is_left_to_postgresql_as_it_is() -> None:
    numbers: list[Decimal | None] = [Decimal(1) / Decimal(3), None]
    assert StoredValues("postgresql", postgresql.dialect()).decimals(numbers) is numbers


def test_a_column_none_throughout_a_batch_is_left_out_of_its_insert(
    engine: Engine, session: Session
) -> None:
    statements: list[str] = []

    def keep(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    at = as_stored(Portfolio.__table__.c.created_at, engine.dialect)(AT)
    batches = [
        {"id": ["a", "b"], "name": ["A", "B"], "parent_id": [None, None], "created_at": [at, at]}
    ]
    event.listen(engine, "before_cursor_execute", keep)
    try:
        written = insert_columns(session, Portfolio.__table__, batches)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert written == 2
    assert [s for s in statements if "portfolios" in s] == [
        f"INSERT INTO portfolios (id, name, created_at) VALUES ({', '.join([marker(engine)] * 3)})"
    ]
    assert [p.parent_id for p in list_portfolios(session=session)] == [None, None]


def test_a_column_none_in_some_rows_is_inserted_with_them(session: Session) -> None:
    at = as_stored(Portfolio.__table__.c.created_at, session.get_bind().dialect)(AT)
    first = {"id": ["a"], "name": ["A"], "parent_id": [None], "created_at": [at]}
    second = {
        "id": ["b", "c"],
        "name": ["B", "C"],
        "parent_id": [None, "a"],
        "created_at": [at, at],
    }
    insert_columns(session, Portfolio.__table__, [first, second])
    assert {p.id: p.parent_id for p in list_portfolios(session=session)} == {
        "a": None,
        "b": None,
        "c": "a",
    }


def test_a_column_with_a_server_default_is_inserted_none_throughout(session: Session) -> None:
    probe = Table(
        "default_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("note", String(10), server_default="default"),
    )
    probe.create(session.connection())
    insert_columns(session, probe, [{"id": [1], "note": [None]}])
    assert session.execute(select(probe.c.note)).scalar_one() is None


def marker(engine: Engine) -> str:
    return "?" if engine.dialect.paramstyle == "qmark" else "%s"
