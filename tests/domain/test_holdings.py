"""``Holding`` is a frozen dataclass whose own ``__init__`` does what the generated one did."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal

import pytest

from monitor.domain.allocation import Holding

WEIGHTS = (("stocks", Decimal(60)), ("bonds", Decimal(40)))


def test_a_holding_built_by_position_or_keyword_has_every_field() -> None:
    by_position = Holding(
        "FUND",
        "bonds:40;stocks:60",
        Decimal(10),
        Decimal(2),
        Decimal(5),
        "a-1",
        WEIGHTS,
        "EUR",
        Decimal(9),
    )
    by_keyword = Holding(
        native_value=Decimal(9),
        currency="EUR",
        weights=WEIGHTS,
        account="a-1",
        price=Decimal(5),
        quantity=Decimal(2),
        value=Decimal(10),
        asset_class="bonds:40;stocks:60",
        symbol="FUND",
    )
    assert by_position == by_keyword
    assert dataclasses.astuple(by_position) == (
        "FUND",
        "bonds:40;stocks:60",
        Decimal(10),
        Decimal(2),
        Decimal(5),
        "a-1",
        WEIGHTS,
        "EUR",
        Decimal(9),
    )


def test_the_optional_fields_default_to_none() -> None:
    holding = Holding("VTI", "stocks", Decimal(100))
    assert (holding.quantity, holding.price, holding.account, holding.weights) == (
        None,
        None,
        None,
        None,
    )


def test_a_holding_needs_its_symbol_class_and_value() -> None:
    with pytest.raises(TypeError):
        Holding("VTI", "stocks")  # type: ignore[call-arg]


def test_a_holding_cannot_be_changed() -> None:
    holding = Holding("VTI", "stocks", Decimal(100))
    with pytest.raises(dataclasses.FrozenInstanceError):
        holding.value = Decimal(1)  # type: ignore[misc]


def test_replace_copy_pickle_and_hash_see_every_field() -> None:
    holding = Holding("VTI", "stocks", Decimal(100), Decimal(4), Decimal(25), "a-1")
    moved = dataclasses.replace(holding, asset_class="etfs")
    assert moved == Holding("VTI", "etfs", Decimal(100), Decimal(4), Decimal(25), "a-1")
    assert copy.copy(holding) == holding == pickle.loads(pickle.dumps(holding))
    assert hash(holding) == hash(
        Holding("VTI", "stocks", Decimal(100), Decimal(4), Decimal(25), "a-1")
    )
    assert holding != moved
    assert repr(holding) == (
        "Holding(symbol='VTI', asset_class='stocks', value=Decimal('100'), "
        "quantity=Decimal('4'), price=Decimal('25'), account='a-1', weights=None, "
        "currency=None, native_value=None)"
    )
