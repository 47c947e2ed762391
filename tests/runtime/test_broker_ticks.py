"""Broker exports through a tick: classified by the entry's map, unclassified symbols named."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.snapshots import latest_snapshot
from tests.runtime.test_pipeline import SLOT, World

SAMPLES = Path(__file__).parents[1] / "fixtures" / "brokers"
FIDELITY = SAMPLES / "Portfolio_Positions_Dec-03-2026.csv"
SCHWAB = SAMPLES / "Joint_Tenant_XXX724_Positions_2026-05-03-131700.csv"
FIDELITY_MAP = (
    'classify = { symbols = { VTI = "stocks", BND = "bonds", VXUS = "stocks", '
    'VBIAX = "stocks:60;bonds:40" } }\n'
    "targets = { stocks = 55, bonds = 35, cash = 10 }\n"
)


@pytest.fixture
def world(tmp_path: Path, sessions: sessionmaker[Session]) -> World:
    return World(tmp_path, sessions)


def export_portfolio(world: World, sample: Path, options: str) -> None:
    shutil.copy(sample, world.folder / sample.name)
    world.portfolio("family", f'{{ kind = "csv", path = "{sample.name}" }}', options)


def test_a_fidelity_export_ticks_each_account_classified_by_the_map(world: World) -> None:
    export_portfolio(world, FIDELITY, FIDELITY_MAP)
    outcome = world.tick("family")
    assert (outcome.status, outcome.accounts, outcome.value) == ("ok", 2, Decimal("21736.11"))
    with world.sessions() as session:
        roth = latest_snapshot(session=session, portfolio_id="family/Y87654321")
    assert roth is not None
    assert [(c.asset_class, c.current_value) for c in roth.classes] == [
        ("stocks", Decimal(9000)),
        ("bonds", Decimal(1000)),
        ("cash", Decimal(500)),
    ]


def test_an_account_with_unclassified_symbols_is_left_out_naming_them(world: World) -> None:
    export_portfolio(world, FIDELITY, FIDELITY_MAP.replace(', VBIAX = "stocks:60;bonds:40"', ""))
    outcome = world.tick("family")
    assert (outcome.status, outcome.accounts) == ("partial", 1)
    assert outcome.error is not None
    assert outcome.error.startswith("family/Y87654321: holdings: 1 unclassified symbol(s): VBIAX;")
    assert world.ticks("family") == [("partial", outcome.error)]


def test_a_single_account_export_with_unclassified_symbols_fails_the_tick(world: World) -> None:
    export_portfolio(world, SCHWAB, "targets = { stocks = 60, bonds = 40 }\n")
    outcome = world.tick("family")
    assert outcome.status == "failed"
    assert "2 unclassified symbol(s): SCHB, SCHZ;" in (outcome.error or "")
    assert world.failures("family") == 1


def test_the_fallback_puts_what_the_map_does_not_know_in_other(world: World) -> None:
    export_portfolio(
        world, SCHWAB, 'classify = { fallback = "other" }\ntargets = { stocks = 60, other = 40 }\n'
    )
    outcome = world.tick("family")
    assert (outcome.status, outcome.value) == ("ok", Decimal(10000))


def test_the_exports_own_date_is_stored_as_the_snapshots_as_of(world: World) -> None:
    export_portfolio(
        world, SCHWAB, 'classify = { fallback = "other" }\ntargets = { other = 100 }\n'
    )
    world.tick("family")
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert snapshot.as_of == datetime(2026, 5, 3, 17, 17, tzinfo=UTC)
    assert snapshot.taken_at == SLOT


def test_a_plain_files_snapshot_has_no_as_of(world: World) -> None:
    world.csv_portfolio("family")
    world.tick("family")
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert snapshot.as_of is None


def test_an_export_older_than_max_age_fails_the_tick_and_counts_toward_stale(
    world: World,
) -> None:
    shutil.copy(SCHWAB, world.folder / SCHWAB.name)
    world.portfolio(
        "family",
        f'{{ kind = "csv", path = "{SCHWAB.name}", max_age = "3d" }}',
        'classify = { fallback = "other" }\ntargets = { other = 100 }\n',
    )
    outcome = world.tick("family")
    assert outcome.status == "failed"
    assert "older than max_age (3 days, 0:00:00)" in (outcome.error or "")
    assert world.failures("family") == 1


def test_an_ofx_statement_ticks_each_account_with_its_cash(world: World) -> None:
    sample = SAMPLES / "statement-2x.qfx"
    shutil.copy(sample, world.folder / sample.name)
    world.portfolio(
        "family",
        f'{{ kind = "ofx", path = "{sample.name}" }}',
        'classify = { symbols = { VTI = "stocks", VTIAX = "stocks" } }\n'
        "targets = { stocks = 95, cash = 5 }\n",
    )
    outcome = world.tick("family")
    assert (outcome.status, outcome.accounts, outcome.value) == ("ok", 2, Decimal(7500))
    with world.sessions() as session:
        ira = latest_snapshot(session=session, portfolio_id="family/IRA-1")
    assert ira is not None
    assert ira.as_of == datetime(2026, 11, 30, 21, tzinfo=UTC)
    assert [(c.asset_class, c.current_value) for c in ira.classes] == [
        ("stocks", Decimal(4810)),
        ("cash", Decimal(190)),
    ]


def test_a_beancount_ledger_ticks_with_its_commodities_classes_and_the_map(world: World) -> None:
    sample = SAMPLES / "ledger.beancount"
    shutil.copy(sample, world.folder / sample.name)
    world.portfolio(
        "family",
        f'{{ kind = "beancount", path = "{sample.name}", prefix = "Assets:Investments" }}',
        'classify = { symbols = { BND = "bonds", VXUS = "stocks/intl" } }\n'
        "targets = { stocks = { target = 60, children = { us = 70, intl = 30 } }, "
        "bonds = 30, cash = 10 }\n",
    )
    outcome = world.tick("family")
    assert (outcome.status, outcome.value) == ("ok", Decimal(13705))


def test_a_ledger_that_does_not_load_fails_the_tick_with_beancounts_message(
    world: World,
) -> None:
    (world.folder / "ledger.beancount").write_text(
        'option "operating_currency" "USD"\n'
        "2026-01-01 open Assets:X USD\n"
        '2026-01-02 * "x"\n  Assets:Y  1 USD\n  Assets:X\n'
    )
    world.portfolio("family", '{ kind = "beancount", path = "ledger.beancount" }')
    outcome = world.tick("family")
    assert outcome.status == "failed"
    assert (
        "the ledger does not load: ledger.beancount:3: "
        "Invalid reference to unknown account 'Assets:Y'"
    ) in (outcome.error or "")


SCHWAB_FILES = [SCHWAB, *sorted((SAMPLES / "schwab").glob("*.csv"))]
SCHWAB_MAP = (
    'classify = { symbols = { SCHB = "stocks", SCHF = "stocks", SCHG = "stocks", '
    'SCHZ = "bonds", SCHP = "bonds" } }\n'
    "targets = { stocks = 60, bonds = 30, cash = 10 }\n"
)


def schwab_accounts(world: World, options: str, more: str = "") -> None:
    for sample in SCHWAB_FILES:
        shutil.copy(sample, world.folder / sample.name)
    world.portfolio(
        "family", f'{{ kind = "csv", path = "*_Positions_*.csv", files = "each"{more} }}', options
    )


def test_one_schwab_file_per_account_ticks_each_account(world: World) -> None:
    schwab_accounts(world, SCHWAB_MAP)
    outcome = world.tick("family")
    assert (outcome.status, outcome.accounts, outcome.value) == ("ok", 3, Decimal(36500))
    with world.sessions() as session:
        roth = latest_snapshot(session=session, portfolio_id="family/905")
    assert roth is not None
    assert [(c.asset_class, c.current_value) for c in roth.classes] == [
        ("stocks", Decimal("3810.00")),
        ("bonds", Decimal("1340.00")),
        ("cash", Decimal("350.00")),
    ]


def test_each_schwab_accounts_snapshot_is_as_of_its_own_file(world: World) -> None:
    schwab_accounts(world, SCHWAB_MAP)
    world.tick("family")
    with world.sessions() as session:
        joint = latest_snapshot(session=session, portfolio_id="family/724")
        roth = latest_snapshot(session=session, portfolio_id="family/905")
    assert joint is not None and roth is not None
    assert joint.as_of == datetime(2026, 5, 3, 17, 17, tzinfo=UTC)
    assert roth.as_of == datetime(2026, 5, 2, 13, 45, tzinfo=UTC)


def test_a_schwab_account_with_unclassified_symbols_is_left_out_naming_them(
    world: World,
) -> None:
    schwab_accounts(world, SCHWAB_MAP.replace('SCHG = "stocks", ', ""))
    outcome = world.tick("family")
    assert (outcome.status, outcome.accounts) == ("partial", 2)
    assert (outcome.error or "").startswith("family/905: holdings: 1 unclassified symbol(s): SCHG;")


def test_a_stale_schwab_account_file_fails_the_tick_naming_it(world: World) -> None:
    schwab_accounts(world, SCHWAB_MAP, ', max_age = "3d"')
    outcome = world.tick("family")
    assert outcome.status == "failed"
    assert "Individual_XXX318_Positions_2026-05-03-131900.csv: the export is of" in (
        outcome.error or ""
    )
