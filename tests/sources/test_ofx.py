"""The ofx kind: OFX 1.x SGML and 2.x XML investment statements, read through ofxtools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.domain.classify import Unclassified
from monitor.errors import SourceError
from monitor.sources.base import as_of
from monitor.sources.ofx import OfxSource

SAMPLES = Path(__file__).parents[1] / "fixtures" / "brokers"
SGML = SAMPLES / "statement-1x.ofx"
XML = SAMPLES / "statement-2x.qfx"


def positions(path: Path) -> list[tuple[str | None, str, Decimal, bool]]:
    return [
        (h.account, h.symbol, h.value, isinstance(h, Unclassified) and h.cash)
        for h in OfxSource(path=path).fetch()
    ]


def test_an_sgml_statement_gives_units_times_price_under_the_seclists_tickers() -> None:
    assert positions(SGML) == [
        ("X0001", "VTI", Decimal(6000), False),
        ("X0001", "BND", Decimal("2920.05"), False),
        ("X0001", "CASH", Decimal("1079.95"), True),
    ]


def test_an_xml_statement_gives_one_account_per_invacctfrom() -> None:
    assert positions(XML) == [
        ("IRA-1", "VTIAX", Decimal("4810"), False),
        ("IRA-1", "CASH", Decimal(190), True),
        ("TAXABLE-2", "VTI", Decimal(2500), False),
    ]


def test_a_statement_is_as_of_its_dtasof() -> None:
    assert as_of(OfxSource(path=SGML).fetch()) == datetime(2026, 11, 30, 21, tzinfo=UTC)


def test_the_seclists_kind_of_security_is_the_type_a_rule_can_match() -> None:
    bnd = OfxSource(path=SGML).fetch()[1]
    assert isinstance(bnd, Unclassified)
    assert bnd.fact("type") == "mutual fund"
    assert bnd.fact("description") == "VANGUARD TOTAL BOND MARKET ETF"


def test_a_file_that_is_no_ofx_fails_the_fetch(tmp_path: Path) -> None:
    path = tmp_path / "x.ofx"
    path.write_text("symbol,asset_class,value\n")
    with pytest.raises(SourceError, match="not an OFX statement"):
        OfxSource(path=path).fetch()


def test_a_statement_older_than_max_age_fails_the_fetch() -> None:
    with pytest.raises(SourceError, match="older than max_age"):
        OfxSource(path=SGML, max_age=timedelta(days=1)).fetch()


def test_a_statements_holdings_are_in_its_curdef() -> None:
    assert [(h.symbol, h.currency) for h in OfxSource(path=XML).fetch()] == [
        ("VTIAX", "USD"),
        ("CASH", "USD"),
        ("VTI", "USD"),
    ]


def test_a_position_priced_in_another_currency_is_in_its_cursym(tmp_path: Path) -> None:
    path = tmp_path / "eur.ofx"
    text = SGML.read_text(encoding="ascii").replace("<CURDEF>USD", "<CURDEF>EUR")
    # BND, the second position, priced in GBP: CURRATE converts its amounts into CURDEF.
    last = text.rindex("</INVPOS>")
    path.write_text(
        text[:last] + "<CURRENCY>\n<CURRATE>1.17\n<CURSYM>GBP\n</CURRENCY>\n" + text[last:],
        encoding="ascii",
    )
    holdings = OfxSource(path=path).fetch()
    assert [(h.symbol, h.currency, h.value) for h in holdings] == [
        ("VTI", "EUR", Decimal(6000)),
        ("BND", "GBP", Decimal("2920.05")),
        ("CASH", "EUR", Decimal("1079.95")),
    ]
