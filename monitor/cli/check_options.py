"""What ``check``'s options mean: their choices, and their values read and checked, each
error naming the option (``--min-trade``) rather than the engine's field (``min_trade``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.domain.allocation import DriftPolicy, Holding, Targets, parse_targets, to_decimal
from monitor.domain.numbers import currency_code
from monitor.domain.plans import PlanRequest
from monitor.errors import InputError, SourceError

if TYPE_CHECKING:
    from monitor.domain.fx import RateTable
    from monitor.settings import PlanSettings
    from monitor.settings.sections import FxSettings
    from monitor.sources.fx import RatesFormat

ACCOUNTS_LISTED = 5  # named in the error when a file holds several


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


class PlanModeOption(StrEnum):
    buy_and_sell = "buy_and_sell"
    buy_only = "buy_only"
    sell_only = "sell_only"


class PlanTradeOption(StrEnum):
    all = "all"
    breaching = "breaching"


class DriftRuleOption(StrEnum):
    either = "either"
    hybrid = "hybrid"


class RebalanceToOption(StrEnum):
    target = "target"
    band_edge = "band_edge"


def decimal_option(raw: str | None, name: str, *, most: Decimal | None = None) -> Decimal | None:
    if raw is None:
        return None
    number = to_decimal(raw, name)
    if most is not None and not 0 < number <= most:
        raise InputError(name, f"must be above 0 and at most {most}, got {raw}")
    return number


@contextmanager
def named_as_options() -> Iterator[None]:
    """An ``InputError`` raised inside names the option (``--min-trade``), not the engine's
    field (``min_trade``)."""
    try:
        yield
    except InputError as error:
        raise InputError(f"--{error.field.replace('_', '-')}", error.problem) from None


def currency_option(raw: str) -> str:
    return currency_code(raw, "--base-currency")


def check_rates(
    fx: FxSettings, held: list[Holding], base: str | None, path: Path | None
) -> RateTable | None:
    """The rates to convert with: the ``--fx-rates`` file's (in ``fx.format``, or the ECB's
    if it looks like it), else the configured source's when a holding needs one."""
    # Read only by a check that converts: a source's kinds are not loaded otherwise.
    from monitor.runtime.rates import tick_rates
    from monitor.sources.csv import CsvSource
    from monitor.sources.files import file_problem
    from monitor.sources.fx import fetch_rates

    try:
        if path is not None:
            problem = file_problem(path)
            if problem is not None:
                raise InputError("--fx-rates", problem)
            return fetch_rates(CsvSource(path=path), rates_format_of(path, fx))
        return tick_rates(fx, held, base, datetime.now(UTC))
    except SourceError as error:  # "fx" is what the option names already
        raise InputError(
            "--fx-rates", error.problem if error.source == "fx" else str(error)
        ) from None


def rates_format_of(path: Path, fx: FxSettings) -> RatesFormat:
    """The ECB's files say so in their first bytes (XML, or a ``Date`` header)."""
    start = path.read_text(encoding="utf-8-sig", errors="replace")[:100].lstrip()
    return "ecb" if start.startswith("<") or start.lower().startswith("date") else fx.format


def targets_option(raw: str) -> Targets:
    try:
        found = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InputError("--targets", f"invalid JSON: {error.msg}") from None
    if not isinstance(found, dict):
        raise InputError("--targets", "expected a JSON object of class: percent")
    return parse_targets(found, "--targets")


def listed(names: list[str]) -> str:
    shown = ", ".join(names[:ACCOUNTS_LISTED])
    more = len(names) - ACCOUNTS_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def one_account(held: list[Holding], account: str | None, path: Path) -> list[Holding]:
    """The holdings of ``account``; without one, of the file's only portfolio. Several
    accounts are several portfolios: merged, their report would be nobody's."""
    named = sorted({h.account for h in held if h.account is not None})
    if account is not None:
        if not named:
            raise InputError(
                "--account", f"{path} has no account column; leave out --account {account}"
            )
        held = [h for h in held if h.account == account]
        if not held:
            raise InputError(
                "--account",
                f"{path} has no account {account!r}; its accounts: {listed(named)}",
            )
        return held
    if len(named) > 1:
        raise InputError(
            "--account",
            f"{path} holds {len(named)} accounts ({listed(named)}); choose one with --account",
        )
    if named and any(h.account is None for h in held):
        raise InputError("--holdings", f"{path}: some holdings name an account and others do not")
    return held


def policy_from_options(
    policy: DriftPolicy,
    *,
    threshold: str | None,
    relative_threshold: str | None,
    min_trade: str | None,
    drift_rule: DriftRuleOption | None,
    hybrid_floor: str | None,
    rebalance_to: RebalanceToOption | None,
    tolerance: str | None,
) -> DriftPolicy:
    """The configured drift policy, with the options given over it."""
    given: dict[str, Any] = {
        "threshold": decimal_option(threshold, "--threshold", most=Decimal(100)),
        "relative_threshold": decimal_option(
            relative_threshold, "--relative-threshold", most=Decimal(1)
        ),
        "min_trade": decimal_option(min_trade, "--min-trade"),
        "drift_rule": None if drift_rule is None else drift_rule.value,
        "hybrid_floor": decimal_option(hybrid_floor, "--hybrid-floor"),
        "rebalance_to": None if rebalance_to is None else rebalance_to.value,
        "tolerance": None if tolerance is None else to_decimal(tolerance, "--tolerance"),
    }
    with named_as_options():
        return policy.overridden(**given)


def plan_request(
    configured_plan: PlanSettings,
    mode: PlanModeOption | None,
    cash: Decimal | None,
    raise_cash: Decimal | None,
    trade: PlanTradeOption | None,
) -> PlanRequest:
    """The configured plan, as the daemon's alerts make it, with the options given over it;
    the cash it names belongs to its mode, so ``--mode`` starts from none."""
    request = configured_plan.request() if mode is None else PlanRequest(mode.value)
    return replace(
        request,
        cash=request.cash if cash is None else cash,
        raise_cash=request.raise_cash if raise_cash is None else raise_cash,
        trade=request.trade if trade is None else trade.value,
    )
