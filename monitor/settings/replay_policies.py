"""The policies a replay tries: an entry's own, with some keys changed, or a preset, or a
TOML snippet of the same keys (``threshold = 3`` ...). Unknown keys and bad values are
refused, naming where they were given."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationError

from monitor.domain.alerting import AlertPolicy
from monitor.domain.bands import DriftPolicy, DriftRule, RebalanceTo
from monitor.domain.replay import ReplayPolicy
from monitor.errors import InputError, UnknownPortfolioError
from monitor.replay_presets import PRESETS
from monitor.settings.entries import EntryConfig
from monitor.settings.models import Settings
from monitor.settings.sections import Section
from monitor.settings.types import Duration

DRIFT_KEYS = (
    "threshold",
    "relative_threshold",
    "drift_rule",
    "hybrid_floor",
    "rebalance_to",
    "tolerance",
    "min_trade",
)
ALERT_KEYS = ("cooldown", "escalation_step", "send_resolved")
OPTIONS = {"drift_rule": "--rule"}  # the command's options named otherwise than their keys


class PolicyChanges(Section):
    """The keys a replayed policy may change; those not given are the entry's own."""

    name: str | None = Field(None, max_length=100)
    threshold: Decimal | None = Field(None, gt=0, le=100)
    relative_threshold: Decimal | None = Field(None, gt=0, le=1)
    drift_rule: DriftRule | None = None
    hybrid_floor: Decimal | None = Field(None, ge=0, le=100)
    rebalance_to: RebalanceTo | None = None
    tolerance: Decimal | None = Field(None, ge=0, le=1)
    min_trade: Decimal | None = Field(None, ge=0)
    cooldown: Duration | None = None
    escalation_step: Decimal | None = Field(None, ge=0)
    send_resolved: bool | None = None


def changes_of(raw: dict[str, Any], where: str = "") -> PolicyChanges:
    """``raw`` checked; an ``InputError`` naming the key (``compare.threshold``), or with no
    ``where``, the option (``--threshold``)."""
    try:
        changes = PolicyChanges.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        named = f"{where}.{key}" if where else OPTIONS.get(key, "--" + key.replace("_", "-"))
        raise InputError(named, first["msg"]) from None
    if changes.name is None:  # named by what it changes, as it was written
        given = ", ".join(f"{key}={value}" for key, value in raw.items())
        changes.name = given or "configured"
    return changes


def entry_of(settings: Settings, portfolio_id: str) -> str:
    """The configured entry a portfolio or account (``clients/a1``) belongs to."""
    for entry_id in settings.portfolio_ids:
        if portfolio_id == entry_id or portfolio_id.startswith(entry_id + "/"):
            return entry_id
    raise UnknownPortfolioError(portfolio_id, settings.portfolio_ids)


def policy_from(text: str, config: EntryConfig, where: str = "compare") -> ReplayPolicy:
    """A preset by name, or a TOML snippet (keys on lines, or ``;``-free inline)."""
    if text.strip() in PRESETS:
        name = text.strip()
        return replay_policy(config, changes_of(PRESETS[name], where), name)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        presets = ", ".join(PRESETS)
        raise InputError(where, f"neither a preset ({presets}) nor TOML: {error}") from None
    return replay_policy(config, changes_of(raw, where))


def replay_policy(
    config: EntryConfig, changes: PolicyChanges, name: str | None = None
) -> ReplayPolicy:
    """The entry's policy with ``changes`` (the keys they set, a None included)."""
    name = name or changes.name or "configured"
    given = changes.model_fields_set - {"name"}
    drift_changes = {key: getattr(changes, key) for key in DRIFT_KEYS if key in given}
    alert_changes = {
        key: getattr(changes, key)
        for key in ALERT_KEYS
        if key in given and getattr(changes, key) is not None
    }
    for key in ("threshold", "drift_rule", "hybrid_floor", "rebalance_to", "tolerance"):
        if drift_changes.get(key, 0) is None:
            del drift_changes[key]  # only relative_threshold may be taken away
    try:
        drift = DriftPolicy(**{**policy_fields(config.policy), **drift_changes})
    except InputError as error:
        raise InputError(f"{name}: {error.field}", error.problem) from None
    alerts: AlertPolicy = replace(config.alerts, **alert_changes)
    return ReplayPolicy(name, drift, alerts, config.plan.request())


def policy_fields(policy: DriftPolicy) -> dict[str, Any]:
    return {key: getattr(policy, key) for key in DRIFT_KEYS}
