"""Small inputs for the engine and plan tests, written once."""

from __future__ import annotations

from monitor.domain.allocation import Holding, make_holding

# Stocks 60 split us 70 / intl 30 (42 and 18 of the whole), bonds 40.
TREE = {"stocks": {"target": 60, "children": {"us": 70, "intl": 30}}, "bonds": 40}


def holding(symbol: str, asset_class: object, value: str | int) -> Holding:
    """A holding by value; ``asset_class`` a label or weights (``{"stocks": 60, ...}``)."""
    return make_holding(symbol, asset_class, value=value, where=symbol)
