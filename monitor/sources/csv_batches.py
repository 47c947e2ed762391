"""A plain CSV file read a batch of rows at a time, a column at a time, in loops that run
in C: the usual case of an adviser's export, which can hold half a million rows read every
tick. Anything that is not plain raises ``NotPlain``, and ``csv_parsing`` reads the
file again row by row, to name the line and the field that is wrong.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from itertools import compress, count, islice, pairwise, repeat
from operator import methodcaller, mul, ne, sub
from sys import intern
from typing import TYPE_CHECKING, NamedTuple

from monitor.domain.allocation import Holding
from monitor.domain.numbers import CENT, LIMIT

if TYPE_CHECKING:
    from _csv import Reader as CsvReader


PLAIN_BATCH = 10_000  # rows turned into holdings at once, a column at a time


class Columns(NamedTuple):
    """Where each field is in a row (None: no such column)."""

    symbol: int
    asset_class: int
    value: int | None
    quantity: int | None
    price: int | None
    account: int | None
    currency: int | None

    @classmethod
    def of(cls, header: list[str]) -> Columns:
        where = {name: index for index, name in enumerate(header)}
        return cls(
            where["symbol"],
            where["asset_class"],
            where.get("value"),
            where.get("quantity"),
            where.get("price"),
            where.get("account"),
            where.get("currency"),
        )


class NotPlain(Exception):
    """A batch holds something the row-by-row reading must look at."""


Fields = list[str] | tuple[str, ...]  # one column of a batch of rows


def decimals(raw: Fields | None, size: int) -> list[Decimal | None]:
    """A column as Decimals: all given, or none (Nones); mixed is not plain."""
    if raw is None or not any(raw):
        return [None] * size
    if not all(raw):
        raise NotPlain
    # Quantities repeat (round lots), and prices across accounts: each distinct text is
    # parsed once and its rows share the Decimal (faster, and one Decimal less a row).
    distinct = set(raw)
    if len(distinct) * 4 > len(raw):
        return list(map(Decimal, raw))
    parsed = dict(zip(distinct, map(Decimal, distinct), strict=True))
    return list(map(parsed.__getitem__, raw))


def acceptable(numbers: list[Decimal | None]) -> bool:
    """Finite, not negative (is_signed is also true of -0, left to the general path) and
    below the limit of every number the monitor takes, as ``make_holding`` reads them."""
    if not numbers or numbers[0] is None:
        return True
    given: list[Decimal] = numbers  # type: ignore[assignment]  # all or none are None
    try:  # not infinite (-infinity is signed), and comparing a NaN raises
        return all(map(LIMIT.__gt__, given)) and not any(map(Decimal.is_signed, given))
    except InvalidOperation:
        return False


class SeenSymbols:
    """The symbols read in each account, to tell one given twice in an account. An
    account's rows usually come together: a run of them is added at once, as a set of
    interned strings (no (account, symbol) pair per row, which would cost the reading
    more than the sets do)."""

    def __init__(self) -> None:
        self.by_account: dict[str | None, set[str]] = {}

    def add(self, accounts: list[str | None], symbols: list[str]) -> bool:
        """Add a batch's rows; False if a symbol was already read in its account."""
        changes = compress(count(1), map(ne, accounts[1:], accounts[:-1]))
        for start, stop in pairwise([0, *changes, len(accounts)]):
            seen = self.by_account.setdefault(accounts[start], set())
            before = len(seen)
            seen.update(symbols[start:stop])
            if len(seen) != before + stop - start:
                return False
        return True

    def keep_last(self, accounts: list[str | None]) -> None:
        """Forget every account but the last of ``accounts``: read in batches of account
        after account, only the one a batch ends in may go on in the next."""
        if accounts:
            last = accounts[-1]
            self.by_account = {last: self.by_account.get(last, set())}


def plain_batch(fields: list[Fields], columns: Columns, seen: SeenSymbols) -> list[Holding]:
    """The holdings of a batch of rows (``fields``: its columns) that are all plain, made a
    column at a time (the loops run in C), their symbols added to ``seen``; ``NotPlain`` if
    any row is not plain or repeats a symbol of its account."""
    size = len(fields[0])
    # Interned: an export repeats the same few classes, symbols and accounts on every row,
    # and a copy of "stocks" on each of them would cost memory for nothing.
    symbols = list(map(intern, map(str.strip, fields[columns.symbol])))
    classes = list(map(intern, map(str.lower, map(str.strip, fields[columns.asset_class]))))
    if not (all(symbols) and all(classes)):
        raise NotPlain
    if any(":" in label for label in classes):  # weights (stocks:60;bonds:40): make_holding
        raise NotPlain
    amounts, quantities, prices = plain_amounts(fields, columns, size)
    accounts = plain_accounts(column(fields, columns.account), size)
    if not seen.add(accounts, symbols):
        raise NotPlain
    if columns.currency is None:
        return list(map(Holding, symbols, classes, amounts, quantities, prices, accounts))
    currencies = plain_currencies(fields[columns.currency])
    return list(
        map(
            Holding,
            symbols,
            classes,
            amounts,
            quantities,
            prices,
            accounts,
            repeat(None),
            currencies,
        )
    )


