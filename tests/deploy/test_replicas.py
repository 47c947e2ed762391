"""Two ``allocation-monitor run`` processes with one config on one PostgreSQL share the work.

Five portfolios tick every second in both; the test rewrites the holdings so that each
portfolio drifts, escalates and comes back in band, twice; one process is stopped and
started again halfway. Afterwards every (portfolio,
slot) was ticked by exactly one process, every slot one of them left to the other was
ticked by the other, and every alert decided reached the webhook exactly once.

What the claim and the slot arithmetic guarantee, and so what is asserted: both processes
compute the same slots and fire on them (interval slots are anchored at a fixed epoch, not
at a process's start); each slot's tick row is inserted by one of them only, and the other,
finding it, skips the slot. A process skips only slots the other holds: it never tries
again a slot it ticked itself (a run held up into the next slot, then the one due in it),
and the restarted one's catch-up slot comes seconds after its last one. At the edges of
each run: the catch-up at a start may find its slot ticked by the other; after SIGTERM a
run that comes due claims nothing, and the tick in flight is finished before the process
exits, so a slot skipped because a stopping process held it was ticked by that process.
A slot is missed only when no process tried it: when every one of them was late by a
whole period (starting, stopping, or starved of CPU), since a late run ticks the slot of
its own time. Such misses are counted and printed, not forbidden.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fixtures.daemon import DaemonFactory, DaemonProcess, wait_until
from tests.fixtures.operations import (
    DRIFTED_CSV,
    ESCALATED_CSV,
    IN_BAND_CSV,
    Deployment,
    StoreView,
    TickRow,
    deliveries,
    read_tick_log,
)
from tests.fixtures.sinks import WebhookSink

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PORTFOLIOS = ["p1", "p2", "p3", "p4", "p5"]
# Each step rewrites every portfolio's holdings and is the alert it makes them decide.
STEPS = [(DRIFTED_CSV, "drifted"), (ESCALATED_CSV, "escalated"), (IN_BAND_CSV, "resolved")]
PERIOD = timedelta(seconds=1)
WAIT = 90.0


def missed_slots(rows: list[TickRow]) -> int:
    """Slots between each portfolio's first and last tick that have no tick row."""
    missed = 0
    for portfolio_id in PORTFOLIOS:
        slots = [r.scheduled_at for r in rows if r.portfolio_id == portfolio_id]
        missed += int((slots[-1] - slots[0]) / PERIOD) + 1 - len(slots)
    return missed


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_replicas_tick_each_slot_once_and_deliver_each_alert_once(  # noqa: PLR0915 - one story, in order
    tmp_path: Path,
    empty_database_url: str,
    webhook_sink: WebhookSink,
    daemon_process: DaemonFactory,
    store_view: Callable[[str], StoreView],
) -> None:
    deployment = Deployment(
        tmp_path,
        database_url=empty_database_url,
        webhook_url=webhook_sink.json_url,
        portfolios=PORTFOLIOS,
    )
    store = store_view(empty_database_url)
    # Started together on an empty database: they take turns to migrate it.
    replicas: list[DaemonProcess] = [
        daemon_process(deployment.config, env=Deployment.LOG_ENV, api=False).start()
        for _ in range(2)
    ]

    def ticking(count: int) -> bool:
        ticks = Counter(row.portfolio_id for row in store.ticks())
        return all(ticks[p] >= count for p in PORTFOLIOS)

    wait_until(lambda: ticking(3), "three ticks of each portfolio", WAIT, replicas)
    expected: dict[str, list[str]] = {p: [] for p in PORTFOLIOS}

    def step(holdings: str, kind: str) -> None:
        for portfolio_id in PORTFOLIOS:
            deployment.write_holdings(portfolio_id, holdings)
            expected[portfolio_id].append(kind)
        count = sum(map(len, expected.values()))

        def sent() -> bool:
            outbox = store.notifications()
            return len(outbox) >= count and all(n.status == "sent" for n in outbox)

        running = [replica for replica in replicas if replica.running]
        wait_until(sent, f"the {kind} alerts sent", WAIT, running)

    for holdings, kind in STEPS:
        step(holdings, kind)
    # The busier one stops (as for an upgrade): the other carries on alone, then both again.
    busier = max(replicas, key=lambda replica: len(read_tick_log(replica.log()).ran))
    assert busier.stop() == 0
    step(*STEPS[0])
    busier.start()
    for holdings, kind in STEPS[1:]:
        step(holdings, kind)
    ticks_so_far = len(store.ticks())
    wait_until(
        lambda: len(store.ticks()) >= ticks_so_far + 5 * len(PORTFOLIOS),
        "five more ticks of each portfolio",
        WAIT,
        replicas,
    )
    assert [replica.stop() for replica in replicas] == [0, 0]

    every_row = store.ticks()
    assert len({(r.portfolio_id, r.scheduled_at) for r in every_row}) == len(every_row)
    assert all(r.scheduled_at.microsecond == 0 for r in every_row)  # one grid for both
    # A slot that came due while its process's previous run was still going, and that the
    # other did not tick either, is kept skipped: missed by both. Every tick that ran is ok.
    rows = [r for r in every_row if r.status != "skipped"]
    slots = [(r.portfolio_id, r.scheduled_at) for r in rows]
    assert {r.status for r in rows} == {"ok"}
    first, second = (read_tick_log(replica.log()) for replica in replicas)
    # Each slot was ticked by one process, and both did a share.
    assert first.ran.isdisjoint(second.ran)
    assert first.ran | second.ran == set(slots)
    assert first.ran and second.ran
    # What one left to the other, the other ticked: no slot tried was skipped by both, and
    # none was skipped by the process that ticked it.
    assert first.skipped <= second.ran
    assert second.skipped <= first.ran

    outbox = store.notifications()
    decided = {p: [n.kind for n in outbox if n.portfolio_id == p] for p in PORTFOLIOS}
    assert decided == expected
    assert all((n.status, n.attempts) == ("sent", 1) for n in outbox)
    assert deliveries(webhook_sink) == Counter({n.id: 1 for n in outbox})
    assert sorted(first.sent + second.sent) == [n.id for n in outbox]

    print(  # noqa: T201  (the figures, shown with -s)
        f"\nreplicas: {len(rows)} ticks ({len(first.ran)} by one, {len(second.ran)} by the "
        f"other; {len(first.skipped) + len(second.skipped)} slots skipped as already claimed), "
        f"{missed_slots(rows)} slots missed by both; {len(outbox)} alerts decided, "
        f"{len(webhook_sink.requests)} delivered ({len(first.sent)} by one, "
        f"{len(second.sent)} by the other)"
    )
