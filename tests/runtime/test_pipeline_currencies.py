"""A tick of a portfolio in several currencies: rates fetched, converted, stored, alerted;
a missing pair and stale rates fail the tick as a failing source does."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

import monitor.runtime.pipeline
import monitor.runtime.rates
import monitor.runtime.tick_reading
import monitor.sources.csv_pieces
from monitor.domain.fx import RateTable
from monitor.notify.drain import drain_outbox
from monitor.runtime.scheduler import describe_outcome
from monitor.settings import Settings, load_settings
from monitor.store.alert_states import load_alert_states
from monitor.store.snapshots import latest_snapshot
from tests.fixtures.sinks import WebhookSink
from tests.runtime.test_pipeline import SLOT, TARGETS, World, clock_at

MIXED_CSV = "symbol,asset_class,value,currency\nVTI,stocks,6000,USD\nBUND,bonds,4000,EUR\n"
RATES = "pair,rate,as_of\nEURUSD,1.0842,2026-01-05\n"


class CurrencyWorld(World):
    """A world whose config starts with top-level lines (base_currency, [fx])."""

    top = ""

    @property
    def settings(self) -> Settings:
        config = self.file("monitor.toml", self.top + TARGETS + "".join(self.entries))
        return load_settings(config)


@pytest.fixture
def world(tmp_path: Path, sessions: sessionmaker[Session]) -> CurrencyWorld:
    world = CurrencyWorld(tmp_path, sessions)
    world.file("rates.csv", RATES)
    world.top = 'base_currency = "USD"\nfx = { source = { kind = "csv", path = "rates.csv" } }\n'
    return world


def test_a_mixed_currency_portfolio_ticks_and_stores_in_its_base_currency(
    world: CurrencyWorld,
) -> None:
    world.csv_portfolio("family", MIXED_CSV)
    outcome = world.tick("family")
    # 4,000 EUR x 1.0842 = 4,336.80 USD; with 6,000 USD, 10,336.80 USD. Stocks 58.045%.
    assert (outcome.status, outcome.value) == ("ok", Decimal("10336.8"))
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert snapshot.base_currency == "USD"
    assert [(r.pair, r.rate) for r in snapshot.fx_rates] == [("EURUSD", Decimal("1.0842"))]
    assert [(c.currency, c.value, c.native_value) for c in snapshot.currencies] == [
        ("USD", Decimal(6000), Decimal(6000)),
        ("EUR", Decimal("4336.8"), Decimal(4000)),
    ]


def test_a_missing_rate_fails_the_tick_naming_the_pair(world: CurrencyWorld) -> None:
    world.csv_portfolio("family", "symbol,asset_class,value,currency\nSONY,stocks,100,JPY\n")
    outcome = world.tick("family")
    assert outcome.status == "failed"
    assert outcome.error is not None and "no exchange rate for JPYUSD" in outcome.error
    assert world.failures("family") == 1
    assert world.snapshot_count() == 0


def test_stale_rates_fail_ticks_until_the_stale_data_alert(world: CurrencyWorld) -> None:
    # The file's rate is of 2026-01-05; ticks from 2026-01-09 on are more than 3 days past.
    world.top = (
        'base_currency = "USD"\n'
        'fx = { source = { kind = "csv", path = "rates.csv" }, max_age = "3d" }\n'
    )
    world.csv_portfolio("family", MIXED_CSV)
    assert world.tick("family").status == "ok"
    later = SLOT + timedelta(days=4)
    for hour in range(3):
        outcome = world.tick("family", later + timedelta(hours=hour))
        assert outcome.status == "failed"
    assert outcome.error == (
        f"fx csv {world.folder / 'rates.csv'}: the exchange rates are stale: as of 2026-01-05, "
        "4 days old, and fx.max_age is 3d"
    )
    with world.sessions() as session:
        state = load_alert_states(session=session, portfolio_ids=["family"])["family"]
    assert (state.consecutive_failures, state.source_state) == (3, "failing")


def test_a_single_currency_portfolio_fetches_no_rates(world: CurrencyWorld) -> None:
    (world.folder / "rates.csv").unlink()  # it would fail the tick, were it read
    world.csv_portfolio("family", "symbol,asset_class,value\nVTI,stocks,6000\nBND,bonds,4000\n")
    assert world.tick("family").status == "ok"


def test_two_currencies_without_a_base_are_refused(world: CurrencyWorld) -> None:
    world.top = ""
    world.csv_portfolio("family", MIXED_CSV)
    outcome = world.tick("family")
    assert outcome.status == "failed"
    assert outcome.error is not None and "no base currency is set" in outcome.error


def test_a_currency_past_its_target_s_band_needs_rebalancing(world: CurrencyWorld) -> None:
    # USD 6,000 of 10,336.80 is 58.05% against a 70% target: -11.95 pp, past 5 pp.
    world.csv_portfolio("family", MIXED_CSV, "currency_targets = { USD = 70, EUR = 30 }\n")
    outcome = world.tick("family")
    assert (outcome.status, outcome.out_of_band) == ("ok", 1)
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
        state = load_alert_states(session=session, portfolio_ids=["family"])["family"]
    assert snapshot is not None
    assert [(c.currency, c.breach) for c in snapshot.currencies] == [
        ("USD", "absolute"),
        ("EUR", "absolute"),
    ]
    assert state.notified_classes == frozenset({"currency USD", "currency EUR"})


def test_top_level_currency_targets_alert_for_an_entry_without_its_own(
    world: CurrencyWorld,
) -> None:
    world.top += "currency_targets = { USD = 70, EUR = 30 }\n"
    world.csv_portfolio("family", MIXED_CSV)
    outcome = world.tick("family")
    # As above: USD 58.05% against the top level's 70%, EUR 41.95% against 30%.
    assert (outcome.status, outcome.out_of_band) == ("ok", 1)
    with world.sessions() as session:
        state = load_alert_states(session=session, portfolio_ids=["family"])["family"]
    assert state.notified_classes == frozenset({"currency USD", "currency EUR"})


def test_an_entry_s_own_currency_targets_win_over_the_top_level_ones(
    world: CurrencyWorld,
) -> None:
    world.top += "currency_targets = { USD = 70, EUR = 30 }\n"
    world.csv_portfolio("family", MIXED_CSV, "currency_targets = { USD = 60, EUR = 40 }\n")
    outcome = world.tick("family")
    # USD 58.05% against its own 60%: -1.95 pp, inside 5 pp; EUR +1.95 pp likewise.
    assert (outcome.status, outcome.out_of_band) == ("ok", 0)
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert [(c.currency, c.target_percent, c.breach) for c in snapshot.currencies] == [
        ("USD", Decimal(60), None),
        ("EUR", Decimal(40), None),
    ]


def test_a_currency_breach_is_delivered_naming_the_currency_and_the_base(
    world: CurrencyWorld, webhook_sink: WebhookSink
) -> None:
    world.csv_portfolio(
        "family",
        MIXED_CSV,
        "currency_targets = { USD = 70, EUR = 30 }\n"
        f'notify = {{ urls = ["{webhook_sink.json_url}"] }}\n',
    )
    settings = world.settings
    assert world.tick("family", settings=settings).notifications == 1
    assert drain_outbox(settings, world.sessions, clock=clock_at(SLOT)).sent == 1
    (request,) = webhook_sink.wait_for(1)
    message = request.json["message"]
    assert request.json["title"] == "Rebalance family: 0 classes and 2 currencies out of band"
    assert "CURRENCY USD: under-weighted by 11.95% (current: 58.05%, target: 70.00%)" in message
    assert "out of band: 0 classes and 2 currencies to rebalance" in message
    assert "Portfolio value: **10,336.80 USD**" in message
    assert "By currency: USD 58.05%, EUR 41.95%" in message


def test_the_tick_s_log_line_names_the_value_s_currency(world: CurrencyWorld) -> None:
    world.csv_portfolio("family", MIXED_CSV)
    outcome = world.tick("family")
    assert outcome.currency == "USD"
    assert "value USD 10,336.80" in describe_outcome(outcome)


def test_accounts_each_in_one_currency_need_no_base_but_have_no_total(
    world: CurrencyWorld,
) -> None:
    world.top = ""
    world.csv_portfolio(
        "clients",
        "account,symbol,asset_class,value,currency\n"
        "a,VTI,stocks,6000,USD\na,BND,bonds,4000,USD\n"
        "b,IWDA,stocks,6000,EUR\nb,BUND,bonds,4000,EUR\n",
    )
    outcome = world.tick("clients")
    assert (outcome.status, outcome.accounts, outcome.value) == ("ok", 2, None)
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="clients/b")
    assert snapshot is not None
    assert (snapshot.base_currency, snapshot.portfolio_value) == ("EUR", Decimal(10000))


def test_without_an_fx_source_a_holding_to_convert_fails_the_tick_naming_the_pair(
    world: CurrencyWorld,
) -> None:
    world.top = 'base_currency = "USD"\n'
    world.csv_portfolio("family", MIXED_CSV)
    outcome = world.tick("family")
    assert (outcome.status, outcome.error) == (
        "failed",
        "fx: no exchange rate for EURUSD: no [fx] source is set to give it",
    )


# Three accounts in two currencies, read two rows a piece and computed two accounts a batch.
STREAMED_CSV = "account,symbol,asset_class,value,currency\n" + "".join(
    f"a-{n},VTI,stocks,6000,USD\na-{n},BUND,bonds,4000,{('usd', 'EUR', '')[n]}\n" for n in range(3)
)


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Small pieces and batches, the file never read whole; the list of rate fetches."""
    monkeypatch.setattr(monitor.runtime.tick_reading, "ACCOUNTS_PER_BATCH", 2)
    monkeypatch.setattr(monitor.sources.csv_pieces, "CHUNK_BYTES", 40)

    def not_whole(*_: object) -> None:
        raise AssertionError("the file was read whole")

    monkeypatch.setattr(monitor.runtime.pipeline, "whole_batches", not_whole)
    fetches: list[object] = []
    fetch_rates = monitor.runtime.rates.fetch_rates

    def counted(*args: Any) -> RateTable:
        fetches.append(args)
        return fetch_rates(*args)

    monkeypatch.setattr(monitor.runtime.rates, "fetch_rates", counted)
    return fetches


