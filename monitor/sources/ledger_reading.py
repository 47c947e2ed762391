"""Holdings from a Beancount ledger (v3), read by beancount itself.

The positions are the units of every commodity held in the accounts under ``prefix``
(``Assets:Investments``), summed over the ledger's transactions, each valued at its latest
``price`` directive in the ledger's operating currency; units of that currency are cash. A
commodity's ``asset-class`` metadata gives its class; the ``[classify]`` map gives the rest.
With ``account_depth``, the account names below the prefix, cut to that many components,
are the accounts (``Assets:Investments:Schwab:VTI`` is account ``Schwab`` at depth 1). A
ledger that beancount cannot load fails the tick with beancount's own messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data, prices

from monitor.domain.allocation import Holding
from monitor.domain.classify import make_position
from monitor.errors import InputError, SourceError
from monitor.sources.base import check_unique

CLASS_KEY = "asset-class"
ERRORS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Ledger:
    entries: list[Any]
    currency: str  # the operating currency: what everything is valued in


def load_ledger(path: Path, source: str) -> Ledger:
    # beancount's load_file writes (or deletes) a pickle cache beside the ledger; a source
    # never writes, so the loading it wraps is called directly.
    entries, errors, options = loader._load([(str(path.absolute()), True)], None, None, None)
    if errors:
        shown = "; ".join(error_text(error) for error in errors[:ERRORS_SHOWN])
        more = f"; and {len(errors) - ERRORS_SHOWN} more" if len(errors) > ERRORS_SHOWN else ""
        raise SourceError(source, f"the ledger does not load: {shown}{more}")
    currencies = options.get("operating_currency") or []
    if not currencies:
        raise SourceError(
            source, 'the ledger names no operating currency: add option "operating_currency" "USD"'
        )
    return Ledger(entries, currencies[0])


def error_text(error: Any) -> str:
    """``ledger.beancount:12: Balance failed for 'Assets:Cash'...``: beancount's message."""
    where = error.source or {}
    name = Path(str(where.get("filename", ""))).name
    place = f"{name}:{where['lineno']}: " if "lineno" in where else ""
    return place + str(error.message).strip()


def account_of(name: str, prefix: str, depth: int) -> str | None:
    if depth == 0:
        return None
    parts = name.removeprefix(prefix).strip(":").split(":")
    return ":".join(parts[:depth]) or name.rsplit(":", 1)[-1]


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ":")


def units_held(
    entries: Iterable[Any], prefix: str, depth: int
) -> dict[tuple[str | None, str], Decimal]:
    """The units of each commodity in each account, over every posting under ``prefix``."""
    units: dict[tuple[str | None, str], Decimal] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            amount = posting.units
            if under(posting.account, prefix) and amount is not None and amount.number is not None:
                key = (account_of(posting.account, prefix, depth), amount.currency)
                units[key] = units.get(key, Decimal(0)) + amount.number
    return {key: number for key, number in units.items() if number != 0}


def commodity_meta(entries: Iterable[Any]) -> dict[str, dict[str, Any]]:
    return {e.currency: dict(e.meta or {}) for e in entries if isinstance(e, data.Commodity)}


def ledger_holdings(ledger: Ledger, prefix: str, depth: int, source: str) -> list[Holding]:
    price_map = prices.build_price_map(ledger.entries)  # type: ignore[no-untyped-call]
    metas = commodity_meta(ledger.entries)

    def read() -> Iterator[tuple[str, Holding]]:
        for (account, commodity), number in units_held(ledger.entries, prefix, depth).items():
            where = f"{account}: {commodity}" if account else commodity
            meta = metas.get(commodity, {})
            try:
                yield where, position(ledger, price_map, account, commodity, number, meta, where)
            except InputError as error:
                raise SourceError(source, str(error)) from None

    return check_unique(read(), source)


def position(
    ledger: Ledger,
    price_map: Any,
    account: str | None,
    commodity: str,
    number: Decimal,
    meta: dict[str, Any],
    where: str,
) -> Holding:
    own_class = str(meta.get(CLASS_KEY, "")).strip()
    if commodity == ledger.currency:
        return make_position(
            commodity,
            own_class,
            value=number,
            account=account,
            facts={"type": "cash"},
            cash=True,
            where=where,
        )
    _, price = prices.get_latest_price(  # type: ignore[no-untyped-call]
        price_map, (commodity, ledger.currency)
    )
    if price is None:
        raise InputError(where, f"no price of {commodity} in {ledger.currency} in the ledger")
    return make_position(
        commodity,
        own_class,
        quantity=number,
        price=price,
        account=account,
        facts={"type": str(meta.get("type", "")), "description": str(meta.get("name", ""))},
        where=where,
    )
