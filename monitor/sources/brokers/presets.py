"""The brokers' own export formats: their columns, their cash lines, their dates.

- Fidelity, "Portfolio_Positions_Mon-DD-YYYY.csv": an ``Account Number`` column (one
  account per number), ``$1,234.56`` money, sweep lines such as ``SPAXX**`` (cash, empty
  quantity), "Pending activity" rows, then disclaimers and "Date downloaded ...".
- Schwab, one file per account: a quoted title line "Positions for account Joint Tenant
  ...724 as of 01:17 PM ET, 2026/05/03" (its account, its time) and a blank line,
  ``Qty (Quantity)`` and ``Mkt Val (Market Value)`` columns, a trailing comma on every row,
  "Cash & Cash Investments" (cash) and "Positions Total" rows.
- Vanguard, "OfxDownload.csv": the positions of each account, a blank line, then its
  transactions (left out); the settlement fund is a money-market line (cash).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from monitor.sources.brokers.tables import Columns, Preset

ZONES = {
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CT": "America/Chicago",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "UTC": "UTC",
    "GMT": "UTC",
}
MONEY_MARKET = re.compile(r"money market|cash", re.IGNORECASE)


def local_time(text: str, formats: tuple[str, ...], zone: str) -> datetime | None:
    """``text`` in the first of ``formats`` it fits, in the zone abbreviated ``zone``, as UTC;
    None if it fits none (or the zone is unknown: a date is never guessed)."""
    name = ZONES.get(zone.upper())
    if name is None:
        return None
    for layout in formats:
        try:
            moment = datetime.strptime(text, layout)
        except ValueError:
            continue
        return moment.replace(tzinfo=ZoneInfo(name)).astimezone(UTC)
    return None


FIDELITY_DATE = re.compile(
    r"Date downloaded\s+(\S+)\s+(\d{1,2}:\d{2})\s*([ap])\.?m\.?\s+([A-Z]+)", re.IGNORECASE
)


def fidelity_as_of(line: str) -> datetime | None:
    """``Date downloaded Dec-03-2026 10:15 a.m ET`` (or ``12/03/2026 10:15 AM ET``)."""
    found = FIDELITY_DATE.search(line)
    if found is None:
        return None
    date, time, half, zone = found.groups()
    return local_time(
        f"{date} {time} {half.upper()}M", ("%b-%d-%Y %I:%M %p", "%m/%d/%Y %I:%M %p"), zone
    )


SCHWAB_DATE = re.compile(r"as of (\d{1,2}:\d{2} [AP]M) ([A-Z]+), (\d{4}/\d{2}/\d{2})")


def schwab_as_of(line: str) -> datetime | None:
    """``... as of 01:17 PM ET, 2026/05/03``."""
    found = SCHWAB_DATE.search(line)
    if found is None:
        return None
    time, zone, date = found.groups()
    return local_time(f"{date} {time}", ("%Y/%m/%d %I:%M %p",), zone)


SCHWAB_ACCOUNT = re.compile(r"Positions for account (.+?)\s+as of ", re.IGNORECASE)
LAST_DIGITS = re.compile(r"\.\.\.\s*(\w+)$")


def schwab_account(line: str) -> str | None:
    """The account of ``Positions for account Joint Tenant ...724 as of ...``: the last
    digits of its number as Schwab shows them (``724``), which stay when the account is
    renamed; a title without them gives its label whole."""
    found = SCHWAB_ACCOUNT.search(line)
    if found is None:
        return None
    label = found.group(1).strip()
    digits = LAST_DIGITS.search(label)
    return digits.group(1) if digits else label or None


def fidelity_cash(row: Mapping[str, str]) -> bool:
    # Fidelity marks its core position (the sweep) with two asterisks: SPAXX**, FDRXX**.
    return (
        row.get("symbol", "").strip().endswith("**")
        or "MONEY MARKET" in row.get("description", "").upper()
    )


def schwab_cash(row: Mapping[str, str]) -> bool:
    symbol = row.get("symbol", "").strip().lower()
    return symbol.startswith("cash") or bool(MONEY_MARKET.search(row.get("security type", "")))


def vanguard_cash(row: Mapping[str, str]) -> bool:
    return "MONEY MARKET" in row.get("investment name", "").upper()


FIDELITY = Preset(
    "fidelity",
    Columns(
        symbol="Symbol",
        value="Current Value",
        quantity="Quantity",
        price="Last Price",
        account="Account Number",
        description="Description",  # its Type column is the account's (Cash, Margin)
    ),
    is_cash=fidelity_cash,
    as_of=fidelity_as_of,
    symbol_of=lambda text: text.strip().rstrip("*"),
)
SCHWAB = Preset(
    "schwab",
    Columns(
        symbol="Symbol",
        value="Mkt Val (Market Value)",
        quantity="Qty (Quantity)",
        price="Price",
        description="Description",
        type="Security Type",
    ),
    is_cash=schwab_cash,
    as_of=schwab_as_of,
    account_of=schwab_account,
)
VANGUARD = Preset(
    "vanguard",
    Columns(
        symbol="Symbol",
        value="Total Value",
        quantity="Shares",
        price="Share Price",
        account="Account Number",
        description="Investment Name",
    ),
    is_cash=vanguard_cash,
)
