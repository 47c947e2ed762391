"""Holdings from an OFX or QFX investment statement (1.x SGML or 2.x XML), read by ofxtools.

Each statement (``INVSTMTRS``) is one account, named by its ``INVACCTFROM``'s account id:
its positions (``INVPOSLIST``), each worth its units x unit price, named by the ticker the
security list (``SECLIST``) gives it (else its CUSIP), and its available cash
(``AVAILCASH``) as a cash line. Amounts are in the statement's currency (``CURDEF``), but
a position's priced in another (its ``CURRENCY``'s ``CURSYM``). The statement's ``DTASOF``
dates the holdings. An OFX file names no asset class: the entry's ``[classify]`` map gives
them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ofxtools.Parser import OFXTree

from monitor.domain.allocation import Holding
from monitor.domain.classify import make_position
from monitor.errors import InputError, SourceError
from monitor.sources.base import check_unique

CASH_SYMBOL = "CASH"
# What each security list entry says a security is: the type a classify rule can match.
SECURITY_TYPES = {
    "STOCKINFO": "stock",
    "MFINFO": "mutual fund",
    "DEBTINFO": "debt",
    "OPTINFO": "option",
    "OTHERINFO": "other",
}


def parse_ofx(path: Path, source: str) -> tuple[list[Holding], datetime | None]:
    """The holdings of every investment statement in the file, and their date (the
    earliest ``DTASOF``)."""
    tree = OFXTree()
    try:
        tree.parse(str(path))
        ofx = tree.convert()
    except Exception as error:  # ofxtools raises its own errors and ValueError alike
        raise SourceError(
            source, f"not an OFX statement: {type(error).__name__}: {error}"
        ) from None
    securities = {security_key(s.secinfo.secid): s for s in ofx.securities}
    statements = [s for s in ofx.statements if type(s).__name__ == "INVSTMTRS"]
    if not statements:
        raise SourceError(source, "no investment statement (INVSTMTRS) in the file")

    def read() -> Iterator[tuple[str, Holding]]:
        for statement in statements:
            account, currency = str(statement.invacctfrom.acctid), str(statement.curdef)
            for position in statement.invposlist or []:
                yield position_holding(position.invpos, securities, account, currency, source)
            balance = statement.invbal
            if balance is not None and balance.availcash:
                yield cash_holding(balance.availcash, account, currency, source)

    holdings = check_unique(read(), source)
    return holdings, min(statement.dtasof for statement in statements)


def security_key(secid: Any) -> tuple[str, str]:
    return (str(secid.uniqueidtype), str(secid.uniqueid))


def position_holding(
    position: Any,
    securities: dict[tuple[str, str], Any],
    account: str,
    statement_currency: str,
    source: str,
) -> tuple[str, Holding]:
    security = securities.get(security_key(position.secid))
    info = None if security is None else security.secinfo
    # An aggregate with no sub-aggregates is falsy: compared to None, not tested for truth.
    ticker = None if info is None else info.ticker
    symbol = str(ticker or position.secid.uniqueid)
    where = f"account {account}: {symbol}"
    facts = {
        "type": SECURITY_TYPES.get(type(security).__name__, ""),
        "description": "" if info is None else str(info.secname),
    }
    # Its unit price is in CURSYM when it has a CURRENCY (compared to None: see above).
    priced_in = position.currency
    try:
        holding = make_position(
            symbol,
            "",
            quantity=position.units,
            price=position.unitprice,
            account=account,
            currency=statement_currency if priced_in is None else str(priced_in.cursym),
            facts=facts,
            where=where,
        )
    except InputError as error:
        raise SourceError(source, str(error)) from None
    return where, holding


def cash_holding(amount: Any, account: str, currency: str, source: str) -> tuple[str, Holding]:
    where = f"account {account}: AVAILCASH"
    try:
        holding = make_position(
            CASH_SYMBOL,
            "",
            value=amount,
            account=account,
            currency=currency,
            facts={"type": "cash", "description": "available cash"},
            cash=True,
            where=where,
        )
    except InputError as error:
        raise SourceError(source, str(error)) from None
    return where, holding
