"""Holdings: validated from raw fields, and spread over the classes they count in.

A holding names one class (``stocks``), a sub-class (``stocks/us``), or several with weights
(a balanced fund: ``{"stocks": 60, "bonds": 40}``, in CSV ``stocks:60;bonds:40``). For the
allocation, a holding is cut into single-class slices: by its weights, and, where a class it
names has sub-classes, by their weights too. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from monitor.domain.numbers import (
    CENT,
    HUNDRED,
    currency_code,
    normalise_class,
    subfield,
    to_decimal,
)
from monitor.domain.targets import Targets, scaled_to_100
from monitor.errors import InputError

Weights = tuple[tuple[str, Decimal], ...]  # (class, percent of the holding), summing to 100


@dataclass(frozen=True, slots=True, init=False)
class Holding:
    symbol: str
    asset_class: str  # for a holding spanning classes, its weights as text: stocks:60;bonds:40
    value: Decimal
    quantity: Decimal | None = None
    price: Decimal | None = None
    account: str | None = None
    # Set on a holding that spans classes, and on each of its slices: the classes it counts
    # in. A plan never trades such a holding (to buy one class it would sell another).
    weights: Weights | None = None
    # Its currency as the source names it (USD); None: the portfolio's base currency. A
    # holding converted to the base keeps what it was worth in its own currency.
    currency: str | None = None
    native_value: Decimal | None = None  # set once converted: the value in ``currency``

    def __init__(
        self,
        symbol: str,
        asset_class: str,
        value: Decimal,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        account: str | None = None,
        weights: Weights | None = None,
        currency: str | None = None,
        native_value: Decimal | None = None,
    ) -> None:
        # The generated __init__ of a frozen dataclass, faster: it sets each slot through
        # object.__setattr__, which costs more than the slot descriptor's own setter, and a
        # tick of a big multi-account export builds a holding for every row it reads.
        _set_symbol(self, symbol)
        _set_asset_class(self, asset_class)
        _set_value(self, value)
        _set_quantity(self, quantity)
        _set_price(self, price)
        _set_account(self, account)
        _set_weights(self, weights)
        _set_currency(self, currency)
        _set_native_value(self, native_value)


def slot_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """The setter of each field's slot of a frozen slots dataclass, in field order."""
    return tuple(vars(cls)[field.name].__set__ for field in fields(cls))


(
    _set_symbol,
    _set_asset_class,
    _set_value,
    _set_quantity,
    _set_price,
    _set_account,
    _set_weights,
    _set_currency,
    _set_native_value,
) = slot_setters(Holding)


