"""config/prometheus-rules.yml parses and names only metrics that /metrics exports."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import yaml

from monitor.runtime.metrics import DaemonMetrics, metrics_registry
from monitor.runtime.outage_log import OutageLog
from monitor.settings import Settings
from monitor.store.engine import make_engine, session_factory
from tests.deploy.files import CONFIG

METRIC = re.compile(r"\b(allocation_monitor_[a-z_]+|up)\b(?!\s*\()")
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
}


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((CONFIG / "prometheus-rules.yml").read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


@pytest.fixture
def exported(database_url: str) -> set[str]:
    """Every sample name the app's registry can show, from its families' types."""
    engine = make_engine(database_url)
    registry = metrics_registry(
        Settings(), session_factory(engine), DaemonMetrics(), OutageLog(logging.getLogger())
    )
    names = {
        family.name + suffix
        for family in registry.collect()
        for suffix in SUFFIXES.get(family.type, ("",))
    }
    engine.dispose()
    return names | {"up"}  # Prometheus adds ``up`` to every scrape


def test_every_rule_is_an_alert_with_a_severity_and_a_summary() -> None:
    found = rules()
    assert len(found) >= 6
    for rule in found:
        assert rule["alert"] and rule["expr"]
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
        assert rule["annotations"]["summary"]


def test_the_rules_cover_down_failing_dead_letters_stale_and_long_drift() -> None:
    names = {rule["alert"] for rule in rules()}
    assert {
        "AllocationMonitorDown",
        "AllocationMonitorTicksFailing",
        "AllocationMonitorDeadLetters",
        "AllocationMonitorTicksStale",
        "PortfolioDriftedForDays",
    } <= names


def test_the_rules_name_only_exported_metrics(exported: set[str]) -> None:
    used = {name for rule in rules() for name in METRIC.findall(str(rule["expr"]))}
    assert used - exported == set()
    assert "allocation_monitor_tick_failures_total" in used
