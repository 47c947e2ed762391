"""Field types shared by the API's JSON shapes: money and percents as exact numbers.

They serialize to ``Decimal`` and are written by ``exact_json`` as JSON numbers with all
their digits (pydantic's own JSON would write a ``Decimal`` as a string).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema
from pydantic.config import JsonDict

from monitor.domain.allocation import SMALLEST_TOTAL
from monitor.domain.numbers import LIMIT, round2

NUMBER = WithJsonSchema({"type": "number"})

# Money or a percent: two places, half-up (100 -> 100.00).
Rounded = Annotated[Decimal, PlainSerializer(round2, return_type=Decimal), NUMBER]
# A quantity, a price or a fraction, as it is, without trailing zeros (10.50 -> 10.5).
Number = Annotated[Decimal, PlainSerializer(Decimal.normalize, return_type=Decimal), NUMBER]
# Money, a quantity or a price: below the limit every stored number keeps (10^18).
Amount = Annotated[Decimal, Field(ge=0, lt=LIMIT, allow_inf_nan=False)]
# A portfolio's total: below a cent it is worth nothing (``allocation.SMALLEST_TOTAL``).
Total = Annotated[Decimal, Field(ge=SMALLEST_TOTAL, lt=LIMIT, allow_inf_nan=False)]

# A date or an RFC 3339 time, but a leap second (23:59:60): a datetime has none.
BOUND: JsonDict = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time", "pattern": "^(?!.*:60)"},
        {"type": "null"},
    ]
}
# A duration as the config writes it (90m, 24h, 7d, 2w), checked further when parsed.
DURATION_PATTERN = r"^\s*\d+(\.\d+)?\s*[smhdw]\s*$"
