"""The outbox drain against real webhook servers: retries with backoff, dead letters and
their retry, per-target bookkeeping, leases after a crash, and concurrent drainers."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.notify.delivery import Route, deliver
from monitor.notify.drain import LEASE
from monitor.notify.rounds import DrainResult, backoff
from monitor.notify.routing import render_for
from monitor.settings import NotifySettings
from monitor.store.outbox import (
    OutboxItem,
    attempts_of,
    claim_next_notification,
    outbox_counts,
    requeue_dead,
)
from monitor.store.transactions import write_transaction
from tests.fixtures.sinks import SmtpSink, WebhookRequest, WebhookSink
from tests.notify.world import (
    FAMILY,
    TARGETS,
    World,
    make_world,
    portfolio_entry,
    titles,
    two_class_holdings,
    write_holdings,
)

BACKOFF = timedelta(seconds=30)


def world_for(engine: Engine, folder: Path, urls: list[str], **notify: object) -> World:
    world = make_world(
        engine,
        folder,
        urls=urls,
        notify={"retry_backoff": "30s", **notify},
        portfolios=[FAMILY],
    )
    write_holdings(folder / "family.json", two_class_holdings(60))
    return world


def decide(world: World, *stocks: float) -> None:
    """One tick per holding given, each deciding whatever it decides; nothing drained."""
    for value in stocks:
        write_holdings(world.folder / "family.json", two_class_holdings(value))
        assert world.tick().status == "ok"


def test_backoff_doubles_from_retry_backoff_up_to_the_maximum() -> None:
    notify = NotifySettings(
        retry_backoff=timedelta(seconds=30), retry_max_backoff=timedelta(minutes=5)
    )
    delays = [backoff(attempts, notify).total_seconds() for attempts in range(1, 7)]
    assert delays == [30, 60, 120, 240, 300, 300]


def test_with_the_webhook_down_alerts_stay_pending_and_retry_with_backoff(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    world = world_for(engine, tmp_path, [webhook_sink.json_url])
    webhook_sink.stop()
    decide(world, 70, 60, 70)  # drifted, resolved, drifted again: three alerts
    first = world.drain()
    assert (first.sent, first.retrying) == (0, 3)
    pending = world.notifications("pending")
    assert [n.attempts for n in pending] == [1, 1, 1]
    assert {n.next_attempt_at for n in pending} == {world.clock.now + BACKOFF}
    assert world.drain().retrying == 0  # nothing is due before its backoff
    world.clock.advance(BACKOFF)
    assert world.drain().retrying == 3
    assert {n.next_attempt_at for n in world.notifications("pending")} == {
        world.clock.now + 2 * BACKOFF
    }


def test_when_the_webhook_comes_back_every_pending_alert_arrives_once(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    world = world_for(engine, tmp_path, [webhook_sink.json_url])
    webhook_sink.stop()
    decide(world, 70, 60, 70)
    for _ in range(3):
        world.drain()
        world.clock.advance(timedelta(minutes=10))
    webhook_sink.start()
    assert world.drain().sent == 3
    assert titles(webhook_sink) == [
        "Rebalance family: 2 classes out of band",
        "family back in band",
        "Rebalance family: 2 classes out of band",
    ]
    assert world.drain().sent == 0
    assert len(webhook_sink.requests) == 3


def test_an_alert_decided_while_the_smtp_server_is_down_is_emailed_once_it_is_up(
    engine: Engine, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    world = world_for(engine, tmp_path, [smtp_sink.url])
    smtp_sink.stop()
    decide(world, 70)
    assert world.drain() == DrainResult(retrying=1)
    world.clock.advance(BACKOFF)
    assert world.drain() == DrainResult(retrying=1)  # still down: tried again, in vain
    smtp_sink.start()
    world.clock.advance(2 * BACKOFF)
    assert world.drain() == DrainResult(sent=1)
    [message] = smtp_sink.wait_for(1)
    assert message["Subject"] == "Rebalance family: 2 classes out of band"
    [sent] = world.notifications("sent")
    assert sent.attempts == 3
    with world.sessions() as session:
        attempts = attempts_of(session=session, notification_id=sent.id)
    assert [(a.target.split(":")[0], a.outcome) for a in attempts] == [
        ("mailto", "failed"),
        ("mailto", "failed"),
        ("mailto", "sent"),
    ]
    assert all(a.error for a in attempts[:2])  # each failure says why
    world.clock.advance(timedelta(days=1))
    assert world.drain() == DrainResult()  # sent once, and never again
    assert len(smtp_sink.messages) == 1


def test_after_max_attempts_an_alert_is_dead_and_says_why(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    world = world_for(engine, tmp_path, [webhook_sink.json_url], max_attempts=3)
    webhook_sink.fail()  # 500 to every request
    decide(world, 70)
    for _ in range(3):
        world.drain()
        world.clock.advance(timedelta(hours=1))
    [dead] = world.notifications("dead")
    assert dead.attempts == 3
    assert dead.last_error is not None and "500" in dead.last_error
    assert webhook_sink.attempts == 3
    with world.sessions() as session:
        assert outbox_counts(session=session) == {"pending": 0, "sent": 0, "dead": 1}
        outcomes = [a.outcome for a in attempts_of(session=session, notification_id=dead.id)]
    assert outcomes == ["failed", "failed", "failed"]
    world.clock.advance(timedelta(days=1))
    assert world.drain().dead == 0  # a dead alert is not tried again on its own
    assert webhook_sink.attempts == 3


def test_a_retried_dead_alert_is_delivered(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    world = world_for(engine, tmp_path, [webhook_sink.json_url], max_attempts=1)
    webhook_sink.fail()
    decide(world, 70)
    assert world.drain().dead == 1
    [dead] = world.notifications("dead")
    webhook_sink.recover()
    with write_transaction(world.sessions) as session:
        retried = requeue_dead(session=session, notification_id=dead.id, now=world.clock.now)
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert world.drain().sent == 1
    assert titles(webhook_sink) == ["Rebalance family: 2 classes out of band"]
    [sent] = world.notifications("sent")
    assert sent.id == dead.id


def test_a_good_target_is_not_sent_the_alert_again_when_another_target_is_retried(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    flaky = WebhookSink()  # not started yet: its port refuses connections
    world = world_for(engine, tmp_path, [webhook_sink.json_url, flaky.json_url])
    decide(world, 70)
    assert world.drain().retrying == 1
    [pending] = world.notifications("pending")
    assert len(pending.delivered_targets) == 1
    flaky.start()
    try:
        world.clock.advance(BACKOFF)
        assert world.drain().sent == 1
        assert len(flaky.requests) == 1
    finally:
        flaky.stop()
    assert len(webhook_sink.requests) == 1
    with world.sessions() as session:
        log = attempts_of(session=session, notification_id=pending.id)
    assert [(a.target.split(":")[0], a.outcome) for a in log] == [
        ("json", "sent"),
        ("json", "failed"),
        ("json", "sent"),
    ]


def claim_any(world: World) -> OutboxItem:
    """The next due row, leased as a drainer leases it."""
    with write_transaction(world.sessions) as session:
        claimed = claim_next_notification(
            session=session, now=world.clock.now, lease=LEASE, accept=lambda *row: True
        )
    assert claimed is not None
    return claimed


def test_an_alert_leased_by_a_drainer_that_died_is_sent_after_the_lease(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    world = world_for(engine, tmp_path, [webhook_sink.json_url])
    decide(world, 70)
    claimed = claim_any(world)  # a drainer claims, then dies
    assert world.drain().sent == 0  # still leased to the dead drainer
    world.clock.advance(LEASE - timedelta(seconds=1))
    assert world.drain().sent == 0
    world.clock.advance(timedelta(seconds=2))
    assert world.drain().sent == 1
    assert len(webhook_sink.requests) == 1
    assert [n.id for n in world.notifications("sent")] == [claimed.id]


def test_a_drainer_dying_between_sending_and_recording_means_one_duplicate(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    """The at-least-once window: the send happened, its record did not, so after the lease
    the alert goes again. Nothing is lost; this one duplicate is the documented price."""
    world = world_for(engine, tmp_path, [webhook_sink.json_url])
    decide(world, 70)
    claimed = claim_any(world)
    notify = world.settings.entry_config(world.settings.portfolios[0].id).notify
    message = render_for(claimed.payload, notify, alert_id=claimed.id)
    assert deliver(Route.from_settings(notify), message)[0].ok  # ...and the process dies
    world.clock.advance(LEASE + timedelta(seconds=1))
    assert world.drain().sent == 1
    assert titles(webhook_sink) == ["Rebalance family: 2 classes out of band"] * 2
    assert world.drain().sent == 0


def test_a_route_that_cannot_be_used_makes_the_alert_dead_at_once(
    engine: Engine, tmp_path: Path
) -> None:
    world = world_for(engine, tmp_path, ["nosuchservice://x"])
    decide(world, 70)
    assert world.drain().dead == 1
    [dead] = world.notifications("dead")
    assert dead.attempts == 1
    assert dead.last_error is not None and "not a usable Apprise URL" in dead.last_error


def test_a_template_raising_an_unexpected_error_is_a_failed_attempt_then_dead(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink, caplog: pytest.LogCaptureFixture
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    # An IndexError (not a TemplateError), raised only when sent: the tick renders the title
    # before the alert has an id.
    (templates / "title.j2").write_text("{% if alert_id %}{{ [].pop() }}{% endif %}")
    world = world_for(
        engine,
        tmp_path,
        [webhook_sink.json_url],
        templates_dir=str(templates),
        max_attempts=2,
    )
    decide(world, 70)
    with caplog.at_level(logging.ERROR, logger="monitor.notify.rounds"):
        assert world.drain() == DrainResult(retrying=1)
    [pending] = world.notifications("pending")
    assert (pending.attempts, pending.last_error) == (
        1,
        "unexpected error: IndexError: pop from empty list",
    )
    assert pending.next_attempt_at == world.clock.now + BACKOFF
    assert "IndexError: pop from empty list" in caplog.text  # the traceback, logged
    world.clock.advance(BACKOFF)
    assert world.drain() == DrainResult(dead=1)
    [dead] = world.notifications("dead")
    with world.sessions() as session:
        attempts = attempts_of(session=session, notification_id=dead.id)
    assert [(a.target, a.outcome, a.error) for a in attempts] == [
        ("route", "failed", "unexpected error: IndexError: pop from empty list")
    ] * 2
    assert webhook_sink.requests == []


def test_a_template_that_raises_does_not_hold_up_another_entrys_alert_to_the_same_target(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "title.j2").write_text("{% if alert_id %}{{ [].pop() }}{% endif %}")
    broken = portfolio_entry("broken", '{ kind = "json", path = "family.json" }')
    broken += 'notify = { templates_dir = "templates" }\n'
    world = make_world(engine, tmp_path, urls=[webhook_sink.json_url], portfolios=[broken, FAMILY])
    write_holdings(tmp_path / "family.json", two_class_holdings(70))
    world.tick("broken")
    world.tick("family", every=timedelta(0))
    # The broken entry's alert comes first and sends to nobody; the target is free after.
    assert world.drain() == DrainResult(sent=1, retrying=1)
    assert titles(webhook_sink) == ["Rebalance family: 2 classes out of band"]


def test_a_hung_smtp_server_does_not_delay_a_webhook(
    engine: Engine, tmp_path: Path, hung_smtp_sink: SmtpSink, webhook_sink: WebhookSink
) -> None:
    # Long enough that the email would still hang when the webhooks could be late.
    urls = [hung_smtp_sink.url, webhook_sink.json_url]
    world = world_for(engine, tmp_path, urls, timeout="60s")
    decide(world, 70, 80)  # drifted, then escalated: two alerts, each to both targets
    drainer = threading.Thread(target=world.drain)
    drainer.start()
    try:
        assert hung_smtp_sink.hanging.wait(10)
        assert len(webhook_sink.wait_for(2, timeout=10)) == 2
        # Both webhook alerts arrived while the first email still hangs, the second
        # waiting its turn: one message at a time to a target.
        assert drainer.is_alive()
        assert hung_smtp_sink.hung == 1
    finally:
        hung_smtp_sink.release()
        drainer.join(30)
    assert titles(webhook_sink) == [
        "Rebalance family: 2 classes out of band",
        "Rebalance family now: 2 classes out of band (worst drift up to 20.00%)",
    ]
    assert len(hung_smtp_sink.wait_for(2)) == 2
    assert [(n.status, n.attempts) for n in world.notifications()] == [("sent", 1)] * 2


def test_notify_timeout_bounds_an_attempt_at_a_hung_smtp_server(
    engine: Engine, tmp_path: Path, hung_smtp_sink: SmtpSink
) -> None:
    world = world_for(engine, tmp_path, [hung_smtp_sink.url], timeout="1s")
    decide(world, 70)
    started = time.monotonic()
    assert world.drain().retrying == 1
    assert time.monotonic() - started < 5  # Apprise's own SMTP timeout is 15 s
    [pending] = world.notifications("pending")
    assert pending.last_error is not None
    assert pending.last_error.endswith("failed: no answer within 1s")


class GatheringWebhooks(WebhookSink):
    """Holds each request until ``gather`` are in at once (or ``GATHER_SECONDS`` pass), then
    a moment more: a drain that sends ``gather`` at once is seen doing it however slow this
    machine, and one that sent more would be seen too. ``most_at_once``: the most it held."""

    def __init__(self, gather: int) -> None:
        super().__init__()
        self.gather = gather
        self.changed = threading.Condition()
        self.at_once = self.most_at_once = 0

    def _answer(self, request: WebhookRequest) -> int:
        with self.changed:
            self.at_once += 1
            self.most_at_once = max(self.most_at_once, self.at_once)
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.at_once >= self.gather, GATHER_SECONDS)
        time.sleep(0.2)
        with self.changed:
            self.at_once -= 1
        return super()._answer(request)


GATHER_SECONDS = 10


@pytest.mark.parametrize("concurrency", [1, 3])
def test_drain_concurrency_is_how_many_alerts_go_out_at_once_to_different_targets(
    engine: Engine, tmp_path: Path, concurrency: int
) -> None:
    sink = GatheringWebhooks(gather=concurrency)
    sink.start()
    try:
        # Six portfolios, each with a webhook of its own (a path of the same server).
        entries = [
            portfolio_entry(
                f"p{n}",
                '{ kind = "json", path = "family.json" }',
                targets=TARGETS,
            )
            + f'[portfolios.notify]\nurls = ["{sink.json_url}/{n}"]\n'
            for n in range(6)
        ]
        world = make_world(
            engine, tmp_path, urls=[], notify={"drain_concurrency": concurrency}, portfolios=entries
        )
        write_holdings(tmp_path / "family.json", two_class_holdings(70))
        for n in range(6):
            world.tick(f"p{n}", every=timedelta(0))
        assert world.drain().sent == 6
    finally:
        sink.stop()
    assert sink.most_at_once == concurrency