def make_holding(
    symbol: object,
    asset_class: object,
    *,
    value: object = None,
    quantity: object = None,
    price: object = None,
    account: str | None = None,
    currency: object = None,
    where: str,
) -> Holding:
    """Validate one holding's raw fields; ``where`` prefixes every message (``line 7``)."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(subfield(where, "symbol"), "symbol must be a non-empty text")
    field = subfield(where, "asset_class")
    weights = weights_of(asset_class, field)
    if weights is None:
        klass = normalise_class(asset_class, field)
    elif len(weights) == 1:  # stocks:100 is plain stocks
        (klass, _), weights = weights[0], None
    else:
        klass = weights_text(weights)
    qty = None if quantity in (None, "") else to_decimal(quantity, subfield(where, "quantity"))
    px = None if price in (None, "") else to_decimal(price, subfield(where, "price"))
    if value not in (None, ""):
        amount = to_decimal(value, subfield(where, "value"))
        if qty is not None and px is not None:
            check_agrees(amount, qty, px, subfield(where, "value"))
    elif qty is not None and px is not None:
        amount = qty * px
    elif qty is not None or px is not None:
        missing = "price" if px is None else "quantity"
        raise InputError(
            subfield(where, missing), f"quantity and price go together; {missing} is missing"
        )
    else:
        raise InputError(where, "a holding needs a value, or a quantity and a price")
    code = None if currency in (None, "") else currency_code(currency, subfield(where, "currency"))
    return Holding(symbol.strip(), klass, amount, qty, px, account, weights, code)


def check_agrees(value: Decimal, quantity: Decimal, price: Decimal, field: str) -> None:
    """A value given with a quantity and a price must be their product, to the cent: one
    of the figures is wrong, and which is not for the monitor to guess."""
    product = quantity * price
    if abs(value - product) > CENT:
        raise InputError(
            field,
            f"{value} is not quantity x price ({quantity} x {price} = {product}); give a "
            "value, or a quantity and a price, or figures that agree to the cent",
        )


def weights_of(raw: object, field: str) -> Weights | None:
    """``{"stocks": 60, "bonds": 40}`` or ``"stocks:60;bonds:40"`` -> weights summing to 100;
    a plain class name -> None."""
    if isinstance(raw, str) and ":" in raw:
        pairs: list[tuple[object, object]] = []
        for part in filter(str.strip, raw.split(";")):
            text, colon, share = part.partition(":")
            if not colon:
                raise InputError(
                    field, f"expected class:weight pairs such as stocks:60;bonds:40, got {raw!r}"
                )
            pairs.append((text, share))
    elif isinstance(raw, Mapping):
        pairs = list(raw.items())
    else:
        return None
    found: dict[str, Decimal] = {}
    for name, weight in pairs:
        klass = normalise_class(name, field)
        if klass in found:
            raise InputError(field, f"asset class {klass!r} is given twice")
        found[klass] = to_decimal(weight, f"{field}.{klass}")
    if not found:
        raise InputError(field, "a holding's class weights need at least one class")
    scaled = scaled_to_100(found, field, "a holding's class weights")
    return tuple((klass, weight) for klass, weight in scaled.items() if weight > 0)


def weights_text(weights: Weights) -> str:
    return ";".join(f"{klass}:{weight.normalize():f}" for klass, weight in weights)


def leaf_shares(targets: Targets, name: str) -> list[tuple[str, Decimal]]:
    """The classes a label counts in, with the share (of 1) of each: a class with sub-classes
    spreads over them by their weights, down to the leaves."""
    klass = targets.resolve(name)
    spec = targets.spec(klass)
    if not spec.children:
        return [(klass, Decimal(1))]
    return [
        (leaf, targets.spec(child).weight / HUNDRED * share)
        for child in spec.children
        for leaf, share in leaf_shares(targets, child)
    ]


def spread_of(holding: Holding, targets: Targets) -> dict[str, Decimal]:
    """The leaves a holding counts in, with the share (of 1) of its value in each."""
    # A source that builds holdings itself may leave weights in the label (stocks:60;...).
    label = f"holdings.{holding.symbol}.asset_class"
    weights = holding.weights or weights_of(holding.asset_class, label)
    spread: dict[str, Decimal] = {}
    for klass, weight in weights or ((holding.asset_class, HUNDRED),):
        for leaf, share in leaf_shares(targets, klass):
            spread[leaf] = spread.get(leaf, Decimal(0)) + weight / HUNDRED * share
    return spread


def is_own_leaf(label: str, targets: Targets) -> bool:
    """Whether holdings labelled ``label`` count in that one class as they are (a leaf
    class of the targets, not a fund's class list nor a parent spread over its children)."""
    return ":" not in label and targets.resolve(label) == label and not targets.spec(label).children


def all_slices(holdings: Iterable[Holding], targets: Targets) -> list[Holding]:
    """Every holding cut into one holding per class it counts in. Most count in the one
    class they name: they are kept as they are, and each label is looked up once."""
    spreads: dict[tuple[str, Weights | None], dict[str, Decimal]] = {}
    pieces: list[Holding] = []
    for holding in holdings:
        key = (holding.asset_class, holding.weights)
        spread = spreads.get(key)
        if spread is None:
            spread = spreads[key] = spread_of(holding, targets)
        if len(spread) == 1:
            (leaf,) = spread
            pieces.append(
                holding if leaf == holding.asset_class else replace(holding, asset_class=leaf)
            )
        else:
            pieces.extend(cut(holding, spread))
    return pieces


def cut(holding: Holding, spread: dict[str, Decimal]) -> list[Holding]:
    # Each slice knows the whole spread: a plan must not trade one slice of the holding.
    spread_weights = tuple((leaf, share * HUNDRED) for leaf, share in spread.items())
    return [
        Holding(
            holding.symbol,
            leaf,
            holding.value * share,
            None if holding.quantity is None else holding.quantity * share,
            holding.price,
            holding.account,
            spread_weights,
            holding.currency,
            None if holding.native_value is None else holding.native_value * share,
        )
        for leaf, share in spread.items()
    ]
