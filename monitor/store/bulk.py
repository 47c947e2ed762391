"""Bulk inserts through the driver's ``executemany``, for the tick's biggest writes.

A tick of a 10,000-account entry writes half a million holding rows. Through SQLAlchemy
each value passes a Python bind processor (``ExactDecimal`` rounds and formats every
Decimal) and the ORM's bulk path builds a dict per row: together they cost more than the
insert itself. Here rows are plain tuples, converted once to what the column types
store, and handed to the driver in batches: the same values, written at the driver's pace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
from itertools import islice
from typing import Any, cast

from sqlalchemy import Column, ColumnElement, Connection, Dialect, FromClause
from sqlalchemy.orm import Session

from monitor.domain.numbers import INTEGER_DIGITS
from monitor.store.batches import batches
from monitor.store.types import PRECISION, QUANTUM, SCALE, ExactDecimal

BATCH_ROWS = 20_000  # bounds the memory of one executemany's parameters
ROUNDING = Context(prec=PRECISION + 1)  # ExactDecimal's: one digit more than the column
SHORT_TEXT = SCALE + 1  # a number's text this short has at most 10 places, 11 integer digits
DIGITS = "0123456789"
NONE, DECIMAL, DECIMAL_OR_NONE = {type(None)}, {Decimal}, {Decimal, type(None)}


class StoredValues:
    """How one database stores a Decimal: as ``ExactDecimal`` does, faster."""

    def __init__(self, dialect_name: str, dialect: Any) -> None:
        self.sqlite = dialect_name == "sqlite"
        self._exact = ExactDecimal()
        self._dialect = dialect

    def decimal(self, number: Decimal | None) -> Any:
        """``ExactDecimal``'s stored value, with its common case (already at most 10
        places and 18 integer digits) done without its general checks."""
        if number is None or not self.sqlite:
            # PostgreSQL's NUMERIC(28, 10) rounds half away from zero, as ExactDecimal
            # does, and refuses what does not fit.
            return number
        if type(number) is not Decimal:  # an int, or a float ExactDecimal refuses
            return self._exact.process_bind_param(number, self._dialect)
        text = str(number)  # faster than format(), and the same but for exponents
        # Most numbers: at most 11 characters, ending in a digit (not NaN or an infinity),
        # without an exponent: at most 10 places and 18 integer digits, finite, as is.
        # Checked without a method call: every number of a tick's holding rows comes here.
        if len(text) <= SHORT_TEXT and text[-1] in DIGITS and "E" not in text:
            return text
        return self.longer_decimal(number, text)

    def decimals(self, numbers: list[Decimal | None]) -> list[Any]:
        """``decimal`` of each of ``numbers`` (a column of a batch of rows), its common case
        checked for the whole column at once: a tick's holding rows have two million."""
        kinds = set(map(type, numbers))
        if not self.sqlite or kinds <= NONE:
            return numbers
        if kinds == DECIMAL:
            return self.texts(cast(list[Decimal], numbers))
        if kinds == DECIMAL_OR_NONE:  # native values: none for holdings in the base currency
            texts = iter(self.texts([number for number in numbers if number is not None]))
            return [None if number is None else next(texts) for number in numbers]
        return [self.decimal(number) for number in numbers]  # an int, or a refused float

    def texts(self, numbers: list[Decimal]) -> list[Any]:
        """``decimals`` of numbers that are all Decimals."""
        texts = list(map(str, numbers))
        joined = "".join(texts)
        if "E" in joined or "N" in joined or "I" in joined:  # an exponent, NaN, Infinity
            return [self.decimal(number) for number in numbers]
        if max(map(len, texts), default=0) <= SHORT_TEXT:  # ``decimal``'s common case
            return texts
        longer = self.longer_decimal  # a percent, a converted value: more places, rounded
        return [
            text if len(text) <= SHORT_TEXT else longer(number, text)
            for number, text in zip(numbers, texts, strict=True)
        ]

    def longer_decimal(self, number: Decimal, text: str) -> Any:
        """``decimal`` of a number whose ``text`` is longer, or not plain digits."""
        if "E" in text:
            text = format(number, "f")
        point = text.find(".")
        # At most 18 characters before the point (a sign counts: then the general path
        # decides) and 10 after it; NaN and infinities are not finite.
        if point < 0:
            plain = len(text) <= INTEGER_DIGITS
        elif point > INTEGER_DIGITS:
            plain = False
        elif len(text) - point <= SCALE + 1:
            plain = True
        elif number.is_finite():  # too many places (a percent, a share): round as it does
            text = format(number.quantize(QUANTUM, rounding=ROUND_HALF_UP, context=ROUNDING), "f")
            plain = text.find(".") <= INTEGER_DIGITS
        else:
            plain = False
        if plain and number.is_finite():
            return text
        return self._exact.process_bind_param(number, self._dialect)


