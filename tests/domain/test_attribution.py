"""Attribution by asset class: market effect, flow effect and what cannot be split."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from monitor.domain.allocation import Holding
from monitor.domain.attribution import ClassAttribution, Valuation, attribute

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 3, 1, tzinfo=UTC)


def held(
    symbol: str, klass: str, quantity: str | None, price: str | None, value: str = ""
) -> Holding:
    q = None if quantity is None else Decimal(quantity)
    p = None if price is None else Decimal(price)
    amount = Decimal(value) if value else q * p  # type: ignore[operator]
    return Holding(symbol, klass, amount, q, p)


def valuation(at: datetime, holdings: list[Holding]) -> Valuation:
    values: dict[str, Decimal] = {}
    for h in holdings:
        values[h.asset_class] = values.get(h.asset_class, Decimal(0)) + h.value
    return Valuation(taken_at=at, class_values=values, holdings=tuple(holdings))


# Worked by hand:
# stocks: VTI 100 @ 200 -> 120 @ 250. Market 100 x 50 = 5,000; flow 20 x 250 = 5,000.
# bonds:  BND 200 @ 75 -> 200 @ 70.   Market 200 x -5 = -1,000; flow 0.
# commodities: GLD bought, 10 @ 180.   Flow 1,800.
# cash:   a money-market fund sold out (value 500). Flow -500.
HAND_START = valuation(
    START,
    [
        held("VTI", "stocks", "100", "200"),
        held("BND", "bonds", "200", "75"),
        held("MMF", "cash", None, None, "500"),
    ],
)
HAND_END = valuation(
    END,
    [
        held("VTI", "stocks", "120", "250"),
        held("BND", "bonds", "200", "70"),
        held("GLD", "commodities", "10", "180"),
    ],
)


def effects(c: ClassAttribution) -> tuple[Decimal, ...]:
    return (c.start_value, c.end_value, c.market_effect, c.flow_effect, c.unattributed)


def test_the_hand_computed_example_splits_each_class() -> None:
    result = attribute(HAND_START, HAND_END)
    by_class = {c.asset_class: effects(c) for c in result.classes}
    assert by_class == {
        "stocks": (20000, 30000, 5000, 5000, 0),
        "bonds": (15000, 14000, -1000, 0, 0),
        "cash": (500, 0, 0, -500, 0),
        "commodities": (0, 1800, 0, 1800, 0),
    }


def test_the_totals_add_up_the_classes() -> None:
    total = attribute(HAND_START, HAND_END).total
    assert total.asset_class == "total"
    assert effects(total) == (35500, 45800, 4000, 6300, 0)
    assert total.change == Decimal(10300)


def test_classes_come_in_the_start_order_then_the_new_ones() -> None:
    result = attribute(HAND_START, HAND_END)
    assert [c.asset_class for c in result.classes] == ["stocks", "bonds", "cash", "commodities"]
    assert (result.start_at, result.end_at) == (START, END)


def test_a_holding_without_quantity_and_price_is_unattributed() -> None:
    start = valuation(START, [held("HOUSE", "property", None, None, "300000")])
    end = valuation(END, [held("HOUSE", "property", None, None, "310000")])
    [house] = attribute(start, end).classes
    assert effects(house) == (300000, 310000, 0, 0, 10000)


def test_without_recorded_holdings_the_whole_change_is_unattributed() -> None:
    start = Valuation(START, {"stocks": Decimal(100)}, holdings=None)
    end = valuation(END, [held("VTI", "stocks", "1", "150")])
    [stocks] = attribute(start, end).classes
    assert effects(stocks) == (100, 150, 0, 0, 50)


def test_fractional_quantities_stay_exact() -> None:
    start = valuation(START, [held("BTC", "crypto", "0.12345678", "43210.98")])
    end = valuation(END, [held("BTC", "crypto", "0.12345678", "61234.56")])
    [btc] = attribute(start, end).classes
    assert btc.market_effect == Decimal("0.12345678") * (Decimal("61234.56") - Decimal("43210.98"))
    assert btc.flow_effect == 0


money = st.decimals(min_value=0, max_value=10**6, places=2)
quantities = st.decimals(min_value=0, max_value=10**4, places=4)
positions = st.dictionaries(
    st.sampled_from(["A", "B", "C", "D"]),
    st.tuples(st.sampled_from(["stocks", "bonds"]), quantities, money, st.booleans()),
    max_size=4,
)


def as_valuation(at: datetime, drawn: dict[str, tuple[str, Decimal, Decimal, bool]]) -> Valuation:
    return valuation(
        at,
        [
            Holding(s, k, q * p, q, p) if known else Holding(s, k, q * p)
            for s, (k, q, p, known) in drawn.items()
        ],
    )


@given(positions, positions)
def test_market_flow_and_unattributed_always_sum_to_the_change(
    before: dict[str, tuple[str, Decimal, Decimal, bool]],
    after: dict[str, tuple[str, Decimal, Decimal, bool]],
) -> None:
    result = attribute(as_valuation(START, before), as_valuation(END, after))
    for c in (*result.classes, result.total):
        assert c.market_effect + c.flow_effect + c.unattributed == c.change
