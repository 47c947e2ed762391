"""Brokers' position exports through the csv kind: each format's quirks, its date, its noise."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from monitor.domain.classify import Unclassified
from monitor.errors import SourceError
from monitor.sources.base import as_of
from monitor.sources.brokers import read_export
from monitor.sources.csv import CsvSource

SAMPLES = Path(__file__).parents[2] / "fixtures" / "brokers"
FIDELITY = SAMPLES / "Portfolio_Positions_Dec-03-2026.csv"
SCHWAB = SAMPLES / "Joint_Tenant_XXX724_Positions_2026-05-03-131700.csv"
VANGUARD = SAMPLES / "OfxDownload.csv"
GENERIC = SAMPLES / "positions_generic.csv"
GENERIC_COLUMNS = {
    "symbol": "Ticker",
    "quantity": "Shares",
    "price": "Last",
    "value": "Market Value",
    "account": "Acct #",
    "currency": "Ccy",
}


def positions(source: CsvSource) -> list[tuple[str | None, str, Decimal, bool]]:
    return [
        (h.account, h.symbol, h.value, isinstance(h, Unclassified) and h.cash)
        for h in source.fetch()
    ]


def test_a_fidelity_export_gives_each_account_its_positions_and_sweeps_as_cash() -> None:
    assert positions(CsvSource(path=FIDELITY)) == [
        ("Z12345678", "SPAXX", Decimal("1234.56"), True),
        ("Z12345678", "VTI", Decimal("6000.00"), False),
        ("Z12345678", "BND", Decimal("4001.55"), False),
        ("Y87654321", "FZFXX", Decimal("500.00"), True),
        ("Y87654321", "VXUS", Decimal("7500.00"), False),
        ("Y87654321", "VBIAX", Decimal("2500.00"), False),
    ]


def test_a_fidelity_export_is_as_of_its_date_downloaded() -> None:
    assert as_of(CsvSource(path=FIDELITY).fetch()) == datetime(2026, 12, 3, 15, 15, tzinfo=UTC)


def test_a_schwab_export_is_read_past_its_title_with_its_cash_and_without_its_total() -> None:
    assert positions(CsvSource(path=SCHWAB)) == [
        (None, "SCHB", Decimal("6000.00"), False),
        (None, "SCHZ", Decimal("3450.00"), False),
        (None, "Cash & Cash Investments", Decimal("550.00"), True),
    ]


def test_a_schwab_export_is_as_of_its_titles_time_in_new_york() -> None:
    assert as_of(CsvSource(path=SCHWAB).fetch()) == datetime(2026, 5, 3, 17, 17, tzinfo=UTC)


def test_a_schwab_positions_quantity_and_price_are_kept_for_plans() -> None:
    schb = CsvSource(path=SCHWAB).fetch()[0]
    assert (schb.quantity, schb.price) == (Decimal(300), Decimal("20.00"))


def test_a_vanguard_export_stops_before_its_transactions() -> None:
    assert positions(CsvSource(path=VANGUARD)) == [
        ("88887777", "VMFXX", Decimal("1000.50"), True),
        ("88887777", "VTI", Decimal("6000.00"), False),
        ("88887777", "BND", Decimal("2884.00"), False),
    ]


def test_a_generic_export_is_read_through_its_column_mapping() -> None:
    source = CsvSource(path=GENERIC, format="generic", columns=GENERIC_COLUMNS)
    assert positions(source) == [
        ("A1", "VTI", Decimal("6000.00"), False),
        ("A1", "BND", Decimal("4000.00"), False),
    ]


def test_a_generic_asset_class_column_gives_the_class_itself(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('Ticker,Worth,Kind\nVTI,"$1,000.00",stocks\nABC,$5.00,\n')
    columns = {"symbol": "Ticker", "value": "Worth", "asset_class": "Kind"}
    vti, abc = CsvSource(path=path, format="generic", columns=columns).fetch()
    assert (type(vti).__name__, vti.asset_class) == ("Holding", "stocks")
    assert isinstance(abc, Unclassified)


def test_a_generic_currency_column_gives_each_position_its_currency(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('Ticker,Worth,Ccy\nVTI,"$1,000.00",usd\nIWDA,$5.00,EUR\nABC,$2.00,\n')
    columns = {"symbol": "Ticker", "value": "Worth", "currency": "Ccy"}
    held = CsvSource(path=path, format="generic", columns=columns).fetch()
    assert [(h.symbol, h.currency) for h in held] == [
        ("VTI", "USD"),
        ("IWDA", "EUR"),
        ("ABC", None),
    ]


def test_a_generic_currency_that_is_not_a_code_is_refused_naming_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Ticker,Worth,Ccy\nVTI,$1.00,USD\nIWDA,$5.00,euro\n")
    columns = {"symbol": "Ticker", "value": "Worth", "currency": "Ccy"}
    with pytest.raises(SourceError, match="line 3: currency: expected a three-letter"):
        CsvSource(path=path, format="generic", columns=columns).fetch()


def test_a_generic_mapping_without_a_symbol_is_refused_at_load() -> None:
    with pytest.raises(ValidationError, match="columns: needs symbol"):
        CsvSource(path=GENERIC, format="generic", columns={"value": "Market Value"})


def test_every_row_left_out_is_named_in_debug_output(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="monitor.sources.brokers"):
        CsvSource(path=SCHWAB).fetch()
    assert "line 7 left out: 'Positions Total' row" in caplog.text
    assert "3 holdings, 3 lines left out" in caplog.text


def test_a_plain_holdings_file_is_still_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "holdings.csv"
    path.write_text("symbol,asset_class,value\nVTI,stocks,6000\n")
    [holding] = CsvSource(path=path).fetch()
    assert (type(holding).__name__, holding.asset_class) == ("Holding", "stocks")


def test_a_bad_amount_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "schwab.csv"
    path.write_text(SCHWAB.read_text().replace('"$3,450.00"', '"$3,45.00"'))
    with pytest.raises(SourceError, match=r"line 5: value: expected an amount"):
        CsvSource(path=path).fetch()


def test_the_named_format_must_be_the_files(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a fidelity export: no header line with Symbol"):
        CsvSource(path=SCHWAB, format="fidelity").fetch()


def test_a_glob_reads_the_newest_matching_export(tmp_path: Path) -> None:
    old = tmp_path / "Portfolio_Positions_Dec-02-2026.csv"
    new = tmp_path / "Portfolio_Positions_Dec-03-2026.csv"
    old.write_text(FIDELITY.read_text(encoding="utf-8-sig").replace("$6,000.00", "$6,024.00"))
    shutil.copy(FIDELITY, new)
    os.utime(old, (1_000_000, 1_000_000))
    source = CsvSource(path=tmp_path / "Portfolio_Positions_*.csv")
    assert source.fetch()[1].value == Decimal("6000.00")


def test_a_glob_that_matches_nothing_fails_the_fetch(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no file matches the pattern"):
        CsvSource(path=tmp_path / "Portfolio_Positions_*.csv").fetch()


def test_an_export_older_than_max_age_fails_the_fetch() -> None:
    source = CsvSource(path=SCHWAB, max_age=timedelta(days=3))
    with pytest.raises(SourceError, match=r"of 2026-05-03T17:17\+00:00, older than max_age"):
        source.fetch()


def test_an_undated_export_is_as_old_as_its_file(tmp_path: Path) -> None:
    path = tmp_path / "OfxDownload.csv"
    shutil.copy(VANGUARD, path)
    assert len(CsvSource(path=path, max_age=timedelta(days=1)).fetch()) == 3
    os.utime(path, (1_000_000, 1_000_000))
    with pytest.raises(SourceError, match="older than max_age"):
        CsvSource(path=path, max_age=timedelta(days=1)).fetch()


IBKR = SAMPLES / "U1234567_20261203.csv"


def test_an_ibkr_statement_gives_its_position_summaries_and_its_ending_cash() -> None:
    assert positions(CsvSource(path=IBKR)) == [
        (None, "VTI", Decimal(6000), False),
        (None, "BND", Decimal("3244.5"), False),
        (None, "SPY 20DEC26 600 C", Decimal("640.5"), False),
        (None, "CASH", Decimal("750.25"), True),
    ]


def test_an_ibkr_option_is_traded_from_its_value_not_its_close_price() -> None:
    option = CsvSource(path=IBKR).fetch()[2]
    assert (option.quantity, option.price) == (Decimal(1), None)


def test_an_ibkr_asset_category_is_the_type_a_rule_can_match() -> None:
    option = CsvSource(path=IBKR).fetch()[2]
    assert isinstance(option, Unclassified)
    assert option.fact("type") == "Equity and Index Options"


def test_an_ibkr_statement_is_as_of_its_generation_time() -> None:
    assert as_of(CsvSource(path=IBKR).fetch()) == datetime(2026, 12, 3, 22, 5, 9, tzinfo=UTC)


def test_columns_without_the_generic_format_are_refused_at_load() -> None:
    with pytest.raises(ValidationError, match='columns is for format = "generic"'):
        CsvSource(path=GENERIC, columns=GENERIC_COLUMNS)


def test_a_generic_format_without_columns_is_refused_at_load() -> None:
    with pytest.raises(ValidationError, match='format = "generic" needs a columns mapping'):
        CsvSource(path=GENERIC, format="generic")


def test_config_validate_warns_of_a_glob_that_matches_nothing(tmp_path: Path) -> None:
    pattern = tmp_path / "Portfolio_Positions_*.csv"
    assert CsvSource(path=pattern).preflight() == [("path", f"no file matches {pattern}")]
    shutil.copy(FIDELITY, tmp_path / FIDELITY.name)
    assert CsvSource(path=pattern).preflight() == []


@given(
    st.lists(
        st.integers(min_value=0, max_value=10**13).map(lambda n: Decimal(n).scaleb(-2)),
        min_size=1,
        max_size=20,
    )
)
def test_an_exports_values_are_read_to_the_cent_however_large(amounts: list[Decimal]) -> None:
    """``$1,234,567.89`` in a quoted field, a trailing comma, a total row: each cent kept."""
    lines = ['"Ticker","Market Value",']
    lines += [f'"S{i}","${amount:,.2f}",' for i, amount in enumerate(amounts)]
    lines.append(f'"Total","${sum(amounts):,.2f}",')
    export = read_export(
        "\n".join(lines), "x", "generic", {"symbol": "Ticker", "value": "Market Value"}
    )
    assert export is not None
    assert [h.value for h in export.holdings] == amounts
    assert export.skipped == [(len(amounts) + 2, "'Total' row")]


def test_an_ibkr_position_is_in_its_currency_and_the_cash_in_the_base_currency(
    tmp_path: Path,
) -> None:
    path = tmp_path / "U1234567.csv"
    text = IBKR.read_text(encoding="utf-8").replace("Base Currency,USD", "Base Currency,EUR")
    path.write_text(text.replace("Summary,Stocks,USD,BND", "Summary,Stocks,GBP,BND"))
    held = CsvSource(path=path).fetch()
    assert [(h.symbol, h.currency) for h in held] == [
        ("VTI", "USD"),
        ("BND", "GBP"),
        ("SPY 20DEC26 600 C", "USD"),
        ("CASH", "EUR"),
    ]