def stored_values(session: Session) -> StoredValues:
    dialect = session.get_bind().dialect
    return StoredValues(dialect.name, dialect)


def as_stored(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """How ``column``'s type turns a value into what this dialect's driver takes (SQLite
    keeps a time as text, in its format)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect) or unchanged


def as_loaded(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """How ``column``'s type turns what this dialect's driver returns into a value."""
    return column.type.dialect_impl(dialect).result_processor(dialect, None) or unchanged


def unchanged(value: Any) -> Any:
    return value


def in_batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    on_conflict: str = "",
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, each value as its column type
    stores it) in the session's transaction, in batches (each bounds the memory of one
    executemany). ``on_conflict``: what follows ``ON CONFLICT`` (the same on SQLite and
    PostgreSQL), e.g. ``(id) DO NOTHING``."""
    connection = session.connection()
    statement = insert_statement(connection, table, columns, on_conflict)
    written = 0
    for batch in in_batches(rows, BATCH_ROWS):
        connection.exec_driver_sql(statement, batch)
        written += len(batch)
    return written


def insert_columns(
    session: Session, table: FromClause, batches: Iterable[Mapping[str, list[Any]]]
) -> int:
    """Insert rows given a column at a time (each column's values as its type stores them),
    a batch at a time. A column without a server default that is None in every row of a
    batch is left out of its statement: its rows are NULL all the same, and the driver
    binds no None (sqlite3 looks each one up among its adapters: a holding's currency and
    native value, None outside a multi-currency tick, cost a fifth of the insert)."""
    connection = session.connection()
    written = 0
    for batch in batches:
        kept = {
            name: values
            for name, values in batch.items()
            if not none_throughout(values) or has_server_default(table.c[name])
        }
        rows = list(zip(*kept.values(), strict=True))
        if rows:
            statement = insert_statement(connection, table.description, list(kept))
            connection.exec_driver_sql(statement, rows)
            written += len(rows)
    return written


def none_throughout(values: list[Any]) -> bool:
    if not values:
        return True
    # The first value first: counting the Nones of a column of Decimals compares each.
    return values[0] is None and values.count(None) == len(values)


def has_server_default(column: ColumnElement[Any]) -> bool:
    """Whether a row inserted without a value of ``column`` may get another value than
    NULL (a default SQLAlchemy applies, ``default=``, does not apply to these inserts)."""
    return not isinstance(column, Column) or column.server_default is not None


def insert_statement(
    connection: Connection, table: str, columns: Sequence[str], on_conflict: str = ""
) -> str:
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    )
    return f"{statement} ON CONFLICT {on_conflict}" if on_conflict else statement


def rows_where_in(
    session: Session, query: str, column: str, values: Sequence[Any], *, suffix: str = ""
) -> Iterator[Sequence[Any]]:
    """The rows of ``query`` (``SELECT ... FROM ...``) whose ``column`` is one of ``values``,
    as the driver returns them, a batch of values at a time (SQLite takes at most 32,766
    bound parameters). Rendering an IN list of thousands costs SQLAlchemy more than the
    query."""
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for part in batches(values):
        statement = f"{query} WHERE {column} IN ({', '.join([marker] * len(part))}){suffix}"
        yield from connection.exec_driver_sql(statement, tuple(part))
