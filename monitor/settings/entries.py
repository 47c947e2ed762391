"""Each portfolio entry's settings as it runs with them, worked out once, when settings load.

An entry's own keys win over the top-level ones: ``targets``, ``threshold``,
``relative_threshold``, ``drift_rule``, ``hybrid_floor``, ``base_currency`` and
``currency_targets`` each whole,
its ``plan`` and ``notify`` tables key by key over ``[plan]`` and ``[notify]``, its
``classify`` table added to ``[classify]``. ``EntryConfig`` holds the outcome: the tick, its
alerts and their plans, the notify routing, ``check --portfolio`` and the API's defaults
read it (``Settings.entry_config``, ``Settings.default_config``) and merge nothing again. An
entry whose merged policy or plan cannot work is refused at load, naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from monitor.domain.alerting import AlertPolicy
from monitor.domain.bands import DriftPolicy, DriftRule
from monitor.domain.classify import Classifier
from monitor.domain.plans import check_mode_amounts
from monitor.domain.targets import Targets
from monitor.errors import InputError
from monitor.settings.classes import resolve_classifier
from monitor.settings.sections import (
    ClassifySettings,
    NotifySettings,
    PlanSettings,
    PortfolioSettings,
)


class TopLevel(Protocol):
    """What an entry takes from the top-level settings where it says nothing (``Settings``)."""

    targets: Targets
    threshold: Decimal
    relative_threshold: Decimal | None
    drift_rule: DriftRule
    hybrid_floor: Decimal
    plan: PlanSettings
    notify: NotifySettings
    base_currency: str | None
    currency_targets: dict[str, Decimal] | None
    classify: ClassifySettings


@dataclass(frozen=True, slots=True)
class EntryConfig:
    """One entry's settings, its own over the top-level ones (or the top-level ones alone)."""

    targets: Targets
    policy: DriftPolicy  # when a class needs rebalancing; it holds the plan's min_trade too
    plan: PlanSettings
    # Whether the config says anything of the entry's plans ([plan] or its own plan table):
    # its alerts then give the plan rather than the trades back to target.
    plan_configured: bool
    notify: NotifySettings  # its route and templates; relative paths are the file's folder's
    alerts: AlertPolicy  # cooldowns, escalation, the resolved notice, stale data
    classifier: Classifier  # the class of each holding read without one
    base_currency: str | None = None  # None: single-currency mode
    currency_targets: dict[str, Decimal] | None = None  # {USD: 60, EUR: 40}


def resolve_entry(
    settings: TopLevel, portfolio: PortfolioSettings | None, folder: Path | None
) -> EntryConfig:
    """``portfolio``'s settings over the top-level ones; without one, the top-level ones.
    A ``ValueError`` naming the entry if its drift policy or its plan cannot work."""
    where = "" if portfolio is None else f"portfolio {portfolio.id!r}: "
    own_plan = None if portfolio is None else portfolio.plan
    plan = settings.plan.overridden(own_plan)
    try:
        policy = drift_policy(settings, portfolio, plan)
    except InputError as error:
        raise ValueError(f"{where}{error}") from None
    try:  # its mode and amounts, merged from [plan] and its own plan table
        check_mode_amounts(plan.request())
    except InputError as error:
        raise ValueError(f"{where}plan.{error}") from None
    try:
        classifier = resolve_classifier(
            settings.classify, None if portfolio is None else portfolio.classify, folder
        )
    except InputError as error:
        raise ValueError(f"{where}{error}") from None
    notify = settings.notify if portfolio is None else settings.notify.overridden(portfolio.notify)
    if folder is not None:
        notify = notify.resolve_paths(folder)
    own_keys = set() if own_plan is None else own_plan.model_fields_set
    base_currency = own(settings, portfolio, "base_currency")
    currency_targets = own(settings, portfolio, "currency_targets")
    # Top-level currency targets may be meant for entries that each set their own base; an
    # entry that would weigh currencies with none is refused.
    if currency_targets is not None and base_currency is None and portfolio is not None:
        raise ValueError(f"{where}currency_targets need a base_currency to weigh currencies in")
    return EntryConfig(
        targets=own(settings, portfolio, "targets"),
        policy=policy,
        plan=plan,
        plan_configured=bool(settings.plan.model_fields_set or own_keys),
        notify=notify,
        alerts=alert_policy(notify),
        base_currency=base_currency,
        currency_targets=currency_targets,
        classifier=classifier,
    )


def own(settings: TopLevel, portfolio: PortfolioSettings | None, key: str) -> Any:
    """The portfolio's own setting, else the top-level one."""
    value = None if portfolio is None else getattr(portfolio, key)
    return getattr(settings, key) if value is None else value


def drift_policy(
    settings: TopLevel, portfolio: PortfolioSettings | None, plan: PlanSettings
) -> DriftPolicy:
    """When the entry's classes need rebalancing; ``InputError`` if the keys do not fit."""
    return DriftPolicy(
        threshold=own(settings, portfolio, "threshold"),
        relative_threshold=own(settings, portfolio, "relative_threshold"),
        drift_rule=own(settings, portfolio, "drift_rule"),
        hybrid_floor=own(settings, portfolio, "hybrid_floor"),
        min_trade=plan.min_trade,
        rebalance_to=plan.rebalance_to,
        tolerance=plan.tolerance,
    )


def alert_policy(notify: NotifySettings) -> AlertPolicy:
    return AlertPolicy(
        cooldown=notify.cooldown,
        escalation_step=notify.escalation_step,
        send_resolved=notify.send_resolved,
        stale_after=notify.stale_after,
        stale_cooldown=notify.stale_cooldown,
    )
