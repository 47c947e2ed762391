"""Settings: defaults, the TOML file, MONITOR_* overrides, and every problem named by path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.settings import load_settings

PORTFOLIO = """
[[portfolios]]
id = "family"
source = { kind = "csv", path = "holdings.csv" }
"""


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


def test_defaults_are_the_seed_plan_threshold_and_port() -> None:
    settings = load_settings(None)
    assert settings.targets == {
        "stocks": 50,
        "etfs": 15,
        "commodities": 15,
        "crypto": 10,
        "futures": 5,
        "cash": 5,
    }
    assert settings.threshold == Decimal(5)
    assert settings.api.port == 8012
    assert settings.api.host == "127.0.0.1"
    assert settings.database.url == "sqlite:///var/allocation-monitor.db"


def test_the_toml_file_sets_values(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path, 'timezone = "Europe/Paris"\n[api]\nport = 9100\n'))
    assert (settings.timezone, settings.api.port) == ("Europe/Paris", 9100)


def test_environment_overrides_the_file_with_nested_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_API__PORT", "9200")
    settings = load_settings(config(tmp_path, "[api]\nport = 9100\nhost = '0.0.0.0'\n"))
    assert settings.api.port == 9200
    assert settings.api.host == "0.0.0.0"


def test_monitor_database_url_is_accepted_and_means_psycopg(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgres://app@db:5432/monitor")
    assert load_settings(None).database.url == "postgresql+psycopg://app@db:5432/monitor"


def test_a_secret_is_read_from_a_file_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cret-token\n")
    monkeypatch.setenv("MONITOR_API__TOKEN_FILE", str(secret))
    token = load_settings(None).api.token
    assert token is not None
    assert token.get_secret_value() == "s3cret-token"


def test_an_unreadable_secret_file_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_API__TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="MONITOR_API__TOKEN_FILE: cannot read secret file"):
        load_settings(None)


def test_durations_accept_seconds_minutes_hours_and_days(tmp_path: Path) -> None:
    settings = load_settings(
        config(tmp_path, PORTFOLIO + 'schedule = { every = "90s" }\nnotify = { cooldown = "7d" }\n')
    )
    portfolio = settings.portfolios[0]
    assert portfolio.schedule.every == timedelta(seconds=90)
    assert settings.entry_config(portfolio.id).notify.cooldown == timedelta(days=7)
    assert settings.entry_config(portfolio.id).notify.stale_after == 3


def test_relative_source_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path, PORTFOLIO))
    assert settings.portfolios[0].source.model_dump()["path"] == tmp_path / "holdings.csv"


def test_portfolio_targets_default_to_the_top_level_targets(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path, "[targets]\nstocks = 70\nbonds = 30\n" + PORTFOLIO))
    assert settings.entry_config(settings.portfolios[0].id).targets == {"stocks": 70, "bonds": 30}


def test_targets_not_summing_to_100_name_the_portfolio(tmp_path: Path) -> None:
    found = problems(
        config(tmp_path, PORTFOLIO + "[portfolios.targets]\nstocks = 60\nbonds = 30\n")
    )
    assert found == ["portfolios[family].targets: targets must sum to 100, they sum to 90"]


def test_an_unknown_key_is_named_with_its_path(tmp_path: Path) -> None:
    found = problems(config(tmp_path, PORTFOLIO + "treshold = 4\n"))
    assert found == ["portfolios[family].treshold: unknown key"]


def test_an_unknown_source_kind_lists_the_known_kinds(tmp_path: Path) -> None:
    found = problems(config(tmp_path, '[[portfolios]]\nid = "x"\nsource = { kind = "ftp" }\n'))
    assert len(found) == 1
    assert found[0].startswith("portfolios[x].source: unknown source kind 'ftp'; known kinds: ")
    assert "csv" in found[0]


def test_an_invalid_cron_expression_is_named(tmp_path: Path) -> None:
    found = problems(config(tmp_path, PORTFOLIO + 'schedule = { cron = "0 25 * * *" }\n'))
    assert len(found) == 1
    assert found[0].startswith("portfolios[family].schedule: invalid cron expression '0 25 * * *'")


def test_an_unknown_timezone_is_named(tmp_path: Path) -> None:
    found = problems(config(tmp_path, 'timezone = "Mars/Olympus"\n'))
    assert found == [
        "timezone: unknown timezone 'Mars/Olympus'; use an IANA name such as Europe/Paris"
    ]


def test_an_unknown_schedule_timezone_is_named_with_its_path(tmp_path: Path) -> None:
    found = problems(
        config(tmp_path, PORTFOLIO + 'schedule = { cron = "0 18 * * *", timezone = "NYC" }\n')
    )
    assert found == [
        "portfolios[family].schedule.timezone: unknown timezone 'NYC'; "
        "use an IANA name such as Europe/Paris"
    ]


def test_a_schedule_takes_cron_or_every_not_both(tmp_path: Path) -> None:
    found = problems(
        config(tmp_path, PORTFOLIO + 'schedule = { cron = "0 18 * * *", every = "1h" }\n')
    )
    assert found == ["portfolios[family].schedule: a schedule takes exactly one of cron or every"]


def test_an_interval_under_a_second_is_refused(tmp_path: Path) -> None:
    found = problems(config(tmp_path, PORTFOLIO + 'schedule = { every = "0.5s" }\n'))
    assert found == ["portfolios[family].schedule: every must be at least 1s"]


def test_a_source_without_a_kind_says_how_to_write_one(tmp_path: Path) -> None:
    found = problems(config(tmp_path, '[[portfolios]]\nid = "x"\nsource = { path = "h.csv" }\n'))
    assert found == [
        'portfolios[x].source: a source needs a kind, e.g. { kind = "csv", path = "..." }'
    ]


def test_an_unknown_source_option_is_named_with_its_path(tmp_path: Path) -> None:
    found = problems(
        config(tmp_path, '[[portfolios]]\nid = "x"\nsource = { kind = "csv", file = "h.csv" }\n')
    )
    assert sorted(found) == [
        "portfolios[x].source.file: unknown key",
        "portfolios[x].source.path: Field required",
    ]


def test_duplicate_portfolio_ids_are_an_error(tmp_path: Path) -> None:
    found = problems(config(tmp_path, PORTFOLIO + PORTFOLIO))
    assert found == ["portfolio id 'family' is used twice"]


def test_a_bad_duration_says_how_to_write_one(tmp_path: Path) -> None:
    found = problems(config(tmp_path, '[notify]\ncooldown = "one day"\n'))
    assert found == ["notify.cooldown: 'one day' is not a duration; write e.g. 90s, 30m, 24h or 7d"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(
        config(tmp_path, 'timezone = "Nowhere"\nthreshold = -1\n[api]\nport = 70000\n')
    )
    assert len(found) == 3


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = config(tmp_path, "[api\nport = 1\n")
    with pytest.raises(ConfigError, match=r"in .*monitor.toml: not valid TOML: .*line 1"):
        load_settings(path)


def test_a_missing_config_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "absent.toml")


def test_a_duration_without_a_unit_in_the_file_is_refused_naming_the_key(tmp_path: Path) -> None:
    found = problems(config(tmp_path, "[history]\nretention = 400\n"))
    assert found == ["history.retention: 400 needs a unit: 400s, 400m, 400h, 400d"]


def test_a_duration_without_a_unit_in_the_environment_is_refused_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_HISTORY__RETENTION", "400")
    found = problems(config(tmp_path, ""))
    assert found == ["history.retention: 400 needs a unit: 400s, 400m, 400h, 400d"]


def test_a_retention_under_a_day_is_refused(tmp_path: Path) -> None:
    found = problems(config(tmp_path, '[history]\nretention = "400s"\n'))
    assert found == ["history.retention: must be at least 1d, got 0:06:40"]


def test_a_delivery_timeout_past_two_minutes_is_refused(tmp_path: Path) -> None:
    [found] = problems(config(tmp_path, '[notify]\ntimeout = "10m"\n'))
    assert found.startswith("notify.timeout: ")
    assert "2 minutes" in found


def test_a_retention_of_a_day_is_accepted(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path, '[history]\nretention = "1d"\n'))
    assert settings.history.retention == timedelta(days=1)


def test_a_timezone_with_an_interval_shorter_than_a_day_is_refused(tmp_path: Path) -> None:
    text = PORTFOLIO + 'schedule = { every = "6h", timezone = "America/New_York" }\n'
    assert problems(config(tmp_path, text)) == [
        "portfolios[family].schedule: a timezone applies to cron, or to every of whole days "
        "(1d, 7d, 2w: midnight there); remove timezone, or write the times of day as cron"
    ]


def test_a_timezone_with_a_daily_interval_is_accepted(tmp_path: Path) -> None:
    text = PORTFOLIO + 'schedule = { every = "1d", timezone = "America/New_York" }\n'
    [portfolio] = load_settings(config(tmp_path, text)).portfolios
    assert (portfolio.schedule.every, portfolio.schedule.timezone) == (
        timedelta(days=1),
        "America/New_York",
    )
