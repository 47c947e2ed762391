"""Holdings read without a class get one from the map, the rules, the cash mark or the
fallback; what nothing classifies is named, never guessed nor dropped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.domain.classify import Classifier, Unclassified, UnclassifiedError, make_position
from monitor.domain.holdings import Holding
from monitor.errors import InputError


def unclassified(
    symbol: str, value: str = "100", *, cash: bool = False, **facts: str
) -> Unclassified:
    return Unclassified(Holding(symbol, "", Decimal(value)), facts, cash=cash)


def test_the_symbol_map_gives_a_class_whatever_the_case_of_the_symbol() -> None:
    classifier = Classifier.of({"vti": "Stocks"})
    (holding,) = classifier.classify([unclassified("VTI")])
    assert (type(holding), holding.asset_class) == (Holding, "stocks")


def test_a_split_in_the_map_gives_the_holding_its_weights() -> None:
    (holding,) = Classifier.of({"VBIAX": "stocks:60;bonds:40"}).classify([unclassified("VBIAX")])
    assert holding.weights == (("stocks", Decimal(60)), ("bonds", Decimal(40)))


def test_a_sub_class_is_allowed_in_the_map() -> None:
    (holding,) = Classifier.of({"VTI": "stocks/us"}).classify([unclassified("VTI")])
    assert holding.asset_class == "stocks/us"


def test_a_holdings_own_class_wins_over_the_map() -> None:
    own = Holding("VTI", "bonds", Decimal(100))
    assert Classifier.of({"VTI": "stocks"}).classify([own]) == [own]


def test_a_rule_on_the_brokers_type_classifies_what_the_map_does_not_know() -> None:
    classifier = Classifier.of({}, [("type", "^bond", "bonds")])
    (holding,) = classifier.classify([unclassified("T 4.5 2030", type="Bonds & CDs")])
    assert holding.asset_class == "bonds"


def test_the_map_wins_over_a_rule() -> None:
    classifier = Classifier.of({"BNDX": "bonds/intl"}, [("description", "bond", "bonds")])
    (holding,) = classifier.classify([unclassified("BNDX", description="TOTAL INTL BOND")])
    assert holding.asset_class == "bonds/intl"


def test_a_line_the_broker_marks_as_cash_is_cash_by_default() -> None:
    (holding,) = Classifier.of({}).classify([unclassified("SPAXX", cash=True)])
    assert holding.asset_class == "cash"


def test_the_map_can_give_a_cash_line_another_class() -> None:
    (holding,) = Classifier.of({"SPAXX": "bonds"}).classify([unclassified("SPAXX", cash=True)])
    assert holding.asset_class == "bonds"


def test_unclassified_symbols_are_all_named_each_once() -> None:
    holdings = [unclassified("ABC"), unclassified("VTI"), unclassified("XYZ")]
    with pytest.raises(UnclassifiedError) as raised:
        Classifier.of({"VTI": "stocks"}).classify(holdings)
    assert raised.value.symbols == ["ABC", "XYZ"]
    assert "2 unclassified symbol(s): ABC, XYZ" in str(raised.value)


def test_the_fallback_classifies_what_nothing_else_does() -> None:
    (holding,) = Classifier.of({}, fallback="other").classify([unclassified("ABC")])
    assert holding.asset_class == "other"


def test_holdings_that_all_came_with_a_class_are_returned_as_they_are() -> None:
    holdings = [Holding("VTI", "stocks", Decimal(1))]
    assert Classifier.of({}).classify(holdings) is holdings


@pytest.mark.parametrize(
    ("symbols", "rules", "field"),
    [
        ({"VTI": "stocks:60;bonds:x"}, [], "classify.symbols.VTI.bonds"),
        ({}, [("type", "(", "bonds")], "classify.rules[0].match"),
        ({}, [("sector", "x", "bonds")], "classify.rules[0].field"),
    ],
)
def test_a_map_that_cannot_work_is_refused_naming_the_key(
    symbols: dict[str, str], rules: list[tuple[str, str, str]], field: str
) -> None:
    with pytest.raises(InputError) as raised:
        Classifier.of(symbols, rules)
    assert raised.value.field == field


def test_a_position_with_its_own_class_is_a_plain_holding() -> None:
    holding = make_position("VTI", "Stocks", value="100", where="line 2")
    assert (type(holding), holding.asset_class) == (Holding, "stocks")


def test_a_position_without_a_class_is_unclassified_with_what_its_source_says() -> None:
    holding = make_position(
        "SPAXX", "", value="5", facts={"description": "MONEY MARKET"}, cash=True, where="line 2"
    )
    assert isinstance(holding, Unclassified)
    assert (holding.asset_class, holding.cash, holding.fact("description")) == (
        "",
        True,
        "MONEY MARKET",
    )


def test_a_positions_figures_are_checked_as_any_holdings() -> None:
    with pytest.raises(InputError, match="line 2: quantity: quantity and price go together"):
        make_position("VTI", "", value=None, price="250", where="line 2")
