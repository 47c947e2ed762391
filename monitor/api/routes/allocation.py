"""The seed's four endpoints, with its paths, parameters and JSON field names."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from monitor.api.deps import settings_of
from monitor.api.routing import ComputeRoute
from monitor.api.schemas.calculate_request import CalculateRequest, holdings_from_request
from monitor.api.schemas.calculate_response import CalculateResponse, calculate_response
from monitor.api.schemas.currencies import currency_summary, rate_table
from monitor.api.schemas.query import (
    CheckResponse,
    DriftAnalysisResponse,
    TargetsResponse,
    targets_response,
)
from monitor.api.schemas.query_parameters import (
    BaseCurrencyQuery,
    DriftRuleQuery,
    FxRatesQuery,
    HoldingsQuery,
    HybridFloorQuery,
    MinTradeQuery,
    RelativeQuery,
    TargetsQuery,
    ThresholdQuery,
    TotalQuery,
    ValueQuery,
)
from monitor.domain.allocation import (
    AllocationReport,
    Holding,
    Targets,
    compute_allocation,
    parse_targets,
)
from monitor.domain.fx import RateTable
from monitor.domain.plans import PlanRequest, plan_buy_only, plan_rebalancing
from monitor.errors import InputError, SourceError
from monitor.settings.entries import EntryConfig
from monitor.sources.base import holdings_from_document
from monitor.sources.json import parse_json

PREFIX = "/api/v1/allocation"


def json_query(text: str, name: str) -> object:
    try:
        return parse_json(text, name)
    except SourceError as error:
        raise InputError(name, error.problem) from None


def holdings_from_query(text: str) -> list[Holding]:
    document = json_query(text, "holdings")
    if document in ({}, []):  # as a body's: all unallocated, or worth nothing
        return []
    try:
        return holdings_from_document(document, "holdings")
    except SourceError as error:
        raise InputError("holdings", error.problem) from None


def defaults_of(request: Request) -> EntryConfig:
    """The configured settings a request's omitted parameters take.

    Read from the request rather than through a dependency (``SettingsDep``): FastAPI
    solving one, however small, costs a tenth of a ``/targets`` request's time."""
    return settings_of(request).default_config


def base_currency_of(given: str | None, defaults: EntryConfig) -> str | None:
    """The request's base currency (any case), else the configured one."""
    return given.upper() if given else defaults.base_currency


def rates_from_query(text: str | None) -> RateTable | None:
    if text is None:
        return None
    raw = json_query(text, "fx_rates")
    if not isinstance(raw, dict):
        raise InputError("fx_rates", "expected an object of pair: rate")
    return rate_table(raw)


def targets_from_query(text: str | None, defaults: EntryConfig) -> Targets:
    if text is None:
        return defaults.targets
    raw = json_query(text, "target_allocations")
    if not isinstance(raw, dict):
        raise InputError("target_allocations", "expected an object of class: percent")
    return parse_targets(raw, "target_allocations")


def calculate(body: CalculateRequest, request: Request) -> CalculateResponse:
    """The full allocation report and a rebalancing plan (``mode``, ``cash``, ``raise_cash``,
    ``min_trade``); with ``cash``, also the buy-only plan for that new money."""
    defaults = defaults_of(request)
    targets = (
        parse_targets(body.target_allocations, "target_allocations")
        if body.target_allocations is not None
        else defaults.targets
    )
    policy = defaults.policy.overridden(
        threshold=body.rebalancing_threshold,
        relative_threshold=body.relative_threshold,
        drift_rule=body.drift_rule,
        hybrid_floor=body.hybrid_floor,
        min_trade=body.min_trade,
        rebalance_to=body.rebalance_to,
        tolerance=body.tolerance,
    )
    report = compute_allocation(
        holdings_from_request(body.holdings),
        targets,
        policy,
        body.portfolio_value,
        base_currency=base_currency_of(body.base_currency, defaults),
        rates=body.rates(),
        currency_targets=body.currency_goal(),
    )
    wanted = PlanRequest(
        mode=body.mode or defaults.plan.mode,
        cash=body.cash or Decimal(0),
        raise_cash=body.raise_cash or Decimal(0),
        trade=body.trade or defaults.plan.trade,
    )
    plan = plan_rebalancing(report, wanted)
    buy_only = plan_buy_only(report, body.cash) if body.cash is not None else None
    return calculate_response(report, datetime.now(UTC), plan, buy_only)


