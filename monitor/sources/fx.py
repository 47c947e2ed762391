"""Exchange rates read through a source kind's fetching (csv, json, http, command), in one
of two formats.

- ``pairs``: lines of ``pair,rate`` with an optional ``as_of`` date (``EURUSD,1.0842,
  2026-12-02``; a header line, blank lines and ``#`` comments are skipped), or a JSON object
  ``{"EURUSD": 1.0842}``, optionally ``{"as_of": "2026-12-02", "rates": {...}}``;
- ``ecb``: the European Central Bank's daily reference rates, ``eurofxref-daily.xml`` or the
  CSV inside ``eurofxref.zip`` (``Date, USD, JPY, ...``): every rate is against EUR.

A file without a date is as of its modification day, so that ``fx.max_age`` still sees a
file nobody refreshes.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree
from datetime import UTC, date, datetime
from typing import Any, Literal

from monitor.domain.fx import Rate, RateTable, make_rate
from monitor.errors import InputError, SourceError
from monitor.sources.base import SourceOptions
from monitor.sources.files import FileSourceOptions
from monitor.sources.json import parse_json

RatesFormat = Literal["pairs", "ecb"]
ECB_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
ECB_CSV_DATE = "%d %B %Y"  # 02 December 2026


def fetch_rates(source: SourceOptions, rates_format: RatesFormat) -> RateTable:
    """The rates ``source`` gives now; ``SourceError`` naming it if they cannot be read."""
    described = f"fx {source.describe()}"
    text = source.fetch_text()
    if not text.strip():
        raise SourceError(described, "no exchange rates: the text is empty")
    try:
        rates = parse_ecb(text) if rates_format == "ecb" else parse_pairs(text, described)
    except InputError as error:
        raise SourceError(described, str(error)) from None
    if not rates:
        raise SourceError(described, "no exchange rates found")
    undated = file_day(source)
    if undated is not None:
        rates = [
            r if r.as_of is not None else Rate(r.base, r.quote, r.rate, undated) for r in rates
        ]
    return RateTable(rates)


def file_day(source: SourceOptions) -> date | None:
    if not isinstance(source, FileSourceOptions):
        return None
    try:
        return datetime.fromtimestamp(source.path.stat().st_mtime, UTC).date()
    except OSError:
        return None


def parse_pairs(text: str, source: str) -> list[Rate]:
    if text.lstrip().startswith("{"):
        return json_pairs(parse_json(text, source))
    rates: list[Rate] = []
    for line, fields in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [field.strip() for field in fields]
        if not any(cells) or cells[0].startswith("#") or cells[0].lower() == "pair":
            continue
        where = f"line {line}"
        if len(cells) not in (2, 3):
            raise InputError(where, f"expected pair,rate or pair,rate,as_of; got {','.join(cells)}")
        as_of = day_of(cells[2], where) if len(cells) == 3 and cells[2] else None
        rates.append(make_rate(cells[0], cells[1], where, as_of))
    return rates


def json_pairs(document: Any) -> list[Rate]:
    if not isinstance(document, dict):
        raise InputError("rates", "expected an object of pair: rate")
    as_of = None
    if "rates" in document:
        raw_day = document.get("as_of")
        as_of = None if raw_day is None else day_of(raw_day, "as_of")
        document = document["rates"]
        if not isinstance(document, dict):
            raise InputError("rates", "expected an object of pair: rate")
    return [make_rate(pair, rate, "rates", as_of) for pair, rate in document.items()]


def day_of(raw: object, field: str, pattern: str | None = None) -> date:
    try:
        if pattern is not None and isinstance(raw, str):
            return datetime.strptime(raw.strip(), pattern).date()
        if isinstance(raw, str):
            return date.fromisoformat(raw.strip())
    except ValueError:
        pass
    raise InputError(field, f"expected a date such as 2026-12-02, got {raw!r}")


def parse_ecb(text: str) -> list[Rate]:
    """Every rate of an ECB reference-rate file (XML or CSV), as EUR -> currency pairs."""
    return ecb_xml(text) if text.lstrip().startswith("<") else ecb_csv(text)


def ecb_xml(text: str) -> list[Rate]:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise InputError("", f"invalid ECB XML: {error}") from None
    dated = next(
        (cube for cube in root.iter(f"{ECB_NAMESPACE}Cube") if "time" in cube.attrib), None
    )
    if dated is None:
        raise InputError("", "no dated Cube in the ECB XML: is this eurofxref-daily.xml?")
    as_of = day_of(dated.attrib["time"], "Cube.time")
    return [
        make_rate(f"EUR{cube.attrib.get('currency')}", cube.attrib.get("rate"), "Cube", as_of)
        for cube in dated.iter(f"{ECB_NAMESPACE}Cube")
        if "currency" in cube.attrib
    ]


def ecb_csv(text: str) -> list[Rate]:
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if any(row)]
    if len(rows) < 2 or rows[0][0].lower() != "date":
        raise InputError("", "expected the ECB's CSV: a Date, USD, JPY, ... header, then a row")
    header, values = rows[0], rows[1]
    as_of = day_of(values[0], "Date", ECB_CSV_DATE)
    # The ECB ends each line with a comma, and leaves a currency it does not quote "N/A".
    return [
        make_rate(f"EUR{code}", rate, code, as_of)
        for code, rate in zip(header[1:], values[1:], strict=False)
        if code and rate and rate != "N/A"
    ]
