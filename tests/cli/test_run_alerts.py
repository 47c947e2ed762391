"""``allocation-monitor run`` delivering a real alert to a real webhook, once across restarts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from monitor.store.engine import make_engine
from monitor.store.models import Notification, Tick
from tests.fixtures.daemon import DaemonFactory, wait_until
from tests.fixtures.sinks import WebhookSink

pytestmark = pytest.mark.slow

CONFIG = """
[database]
url = "sqlite:///{database}"

[notify]
drain_every = "1s"

[[portfolios]]
id = "family"
name = "Family portfolio"
schedule = {{ every = "1s" }}
source = {{ kind = "csv", path = "holdings.csv" }}
notify = {{ urls = ["{webhook}"] }}

[portfolios.targets]
stocks = 60
bonds = 40
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    yield engine
    engine.dispose()


def count(store: Engine, model: type[Tick] | type[Notification]) -> int:
    if not (Path(str(store.url.database))).exists():
        return 0
    with store.connect() as connection:
        try:
            return connection.execute(select(func.count()).select_from(model)).scalar_one()
        except Exception:  # no schema yet: the daemon is still starting
            return 0


def test_the_first_alert_reaches_the_webhook_and_a_restart_does_not_resend_it(
    tmp_path: Path, store: Engine, webhook_sink: WebhookSink, daemon_process: DaemonFactory
) -> None:
    # 70/30 against 60/40: stocks drifted by 10 pp, past the 5 pp threshold.
    (tmp_path / "holdings.csv").write_text(
        "symbol,asset_class,value\nVTI,stocks,70\nBND,bonds,30\n"
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        CONFIG.format(database=tmp_path / "monitor.db", webhook=webhook_sink.json_url)
    )
    daemon = daemon_process(config, api=False).start()
    [alert] = webhook_sink.wait_for(1, timeout=60)
    assert alert.path == "/notify"
    assert alert.json["title"].startswith("Rebalance family")
    assert "STOCKS: over-allocated by 10.00%" in alert.json["message"]
    assert daemon.stop() == 0

    ticks_before = count(store, Tick)
    daemon.start()
    # Several ticks and drain passes (every second) after the restart, with nothing to say.
    wait_until(lambda: count(store, Tick) >= ticks_before + 3, "three more ticks", process=daemon)
    assert daemon.stop() == 0
    assert len(webhook_sink.requests) == 1
    assert count(store, Notification) == 1
    with store.connect() as connection:
        assert connection.scalars(select(Notification.status)).all() == ["sent"]
