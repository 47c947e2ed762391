"""The overview's rules without a database: a row's state, and how rows sort."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from monitor.api.overview import Row, sort_key, sorted_rows, state_of
from monitor.store.latest import EntryHealth, LatestRow

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)


def latest(id_: str, value: str | None = "100", drift_state: str = "in_band") -> LatestRow:
    number = None if value is None else Decimal(value)
    rebalance = None if value is None else drift_state == "drifted"
    snapshot_id = None if value is None else 1
    return LatestRow(id_, id_, None, snapshot_id, number, number, rebalance, drift_state)


def health(failures: int = 0, source: str = "ok") -> EntryHealth:
    return EntryHealth(NOW, "failed" if failures else "ok", None, failures, source)


def test_a_row_in_band_with_a_reading_source_is_in_band() -> None:
    assert state_of(latest("a"), health()) == "in_band"


def test_a_drifted_row_is_drifted() -> None:
    assert state_of(latest("a", drift_state="drifted"), health()) == "drifted"


def test_one_failed_read_makes_the_source_failing_whatever_the_drift() -> None:
    assert state_of(latest("a", drift_state="drifted"), health(failures=1)) == "source_failing"


def test_once_the_stale_alert_went_out_the_row_is_stale() -> None:
    assert state_of(latest("a"), health(failures=3, source="failing")) == "stale"


def test_a_row_without_a_snapshot_has_no_data() -> None:
    assert state_of(latest("a", value=None), None) == "no_data"


def row(id_: str, value: str | None) -> Row:
    found = latest(id_, value)
    return Row(found, id_, state_of(found, None), None)


def test_rows_without_a_value_come_last_in_either_order() -> None:
    rows = [row("a", None), row("b", "5"), row("c", "7")]
    assert [r.entry_id for r in sorted_rows(rows, sort_key("value", {}), "asc")] == ["b", "c", "a"]
    assert [r.entry_id for r in sorted_rows(rows, sort_key("value", {}), "desc")] == ["c", "b", "a"]


def test_equal_values_keep_id_order_in_either_order() -> None:
    rows = [row("a", "5"), row("b", "5"), row("c", "9")]
    assert [r.entry_id for r in sorted_rows(rows, sort_key("value", {}), "desc")] == ["c", "a", "b"]
    assert [r.entry_id for r in sorted_rows(rows, sort_key("value", {}), "asc")] == ["a", "b", "c"]


def test_rows_sort_by_their_count_of_classes_out_of_band() -> None:
    rows = [row("a", "5"), row("b", "5"), row("c", None)]
    drifted = LatestRow("b", "b", None, 2, Decimal(5), Decimal(5), True, "drifted")
    rows[1] = Row(drifted, "b", "drifted", None)
    ordered = sorted_rows(rows, sort_key("out_of_band", {2: 3}), "desc")
    assert [r.entry_id for r in ordered] == ["b", "a", "c"]
