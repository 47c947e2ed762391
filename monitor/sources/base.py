"""What every holdings source shares: its options model and the row -> ``Holding`` rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

from monitor.domain.allocation import Holding, make_holding
from monitor.errors import InputError, SourceError


class NotStreamable(Exception):  # not an error: a request to read otherwise
    """What ``fetch_batches`` raises, before or after giving batches, when the source is
    not one it can read a batch at a time after all: the reader then reads it whole with
    ``fetch``, which names anything wrong with it."""


class Fetched(list[Holding]):
    """A fetch's holdings, with what their source says of them: the time they are of (a
    broker export's own date; ``accounts_as_of``: an account's own, where each came from a
    file of its own), and whether some came without a class (which the entry's
    ``[classify]`` map then gives: a plain source's every holding has its own)."""

    def __init__(
        self,
        holdings: Iterable[Holding],
        as_of: datetime | None,
        *,
        classified: bool,
        accounts_as_of: Mapping[str, datetime] | None = None,
    ) -> None:
        super().__init__(holdings)
        self.as_of = as_of
        self.classified = classified
        self.accounts_as_of = dict(accounts_as_of or {})


def as_of(holdings: list[Holding]) -> datetime | None:
    """The time a fetch's holdings are of, if their source said."""
    return holdings.as_of if isinstance(holdings, Fetched) else None


def accounts_as_of(holdings: list[Holding]) -> Mapping[str, datetime]:
    """The time each account's holdings are of, where their source said it of each."""
    return holdings.accounts_as_of if isinstance(holdings, Fetched) else {}


def needs_classes(holdings: list[Holding]) -> bool:
    """Whether some of a fetch's holdings may lack a class; never for a plain source, so
    that half a million holdings are not looked over each tick for none."""
    return isinstance(holdings, Fetched) and not holdings.classified


class SourceOptions(BaseModel):
    """A configured source: its options (validated from the config) and how to fetch.

    A kind subclasses this with ``kind: Literal["name"]`` and implements ``fetch``; third
    parties register theirs under the ``allocation_monitor.sources`` entry-point group.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str

    def fetch(self) -> list[Holding]:
        """Every holding, each with its ``account`` when the source covers many accounts."""
        raise NotImplementedError

    def fetch_batches(self) -> Iterator[list[Holding]]:
        """The holdings ``fetch`` gives, in its order, a batch at a time: a kind that can
        read a source of many accounts piece by piece overrides it, so that a tick need not
        hold them all at once. By default, all of them as one batch."""
        yield self.fetch()

    def fetch_text(self) -> str:
        """The text a fetch reads (a file, a response's body, a program's stdout), for what
        reads it otherwise: exchange rates. A kind that reads no text (sql) has none."""
        raise SourceError(self.describe(), f"a {self.kind} source cannot give exchange rates")

    def describe(self) -> str:
        """How the source is named in messages and logs; never includes a secret."""
        return self.kind

    def resolve_paths(self, base: Path) -> Self:
        """Relative paths in the options are relative to the config file's folder."""
        return self

    def preflight(self) -> list[tuple[str, str]]:
        """What can be seen wrong without fetching (a file or a program missing right now),
        as ``(option, problem)`` pairs: ``config validate`` shows them as warnings."""
        return []


def resolve_path(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else base / path


def missing_columns(columns: Iterable[str]) -> list[str]:
    """What a table of holdings (CSV header, SQL result) lacks to be read, named for a user."""
    names = set(columns)
    missing = [name for name in ("symbol", "asset_class") if name not in names]
    if "value" not in names and not {"quantity", "price"} <= names:
        missing.append("value (or quantity and price)")
    return missing


def holding_from_row(row: Mapping[str, Any], where: str) -> Holding:
    """One holding from a flat row (CSV line, JSON object, SQL row); its ``currency`` is
    optional (none: the portfolio's base currency)."""
    account = row.get("account")
    return make_holding(
        row.get("symbol"),
        row.get("asset_class"),
        value=row.get("value"),
        quantity=row.get("quantity"),
        price=row.get("price"),
        account=str(account).strip() if account not in (None, "") else None,
        currency=row.get("currency"),
        where=where,
    )


def check_unique(
    holdings: Iterable[tuple[object, Holding]],
    source: str,
    label: Callable[[object], str] = str,
) -> list[Holding]:
    """A symbol may appear once per account; ``holdings`` pairs each with where it was read
    (``label`` makes that a text, only for a message: a line number costs less to keep)."""
    seen: set[tuple[str | None, str]] = set()
    result: list[Holding] = []
    wheres: list[object] = []
    for where, holding in holdings:
        # A set, and the search for the culprit only when there is one: half a million
        # rows a tick pass here.
        seen.add((holding.account, holding.symbol))
        result.append(holding)
        wheres.append(where)
    if not result:
        raise SourceError(source, "no holdings: the source returned an empty set")
    if len(seen) != len(result):
        raise duplicate_error(result, wheres, source, label)
    return result


def duplicate_error(
    holdings: list[Holding], wheres: list[object], source: str, label: Callable[[object], str]
) -> SourceError:
    """The first holding whose symbol was already read in its account, named by both places."""
    first_seen: dict[tuple[str | None, str], object] = {}
    for where, holding in zip(wheres, holdings, strict=True):
        key = (holding.account, holding.symbol)
        if key in first_seen:
            account = f" in account {holding.account!r}" if holding.account else ""
            return SourceError(
                source,
                f"{label(where)}: symbol {holding.symbol!r}{account} already appears at "
                f"{label(first_seen[key])}",
            )
        first_seen[key] = where
    raise AssertionError("no duplicate found")  # pragma: no cover - the caller saw one


def holdings_from_rows(rows: Iterable[tuple[str, Mapping[str, Any]]], source: str) -> list[Holding]:
    """Rows paired with where each was read (``line 7``) -> validated, unique holdings."""

    def parsed() -> Iterable[tuple[str, Holding]]:
        for where, row in rows:
            try:
                yield where, holding_from_row(row, where)
            except InputError as error:
                raise SourceError(source, str(error)) from None

    return check_unique(parsed(), source)


def holdings_from_document(document: object, source: str) -> list[Holding]:
    """The JSON/YAML shapes a source may return.

    - the seed's ``{"AAPL": {"asset_class": "stocks", "value": 26940}, ...}``;
    - a list of rows ``[{"symbol": "AAPL", "asset_class": "stocks", "value": 1, "account": "a"}]``;
    - either of those under a top-level ``"holdings"`` key (the seed's request body).
    """
    if isinstance(document, dict) and "holdings" in document:
        document = document["holdings"]
    if isinstance(document, dict):
        rows: list[tuple[str, Mapping[str, Any]]] = []
        for symbol, fields in document.items():
            if not isinstance(fields, dict):
                raise SourceError(
                    source, f"holdings.{symbol}: expected an object with asset_class and value"
                )
            rows.append((f"holdings.{symbol}", {**fields, "symbol": symbol}))
        return holdings_from_rows(rows, source)
    if isinstance(document, list):
        for index, row in enumerate(document):
            if not isinstance(row, dict):
                raise SourceError(source, f"holdings[{index}]: expected an object, got {row!r}")
        return holdings_from_rows(((f"holdings[{i}]", r) for i, r in enumerate(document)), source)
    raise SourceError(
        source,
        f"expected holdings as an object keyed by symbol or a list of rows, "
        f"got {type(document).__name__}",
    )
