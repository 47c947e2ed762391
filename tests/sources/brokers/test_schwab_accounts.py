"""Schwab's one file per account, read as one entry's accounts (``files = "each"``)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.domain.classify import Unclassified
from monitor.errors import SourceError
from monitor.sources.base import NotStreamable, accounts_as_of, as_of
from monitor.sources.csv import CsvSource

SAMPLES = Path(__file__).parents[2] / "fixtures" / "brokers"
JOINT = SAMPLES / "Joint_Tenant_XXX724_Positions_2026-05-03-131700.csv"
INDIVIDUAL = SAMPLES / "schwab" / "Individual_XXX318_Positions_2026-05-03-131900.csv"
ROTH = SAMPLES / "schwab" / "Roth_IRA_XXX905_Positions_2026-05-02-094500.csv"


def exports(folder: Path, *samples: Path) -> Path:
    for sample in samples:
        shutil.copy(sample, folder / sample.name)
    return folder / "*_Positions_*.csv"


def test_each_file_is_an_account_named_by_the_last_digits_in_its_title(tmp_path: Path) -> None:
    holdings = CsvSource(path=exports(tmp_path, JOINT, INDIVIDUAL, ROTH), files="each").fetch()
    assert [(h.account, h.symbol, h.value) for h in holdings] == [
        ("318", "SCHB", Decimal("10000.00")),
        ("318", "SCHF", Decimal("7500.00")),
        ("318", "SCHZ", Decimal("2300.00")),
        ("318", "Cash & Cash Investments", Decimal("1200.00")),
        ("724", "SCHB", Decimal("6000.00")),
        ("724", "SCHZ", Decimal("3450.00")),
        ("724", "Cash & Cash Investments", Decimal("550.00")),
        ("905", "SCHG", Decimal("3810.00")),
        ("905", "SCHP", Decimal("1340.00")),
        ("905", "SWVXX", Decimal("250.00")),
        ("905", "Cash & Cash Investments", Decimal("100.00")),
    ]


def test_each_files_cash_and_money_market_lines_stay_cash(tmp_path: Path) -> None:
    holdings = CsvSource(path=exports(tmp_path, ROTH), files="each").fetch()
    assert [h.symbol for h in holdings if isinstance(h, Unclassified) and h.cash] == [
        "SWVXX",
        "Cash & Cash Investments",
    ]


def test_each_account_is_as_of_its_files_title_and_the_whole_as_of_the_oldest(
    tmp_path: Path,
) -> None:
    holdings = CsvSource(path=exports(tmp_path, JOINT, ROTH), files="each").fetch()
    assert accounts_as_of(holdings) == {
        "724": datetime(2026, 5, 3, 17, 17, tzinfo=UTC),
        "905": datetime(2026, 5, 2, 13, 45, tzinfo=UTC),
    }
    assert as_of(holdings) == datetime(2026, 5, 2, 13, 45, tzinfo=UTC)


def test_the_newest_file_of_each_account_is_read(tmp_path: Path) -> None:
    pattern = exports(tmp_path, JOINT, INDIVIDUAL)
    older = tmp_path / "Joint_Tenant_XXX724_Positions_2026-05-01-090000.csv"
    older.write_text(
        JOINT.read_text()
        .replace("01:17 PM ET, 2026/05/03", "09:00 AM ET, 2026/05/01")
        .replace('"300","$20.00"', '"295","$20.00"')
        .replace('"$6,000.00"', '"$5,900.00"')
    )
    holdings = CsvSource(path=pattern, files="each").fetch()
    assert [h.value for h in holdings if (h.account, h.symbol) == ("724", "SCHB")] == [
        Decimal("6000.00")
    ]
    assert as_of(holdings) == datetime(2026, 5, 3, 17, 17, tzinfo=UTC)


def test_the_default_still_reads_the_newest_match_alone_without_an_account(
    tmp_path: Path,
) -> None:
    pattern = exports(tmp_path, JOINT, INDIVIDUAL)
    os.utime(tmp_path / INDIVIDUAL.name, (1_000_000, 1_000_000))
    holdings = CsvSource(path=pattern).fetch()
    assert {(h.account, h.symbol) for h in holdings} == {
        (None, "SCHB"),
        (None, "SCHZ"),
        (None, "Cash & Cash Investments"),
    }


def test_max_age_applies_to_each_file_naming_the_stale_one(tmp_path: Path) -> None:
    fresh = tmp_path / "Individual_XXX318_Positions_today.csv"
    today = datetime.now(UTC).strftime("%I:%M %p UTC, %Y/%m/%d")
    fresh.write_text(INDIVIDUAL.read_text().replace("01:19 PM ET, 2026/05/03", today))
    pattern = exports(tmp_path, ROTH)
    source = CsvSource(path=pattern, files="each", max_age=timedelta(days=3))
    with pytest.raises(SourceError, match=rf"{ROTH.name}: the export is of 2026-05-02T13:45"):
        source.fetch()


def test_a_file_whose_title_names_no_account_is_refused_naming_it(tmp_path: Path) -> None:
    untitled = tmp_path / "Positions_untitled.csv"
    untitled.write_text(JOINT.read_text().split("\n", 1)[1])
    with pytest.raises(SourceError, match=r"Positions_untitled.csv: its title names no account"):
        CsvSource(path=tmp_path / "*Positions_*.csv", files="each").fetch()


def test_a_file_that_is_no_schwab_export_is_refused_naming_it(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "Portfolio_Positions_Dec-03-2026.csv", tmp_path / "x_Positions_1.csv")
    with pytest.raises(SourceError, match=r"x_Positions_1.csv: not a schwab export"):
        CsvSource(path=exports(tmp_path, JOINT), files="each").fetch()


def test_files_each_with_a_format_of_accounts_in_a_column_is_refused_at_load() -> None:
    with pytest.raises(ValidationError, match='files = "each" reads Schwab exports'):
        CsvSource(path=Path("x.csv"), format="fidelity", files="each")


def test_files_each_is_never_streamed(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("symbol,asset_class,value\nVTI,stocks,10\n")
    with pytest.raises(NotStreamable):
        next(CsvSource(path=path, files="each").fetch_batches())
