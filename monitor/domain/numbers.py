"""Numbers as the engine reads and shows them: exact ``Decimal`` in, two places out.

Pure helpers shared by the engine modules (``allocation``, ``targets``, ``bands``, ``plans``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from monitor.errors import InputError

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ZERO = Decimal(0)
SHARE_PLACES = Decimal("0.00000001")  # how fractional share counts are shown
# Every number the monitor takes is below 10^18 in size: the store keeps them as
# NUMERIC(28, 10), 18 digits before the point (``monitor.store.types`` is built from these),
# and two-place rounding stays within ``Decimal``'s 28 digits.
INTEGER_DIGITS = 18
LIMIT = Decimal(10) ** INTEGER_DIGITS
LIMIT_TEXT = "10^18 (1,000,000,000,000,000,000)"


def round2(value: Decimal) -> Decimal:
    """Round money or a percent for display: two places, half away from zero."""
    # The rounding passed by position: by keyword, the call takes twice as long, and every
    # amount of every API answer is rounded here.
    return value.quantize(CENT, ROUND_HALF_UP)


def money_text(value: Decimal) -> str:
    """``64827.8249`` -> ``64,827.82``."""
    return f"{round2(value):,.2f}"


def shares_text(shares: Decimal) -> str:
    """``1200`` -> ``1,200``; a fraction of a share keeps its places: ``0.5``."""
    return f"{shares:,.0f}" if shares == shares.to_integral_value() else f"{shares.normalize():,f}"


def price_text(price: Decimal) -> str:
    """``72.1`` -> ``72.10``; a price finer than cents (``0.0001234``) as it is."""
    return money_text(price) if price == round2(price) else f"{price.normalize():,f}"


def to_decimal(raw: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """A finite ``Decimal`` from a JSON/CSV/TOML number or numeric string, or ``InputError``."""
    if isinstance(raw, bool) or raw is None:
        raise InputError(field, f"expected a number, got {raw!r}")
    try:
        # str() first so that a float such as 0.1 keeps its shortest decimal form.
        number = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace("_", ""))
    except (InvalidOperation, ValueError):
        raise InputError(field, f"expected a number, got {raw!r}") from None
    # A JSON number is read as a Decimal: shown as written, not as Decimal('-5').
    shown = str(raw) if isinstance(raw, Decimal) else repr(raw)
    if not number.is_finite():
        raise InputError(field, f"must be a finite number, got {shown}")
    if number < 0 and not allow_negative:
        raise InputError(field, f"must not be negative, got {shown}")
    return check_size(number, field)


def check_size(number: Decimal, field: str, *, what: str = "") -> Decimal:
    """``number`` if it is below ``LIMIT`` in size, else an ``InputError`` naming ``field``;
    ``what`` says what the number is when it is not the field's own (a sum)."""
    if abs(number) >= LIMIT:
        shown = f"{number.normalize():g}"
        raise InputError(field, f"{what}{shown} is too large: numbers must be below {LIMIT_TEXT}")
    return number


def subfield(where: str, name: str) -> str:
    """``holdings.AAPL`` + ``value`` -> ``holdings.AAPL.value``; ``line 7`` -> ``line 7: value``."""
    return f"{where}: {name}" if where.startswith("line ") else f"{where}.{name}"


def normalise_class(name: object, field: str) -> str:
    """Asset class names compare trimmed and lower-case: ``" Stocks "`` is ``stocks``."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(field, "asset class must be a non-empty name")
    return name.strip().lower()


def currency_code(raw: object, field: str) -> str:
    """A currency as an ISO 4217 code: three letters, upper-cased (`` usd`` is ``USD``)."""
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise InputError(field, f"expected a three-letter currency code such as USD, got {raw!r}")
    return code


def total(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``Decimal`` values, a ``Decimal`` even when there are none."""
    return sum(values, ZERO)
