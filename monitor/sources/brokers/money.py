"""Numbers as brokers write them: ``$1,234.56``, ``-$25.00``, ``(12.50)``, ``+$1.20``.

``--``, ``N/A`` and an empty field mean absent. Anything else that is not such a number is
refused, naming the field: a figure is never guessed, and never loses a digit (the value is
the ``Decimal`` of the digits written).
"""

from __future__ import annotations

import re
from decimal import Decimal

from monitor.errors import InputError

ABSENT = frozenset({"", "--", "n/a"})
NUMBER = re.compile(
    r"""
    (?P<open>\()?
    (?P<sign>[-+])?
    \$?
    (?P<inner_sign>[-+])?
    (?P<whole>\d{1,3}(?:,\d{3})+|\d+)?
    (?:\.(?P<fraction>\d+))?
    (?P<close>\))?
    """,
    re.VERBOSE | re.ASCII,  # digits are 0-9: no other script's digits slip through
)


def parse_amount(text: str, field: str) -> Decimal | None:
    """The number in ``text``, None if it is absent; ``InputError`` naming ``field`` if it
    is not a number a broker writes."""
    stripped = text.strip()
    if stripped.lower() in ABSENT:
        return None
    found = NUMBER.fullmatch(stripped)
    if (
        found is None
        or (found["whole"] is None and found["fraction"] is None)
        or (found["open"] is None) != (found["close"] is None)
        or (found["sign"] is not None and found["inner_sign"] is not None)
    ):
        raise InputError(field, f"expected an amount such as 1,234.56 or -$25.00, got {text!r}")
    sign = found["sign"] or found["inner_sign"]
    if sign is not None and found["open"] is not None:
        raise InputError(field, f"a sign and parentheses both, in {text!r}")
    fraction = found["fraction"]
    number = Decimal(
        (found["whole"] or "0").replace(",", "") + (f".{fraction}" if fraction else "")
    )
    return -number if sign == "-" or found["open"] is not None else number
