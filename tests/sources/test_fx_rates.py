"""Exchange rates read through the source kinds: the pairs format and the ECB's files."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.domain.fx import in_base
from monitor.domain.holdings import make_holding
from monitor.errors import SourceError
from monitor.sources.command import CommandSource
from monitor.sources.csv import CsvSource
from monitor.sources.fx import RatesFormat, fetch_rates
from monitor.sources.http import HttpSource
from monitor.sources.json import JsonSource

FIXTURES = Path(__file__).parents[1] / "fixtures"
DAY = date(2026, 12, 2)


def pairs(table: object) -> list[tuple[str, Decimal, date | None]]:
    return [(rate.pair, rate.rate, rate.as_of) for rate in table]  # type: ignore[attr-defined]


def csv_rates(tmp_path: Path, text: str, rates_format: RatesFormat = "pairs") -> object:
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    return fetch_rates(CsvSource(path=path), rates_format)


def test_pair_lines_with_a_header_comments_and_dates_are_read(tmp_path: Path) -> None:
    table = csv_rates(
        tmp_path, "pair,rate,as_of\n# the bank's rates\nEURUSD,1.0842,2026-12-02\nEUR/GBP,0.8521,\n"
    )
    stamped = os.path.getmtime(tmp_path / "rates.csv")
    assert pairs(table)[0] == ("EURUSD", Decimal("1.0842"), DAY)
    # No date: as of the file's modification day.
    assert pairs(table)[1][2] == datetime.fromtimestamp(stamped, UTC).date()


def test_a_json_object_of_pairs_with_its_date_is_read(tmp_path: Path) -> None:
    path = tmp_path / "rates.json"
    path.write_text('{"as_of": "2026-12-02", "rates": {"EURUSD": 1.0842}}', encoding="utf-8")
    assert pairs(fetch_rates(JsonSource(path=path), "pairs")) == [
        ("EURUSD", Decimal("1.0842"), DAY)
    ]


@pytest.mark.parametrize("name", ["eurofxref-daily.xml", "eurofxref.csv"])
def test_the_ecb_files_give_eur_pairs_and_cross_gbp_to_usd(name: str) -> None:
    table = fetch_rates(CsvSource(path=FIXTURES / name), "ecb")
    assert ("EURGBP", Decimal("0.8521"), DAY) in pairs(table)
    assert len(pairs(table)) == 4
    # 1,000 GBP -> EUR at 1 / 0.8521, -> USD at 1.0842: 1,000 x 1.0842 / 0.8521
    # = 1,272.3858702... USD.
    holding = make_holding("VOD", "stocks", value=1000, currency="GBP", where="VOD")
    (converted,) = in_base([holding], "USD", table).holdings  # type: ignore[arg-type]
    assert round(converted.value, 4) == Decimal("1272.3859")


def test_a_bad_rate_is_named_by_its_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as failed:
        csv_rates(tmp_path, "EURUSD,1.0842\nEURGBP,lots\n")
    assert failed.value.problem == "line 2: EURGBP: expected a number, got 'lots'"
    assert failed.value.source.startswith("fx csv ")


def test_a_program_s_stdout_gives_rates() -> None:
    source = CommandSource(argv=[sys.executable, "-c", "print('EURUSD,1.0842,2026-12-02')"])
    assert pairs(fetch_rates(source, "pairs")) == [("EURUSD", Decimal("1.0842"), DAY)]


def test_an_empty_rates_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no exchange rates"):
        csv_rates(tmp_path, "pair,rate\n")


class EcbHandler(BaseHTTPRequestHandler):
    """Serves the ECB's daily XML as the ECB does (text/xml)."""

    def do_GET(self) -> None:
        body = (FIXTURES / "eurofxref-daily.xml").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def ecb_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EcbHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/stats/eurofxref/eurofxref-daily.xml"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_the_ecb_xml_is_read_over_http(ecb_url: str) -> None:
    table = fetch_rates(HttpSource(url=ecb_url), "ecb")
    assert ("EURUSD", Decimal("1.0842"), DAY) in pairs(table)