def targets(
    request: Request,
    portfolio_value: TotalQuery,
    target_allocations: TargetsQuery = None,
    base_currency: BaseCurrencyQuery = None,
) -> TargetsResponse:
    """Target amounts for a portfolio of the given value: per top-level class, and for a
    target tree per sub-class under ``children``; in ``base_currency`` when one is named."""
    defaults = defaults_of(request)
    return targets_response(
        portfolio_value,
        targets_from_query(target_allocations, defaults),
        base_currency_of(base_currency, defaults),
    )


async def query_report(  # async: computed on the event loop, as the routes are (ComputeRoute)
    request: Request,
    holdings: HoldingsQuery,
    portfolio_value: ValueQuery = None,
    threshold: ThresholdQuery = None,
    relative_threshold: RelativeQuery = None,
    target_allocations: TargetsQuery = None,
    min_trade: MinTradeQuery = None,
    drift_rule: DriftRuleQuery = None,
    hybrid_floor: HybridFloorQuery = None,
    base_currency: BaseCurrencyQuery = None,
    fx_rates: FxRatesQuery = None,
) -> AllocationReport:
    """The report the GET endpoints answer from, with everything from the query string."""
    defaults = defaults_of(request)
    given = holdings_from_query(holdings)
    goal = targets_from_query(target_allocations, defaults)
    policy = defaults.policy.overridden(
        threshold=threshold,
        relative_threshold=relative_threshold,
        drift_rule=drift_rule,
        hybrid_floor=hybrid_floor,
        min_trade=min_trade,
    )
    return compute_allocation(
        given,
        goal,
        policy,
        portfolio_value,
        base_currency=base_currency_of(base_currency, defaults),
        rates=rates_from_query(fx_rates),
    )


QueryReport = Annotated[AllocationReport, Depends(query_report)]


def check_rebalancing(report: QueryReport) -> CheckResponse:
    """Does this portfolio need rebalancing, and which classes say so."""
    fields = {
        "needs_rebalancing": report.needs_rebalancing,
        "alerts": report.alerts,
        "total_drift": report.total_drift,
        "threshold": report.policy.threshold,
        "relative_threshold": report.policy.relative_threshold,
        **currency_summary(report),
    }
    return CheckResponse.model_validate(fields, from_attributes=True)


def drift_analysis(report: QueryReport) -> DriftAnalysisResponse:
    """Drift of every asset class, in percentage points and in money."""
    fields = {
        "portfolio_value": report.portfolio_value,
        "timestamp": datetime.now(UTC),
        "drifts": [
            {
                "asset_class": c.asset_class,
                "current_percent": c.current_percent,
                "target_percent": c.target_percent,
                "drift": c.drift,
                "drift_amount": c.difference,
                "needs_rebalancing": c.needs_rebalancing,
                "parent": c.parent,
            }
            for c in report.classes
        ],
        "total_drift": report.total_drift,
        "needs_rebalancing": report.needs_rebalancing,
        **currency_summary(report),
    }
    return DriftAnalysisResponse.model_validate(fields, from_attributes=True)


def install_allocation(app: FastAPI) -> None:
    """The four routes, added to the app's own router rather than included as a router of
    their own: FastAPI answers a route of an included router by matching the routers before
    it, then its routes twice, a tenth of a ``/targets`` request (``bench_api.py``)."""
    for method, path, endpoint, answer in (
        ("POST", "calculate", calculate, CalculateResponse),
        ("GET", "targets", targets, TargetsResponse),
        ("GET", "check-rebalancing", check_rebalancing, CheckResponse),
        ("GET", "drift-analysis", drift_analysis, DriftAnalysisResponse),
    ):
        app.router.add_api_route(
            f"{PREFIX}/{path}",
            endpoint,
            methods=[method],
            response_model=answer,
            tags=["allocation"],
            route_class_override=ComputeRoute,
        )