def test_a_streamed_tick_converts_each_account_with_rates_fetched_once(
    world: CurrencyWorld, streamed: list[object]
) -> None:
    world.csv_portfolio("clients", STREAMED_CSV)
    outcome = world.tick("clients")
    assert (outcome.status, outcome.accounts, outcome.currency) == ("ok", 3, "USD")
    assert outcome.value == Decimal(20000) + Decimal("10336.8")
    assert len(streamed) == 1
    held: dict[int, list[tuple[str, str | None, Decimal, Decimal | None]]] = {}
    for n in range(3):
        with world.sessions() as session:
            snapshot = latest_snapshot(session=session, portfolio_id=f"clients/a-{n}")
        assert snapshot is not None and snapshot.holdings is not None
        held[n] = sorted((h.symbol, h.currency, h.value, h.native_value) for h in snapshot.holdings)
    assert held[1] == [
        ("BUND", "EUR", Decimal("4336.8"), Decimal(4000)),
        ("VTI", "USD", Decimal(6000), None),
    ]
    assert [currency for _, currency, _, _ in held[0]] == ["USD", "USD"]
    assert [currency for _, currency, _, _ in held[2]] == [None, "USD"]


def test_a_missing_rate_in_a_later_batch_fails_the_whole_streamed_tick(
    world: CurrencyWorld, streamed: list[object]
) -> None:
    # a-0 and a-1 are converted and written before a-2, in the second batch, is read.
    world.csv_portfolio(
        "clients", STREAMED_CSV.replace("a-2,BUND,bonds,4000,", "a-2,BUND,bonds,4000,JPY")
    )
    outcome = world.tick("clients")
    assert outcome.status == "failed"
    assert outcome.error is not None and "no exchange rate for JPYUSD" in outcome.error
    assert world.snapshot_count() == 0
