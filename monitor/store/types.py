"""Column types whose values mean the same on SQLite and PostgreSQL.

SQLite has no exact numeric type (its NUMERIC is a float) and no time zones, so both types
below choose a storage that round-trips exactly there, and agree with PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from monitor.domain.numbers import INTEGER_DIGITS, LIMIT

SCALE = 10
PRECISION = INTEGER_DIGITS + SCALE  # 28: the engine refuses numbers of more integer digits
QUANTUM = Decimal(1).scaleb(-SCALE)


class ExactDecimal(TypeDecorator[Decimal]):
    """A ``Decimal`` with 10 fractional digits and 18 integer digits, on both databases.

    PostgreSQL stores ``NUMERIC(28, 10)``; SQLite stores the digits as TEXT. Values are
    rounded (half-up, as PostgreSQL does) to 10 places on the way in, so both databases hand
    back the same number. Floats are refused: they are not exact. Being TEXT on SQLite, these
    columns must not be compared or sorted in SQL.
    """

    impl = Numeric(PRECISION, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(PRECISION, SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise TypeError(f"ExactDecimal takes a Decimal or an int, got {value!r}")
        number = Decimal(value)
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -SCALE and abs(number) < LIMIT:
            # One digit more than the column, for a value that rounds up to the limit.
            with localcontext(prec=PRECISION + 1):
                number = number.quantize(QUANTUM, rounding=ROUND_HALF_UP)
        if not number.is_finite() or abs(number) >= LIMIT:
            raise ValueError(f"{value} does not fit NUMERIC({PRECISION}, {SCALE})")
        return format(number, "f") if dialect.name == "sqlite" else number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time: timezone-aware datetimes in, UTC datetimes out.

    Naive datetimes are refused rather than guessed at. SQLite keeps the UTC wall time as
    text (which sorts correctly); PostgreSQL keeps ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone; pass UTC")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
