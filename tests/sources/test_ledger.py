"""The beancount kind: positions under a prefix, valued at the latest prices, read by beancount."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from monitor.domain.classify import Unclassified
from monitor.errors import SourceError
from monitor.sources.ledger import BeancountSource

LEDGER = Path(__file__).parents[1] / "fixtures" / "brokers" / "ledger.beancount"


def positions(source: BeancountSource) -> list[tuple[str | None, str, str, Decimal]]:
    return [(h.account, h.symbol, h.asset_class, h.value) for h in source.fetch()]


def test_the_positions_under_the_prefix_are_valued_at_their_latest_prices() -> None:
    assert positions(BeancountSource(path=LEDGER, prefix="Assets:Investments")) == [
        (None, "USD", "", Decimal(1500)),
        (None, "VTI", "stocks/us", Decimal(6000)),
        (None, "BND", "", Decimal("3605")),
        (None, "VXUS", "", Decimal(2600)),
    ]


def test_the_operating_currency_is_cash_and_a_commodity_without_a_class_is_unclassified() -> None:
    usd, _, bnd, _ = BeancountSource(path=LEDGER, prefix="Assets:Investments").fetch()
    assert isinstance(usd, Unclassified)
    assert usd.cash
    assert isinstance(bnd, Unclassified)
    assert bnd.fact("description") == "Vanguard Total Bond Market ETF"


def test_the_prefix_leaves_out_the_accounts_outside_it() -> None:
    usd = BeancountSource(path=LEDGER, prefix="Assets").fetch()[0]
    assert usd.value == Decimal(4000)  # the checking account's 2,500 too


def test_account_depth_makes_each_account_below_the_prefix_its_own() -> None:
    source = BeancountSource(path=LEDGER, prefix="Assets:Investments", account_depth=1)
    assert sorted({account for account, *_ in positions(source)}) == ["Fidelity", "Schwab"]


def test_a_ledger_that_does_not_load_fails_with_beancounts_messages(tmp_path: Path) -> None:
    broken = tmp_path / "broken.beancount"
    broken.write_text(
        LEDGER.read_text() + "\n2026-12-02 balance Assets:Investments:Schwab:Cash 1.00 USD\n"
    )
    with pytest.raises(
        SourceError, match=r"the ledger does not load: broken\.beancount:\d+: Balance failed"
    ):
        BeancountSource(path=broken).fetch()


def test_a_commodity_without_a_price_is_named(tmp_path: Path) -> None:
    ledger = tmp_path / "x.beancount"
    ledger.write_text(LEDGER.read_text().replace("2026-12-01 price VXUS  65.00 USD\n", ""))
    with pytest.raises(SourceError, match="VXUS: no price of VXUS in USD in the ledger"):
        BeancountSource(path=ledger, prefix="Assets:Investments").fetch()


def test_loading_writes_nothing_beside_the_ledger(tmp_path: Path) -> None:
    ledger = tmp_path / "x.beancount"
    ledger.write_text(LEDGER.read_text())
    BeancountSource(path=ledger).fetch()
    assert [p.name for p in tmp_path.iterdir()] == ["x.beancount"]
