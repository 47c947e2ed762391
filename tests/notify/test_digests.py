"""Digests: a multi-account entry's alerts grouped into one message per tick and route,
delivered through the outbox to real SMTP and webhook servers on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.fixtures.sinks import SmtpSink, WebhookSink
from tests.notify.world import CLIENTS, World, make_world, write_accounts

ACCOUNTS = 2000


def account_ids(count: int) -> list[str]:
    return [f"acct-{number:04d}" for number in range(count)]


def stocks_of(number: int) -> float:
    """A drifted account's stocks: 70 to 79 (10 to 19 pp over), so drifts differ."""
    return 70 + number % 10


class Accounts:
    """The accounts' holdings, edited between ticks."""

    def __init__(self, world: World, count: int) -> None:
        self.world = world
        self.stocks = dict.fromkeys(account_ids(count), 60.0)

    def drift(self, numbers: range) -> None:
        for number in numbers:
            self.stocks[f"acct-{number:04d}"] = stocks_of(number)

    def back_in_band(self, numbers: range) -> None:
        for number in numbers:
            self.stocks[f"acct-{number:04d}"] = 60.0

    def tick(self) -> None:
        write_accounts(self.world.folder / "clients.csv", self.stocks)
        outcome = self.world.tick("clients")
        assert outcome.status == "ok", outcome.error
        self.world.drain()


@pytest.fixture
def world(engine: Engine, tmp_path: Path, webhook_sink: WebhookSink) -> World:
    return make_world(engine, tmp_path, urls=[webhook_sink.json_url], portfolios=[CLIENTS])


def listed_accounts(message: str) -> list[str]:
    return re.findall(r"^- \*\*(clients/acct-\d+)\*\*", message, flags=re.MULTILINE)


def test_a_market_move_over_2000_accounts_sends_one_digest_per_change(
    world: World, webhook_sink: WebhookSink
) -> None:
    accounts = Accounts(world, ACCOUNTS)
    accounts.drift(range(300))
    accounts.tick()
    [first] = webhook_sink.requests
    assert first.json["title"] == ("Rebalance clients: 300 of 2,000 accounts out of band (300 new)")
    message = first.json["message"]
    listed = listed_accounts(message)
    assert len(listed) == 50  # notify.digest_limit's default
    # Worst drift first: the 30 accounts ending in 9 are 19 pp over, those in 8 are 18.
    assert [name[-1] for name in listed] == ["9"] * 30 + ["8"] * 20
    [digest] = world.notifications()
    assert f"and 250 more (all of them: `allocation-monitor alerts show {digest.id}`" in message
    [attachment] = first.json["attachments"]
    assert attachment["filename"] == "clients-accounts-2026-11-24.csv"
    assert len(digest.payload["accounts"]) == 300

    accounts.tick()  # within every account's cooldown: nothing to say
    assert len(webhook_sink.requests) == 1

    accounts.drift(range(300, 310))
    accounts.tick()
    second = webhook_sink.requests[1].json
    assert second["title"] == "Rebalance clients: 310 of 2,000 accounts out of band (10 new)"
    # What changed is listed before the accounts still out of band.
    assert listed_accounts(second["message"])[:10] == [
        f"clients/acct-{n:04d}" for n in (309, 308, 307, 306, 305, 304, 303, 302, 301, 300)
    ]
    assert "still out of band" in second["message"]

    accounts.back_in_band(range(50))
    accounts.tick()
    third = webhook_sink.requests[2].json
    assert third["title"] == ("Rebalance clients: 260 of 2,000 accounts out of band (50 resolved)")
    assert len(webhook_sink.requests) == 3


def test_a_digest_email_carries_every_account_as_a_csv(
    engine: Engine, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    world = make_world(
        engine, tmp_path, urls=[smtp_sink.url], notify={"digest_limit": 2}, portfolios=[CLIENTS]
    )
    accounts = Accounts(world, 5)
    accounts.drift(range(3))
    accounts.tick()
    [email] = smtp_sink.wait_for(1)
    assert email["Subject"] == "Rebalance clients: 3 of 5 accounts out of band (3 new)"
    body = email.get_body(("plain",))
    assert body is not None
    assert "and 1 more" in body.get_content()
    [attachment] = email.iter_attachments()
    rows = list(csv.DictReader(io.StringIO(attachment.get_content())))
    assert [(row["portfolio_id"], row["status"], row["worst_drift"]) for row in rows] == [
        ("clients/acct-0002", "new", "12.00"),
        ("clients/acct-0001", "new", "11.00"),
        ("clients/acct-0000", "new", "10.00"),
    ]


def test_group_account_sends_one_message_per_account(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    world = make_world(
        engine,
        tmp_path,
        urls=[webhook_sink.json_url],
        notify={"group": "account"},
        portfolios=[CLIENTS],
    )
    accounts = Accounts(world, 4)
    accounts.drift(range(2))
    accounts.tick()
    assert sorted(r.json["title"] for r in webhook_sink.requests) == [
        "Rebalance clients/acct-0000: 2 classes out of band",
        "Rebalance clients/acct-0001: 2 classes out of band",
    ]


def test_members_in_their_cooldown_are_listed_only_when_the_digest_goes_out(
    world: World, webhook_sink: WebhookSink
) -> None:
    accounts = Accounts(world, 10)
    accounts.drift(range(3))
    accounts.tick()
    accounts.tick()
    assert len(webhook_sink.requests) == 1
    accounts.back_in_band(range(1))
    accounts.tick()
    message = webhook_sink.requests[1].json["message"]
    assert webhook_sink.requests[1].json["title"] == (
        "Rebalance clients: 2 of 10 accounts out of band (1 resolved)"
    )
    assert "**clients/acct-0002**: still out of band" in message
    assert "**clients/acct-0000**: back in band" in message


def test_a_digest_where_every_account_is_back_says_so(
    world: World, webhook_sink: WebhookSink
) -> None:
    accounts = Accounts(world, 10)
    accounts.drift(range(2))
    accounts.tick()
    accounts.back_in_band(range(2))
    accounts.tick()
    assert webhook_sink.requests[1].json["title"] == (
        "clients: all 10 accounts back in band (2 resolved)"
    )
    assert webhook_sink.requests[1].json["type"] == "success"
