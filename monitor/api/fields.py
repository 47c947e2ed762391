"""Field types shared by the API's JSON shapes: money and percents as rounded numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

from monitor.allocation import SMALLEST_TOTAL
from monitor.numbers import LIMIT, round2

Rounded = Annotated[Decimal, PlainSerializer(lambda d: float(round2(d)), return_type=float)]
Number = Annotated[Decimal, PlainSerializer(float, return_type=float)]
# Money, a quantity or a price: below the limit every stored number keeps (10^18).
Amount = Annotated[Decimal, Field(ge=0, lt=LIMIT, allow_inf_nan=False)]
# A portfolio's total: below a cent it is worth nothing (``allocation.SMALLEST_TOTAL``).
Total = Annotated[Decimal, Field(ge=SMALLEST_TOTAL, lt=LIMIT, allow_inf_nan=False)]