def column(fields: list[Fields], index: int | None) -> Fields | None:
    return None if index is None else fields[index]


def plain_amounts(
    fields: list[Fields], columns: Columns, size: int
) -> tuple[list[Decimal | None], list[Decimal | None], list[Decimal | None]]:
    """Each row's value, quantity and price, as ``make_holding`` would read them; ``NotPlain``
    for a row it would refuse, or read otherwise."""
    values = column(fields, columns.value)
    try:
        quantities = decimals(column(fields, columns.quantity), size)
        prices = decimals(column(fields, columns.price), size)
        amounts: list[Decimal | None]
        agreeing = None  # what the values must be, given with quantities and prices
        if values is not None and all(values):
            amounts = list(map(Decimal, values))
            checked = [amounts, quantities, prices]
            if quantities[0] is not None and prices[0] is not None:
                agreeing = list(map(mul, quantities, prices))
        elif (values is None or not any(values)) and quantities[0] is not None:
            if prices[0] is None:
                raise NotPlain
            amounts = list(map(mul, quantities, prices))
            # A product of finite numbers that are not negative is neither (rounded by
            # the context, as make_holding's product is, which may reach the limit): its
            # factors are checked.
            checked = [quantities, prices]
        else:
            raise NotPlain
    except InvalidOperation:
        raise NotPlain from None
    if not all(map(acceptable, checked)):
        raise NotPlain
    if agreeing is not None and any(map(CENT.__lt__, map(abs, map(sub, amounts, agreeing)))):
        raise NotPlain  # a value that quantity x price contradicts: make_holding says so
    return amounts, quantities, prices


def plain_accounts(raw: Fields | None, size: int) -> list[str | None]:
    """Each row's account; an empty one is none."""
    if raw is None:
        return [None] * size
    accounts: list[str | None] = list(map(intern, map(str.strip, raw)))
    if not all(accounts):
        accounts = [account or None for account in accounts]
    return accounts


def plain_currencies(raw: Fields) -> list[str | None]:
    """Each row's currency code, upper-cased; an empty one is none (the base currency);
    ``NotPlain`` for one that is not three letters, which ``make_holding`` names."""
    distinct = {text: text.strip().upper() for text in set(raw)}
    if not all(plain_code(code) for code in distinct.values()):
        raise NotPlain
    return [intern(code) if (code := distinct[text]) else None for text in raw]


def plain_code(code: str) -> bool:
    return not code or (len(code) == 3 and code.isascii() and code.isalpha())


def simple_lines(text: str) -> list[str] | None:
    """The lines of a text that ``csv.reader`` splits only at commas and line feeds: no
    quotes, carriage returns or NULs, no line over the reader's field size limit. None
    for any other text."""
    if '"' in text or "\r" in text or "\x00" in text:
        return None
    lines = text.split("\n")
    if len(text) > csv.field_size_limit() and max(map(len, lines)) > csv.field_size_limit():
        return None
    return lines


def split_batches(lines: list[str], width: int) -> Iterator[list[Fields]]:
    """The columns of each batch of data rows of ``simple_lines`` (its first line the
    header), as ``split_rows`` makes them."""
    return split_rows(islice(lines, 1, None), width)


def split_rows(lines: Iterable[str], width: int) -> Iterator[list[Fields]]:
    """The columns of each batch of data rows, the reader's rows made by ``str.split``: a
    batch of lines split at once, each column a slice of the fields (faster than the
    reader and ``zip``); ``NotPlain`` for a row of another width."""
    rows = filter(None, lines)  # the reader skips empty lines too
    commas = methodcaller("count", ",")
    while batch := list(islice(rows, PLAIN_BATCH)):
        if set(map(commas, batch)) != {width - 1}:
            raise NotPlain
        flat = ",".join(batch).split(",")
        yield [flat[index::width] for index in range(width)]


def reader_batches(reader: CsvReader, width: int) -> Iterator[list[Fields]]:
    """The columns of each batch of data rows, as ``csv.reader`` reads them; ``NotPlain``
    for a row of another width."""
    while batch := list(islice(reader, PLAIN_BATCH)):
        if any(len(fields) != width for fields in batch):
            batch = [fields for fields in batch if fields]  # empty lines are skipped
            if any(len(fields) != width for fields in batch):
                raise NotPlain
            if not batch:
                continue
        yield list(zip(*batch, strict=True))
