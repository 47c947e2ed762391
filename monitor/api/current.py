"""One portfolio now: its classes against their bands (its currencies against theirs), and
the plan its latest snapshot asks for, under the entry's current settings. The JSON routes
and the dashboard's portfolio page both call these, so that they show the same numbers.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy.orm import Session

from monitor.api.schemas.currencies import RateOut
from monitor.api.schemas.current import ClassBandOut, CurrencyBandOut, CurrentResponse
from monitor.domain.allocation import Holding, compute_allocation
from monitor.domain.numbers import round2
from monitor.domain.plans import RebalancingPlan, plan_rebalancing
from monitor.domain.targets import ClassTarget, Targets
from monitor.errors import NotFoundError
from monitor.settings import EntryConfig, Settings
from monitor.store.portfolios import check_portfolio, entry_of
from monitor.store.records import CurrencyRecord, SnapshotRecord
from monitor.store.snapshots import latest_snapshot


def config_of(session: Session, settings: Settings, portfolio_id: str) -> EntryConfig:
    """The settings that apply to a portfolio: its entry's (an account's entry's); the
    top-level ones for a portfolio no longer configured."""
    check_portfolio(session=session, portfolio_id=portfolio_id, configured=settings.portfolio_ids)
    entry = entry_of(session=session, portfolio_id=portfolio_id)
    if entry in settings.portfolio_ids:
        return settings.entry_config(entry)
    return settings.default_config


def latest_of(session: Session, portfolio_id: str) -> SnapshotRecord:
    snapshot = latest_snapshot(session=session, portfolio_id=portfolio_id)
    if snapshot is None:
        raise NotFoundError(f"portfolio {portfolio_id!r} has no snapshots yet")
    return snapshot


def depth_of(targets: Targets, name: str) -> int:
    depth, parent = 0, targets.spec(name).parent
    while parent is not None:
        depth, parent = depth + 1, targets.spec(parent).parent
    return depth


def current(*, session: Session, settings: Settings, portfolio_id: str) -> CurrentResponse:
    """The latest snapshot's classes, each with the band the entry's policy gives it."""
    config = config_of(session, settings, portfolio_id)
    return classes_now(latest_of(session, portfolio_id), config)


def classes_now(snapshot: SnapshotRecord, config: EntryConfig) -> CurrentResponse:
    classes = []
    for c in snapshot.classes:
        spec = config.targets.spec(c.asset_class)
        band = config.policy.band_for(spec)
        classes.append(
            ClassBandOut(
                asset_class=c.asset_class,
                depth=depth_of(config.targets, c.asset_class),
                current_percent=c.current_percent,
                target_percent=c.target_percent,
                lower=max(Decimal(0), c.target_percent - band.below),
                upper=min(Decimal(100), c.target_percent + band.above),
                below=band.below,
                above=band.above,
                drift=c.drift,
                current_value=c.current_value,
                breach=c.breach,
            )
        )
    return CurrentResponse(
        portfolio_id=snapshot.portfolio_id,
        snapshot_id=snapshot.id,
        taken_at=snapshot.taken_at,
        portfolio_value=snapshot.portfolio_value,
        classes=classes,
        # A snapshot from before currencies is in the configured base currency.
        base_currency=snapshot.base_currency or config.base_currency,
        currency_exposure=[currency_band(c, config) for c in snapshot.currencies],
        fx_rates=[RateOut(pair=r.pair, rate=r.rate, as_of=r.as_of) for r in snapshot.fx_rates],
    )


def currency_band(exposure: CurrencyRecord, config: EntryConfig) -> CurrencyBandOut:
    """A currency's share, with the band the entry's policy gives its target (as the tick
    banded it), if it has one."""
    lower = upper = None
    target = exposure.target_percent
    if target is not None:
        band = config.policy.band_for(ClassTarget(exposure.currency, target))
        lower, upper = max(Decimal(0), target - band.below), min(Decimal(100), target + band.above)
    return CurrencyBandOut(
        currency=exposure.currency,
        percent=exposure.percent,
        value=exposure.value,
        native_value=exposure.native_value,
        target_percent=target,
        lower=lower,
        upper=upper,
        drift=exposure.drift,
        breach=exposure.breach,
    )


def current_plan(*, session: Session, settings: Settings, portfolio_id: str) -> RebalancingPlan:
    """The entry's configured plan for the latest snapshot's holdings."""
    config = config_of(session, settings, portfolio_id)
    return plan_now(latest_of(session, portfolio_id), config)


def plan_now(snapshot: SnapshotRecord, config: EntryConfig) -> RebalancingPlan:
    if snapshot.holdings is None:
        raise NotFoundError(
            f"portfolio {snapshot.portfolio_id!r} keeps no holdings (store_holdings is off): "
            "a plan needs them"
        )
    holdings = [
        Holding(h.symbol, h.asset_class, h.value, h.quantity, h.price) for h in snapshot.holdings
    ]
    report = compute_allocation(holdings, config.targets, config.policy, snapshot.portfolio_value)
    return plan_rebalancing(report, config.plan.request())


PLAN_COLUMNS = ("asset_class", "symbol", "side", "shares", "price", "amount")


def plan_csv(plan: RebalancingPlan) -> str:
    """One line per trade; money rounded to two places, shares and prices as they are."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PLAN_COLUMNS)
    for t in plan.trades:
        writer.writerow(
            [
                t.asset_class,
                t.symbol,
                t.side,
                "" if t.shares is None else format(t.shares.normalize(), "f"),
                "" if t.price is None else format(t.price.normalize(), "f"),
                format(round2(t.amount), "f"),
            ]
        )
    return out.getvalue()
