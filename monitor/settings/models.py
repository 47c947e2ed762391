"""The configuration, declared once: a TOML file, then ``MONITOR_*`` environment variables.

Precedence, highest first: environment (nested keys with ``__``, e.g.
``MONITOR_DATABASE__URL``; ``MONITOR_DATABASE_URL`` also works), ``MONITOR_<KEY>_FILE``
secrets read from files, the TOML file, then the defaults below.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, PrivateAttr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitor.domain.allocation import DEFAULT_TARGETS, DEFAULT_THRESHOLD
from monitor.domain.bands import DEFAULT_HYBRID_FLOOR, DriftRule
from monitor.domain.targets import Targets
from monitor.errors import UnknownPortfolioError
from monitor.settings.entries import EntryConfig, resolve_entry
from monitor.settings.env import EnvFileSecretsSource, MonitorEnvSource, TomlDataSource, config_file
from monitor.settings.sections import (
    ApiSettings,
    ClassifySettings,
    DatabaseSettings,
    FxSettings,
    HistorySettings,
    NotifySettings,
    PlanSettings,
    PortfolioSettings,
)
from monitor.settings.types import CurrencyCode, CurrencyTargetsSetting, TargetsSetting, Timezone


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MONITOR_", env_nested_delimiter="__", extra="forbid"
    )

    timezone: Timezone = "UTC"
    targets: TargetsSetting = Field(default_factory=lambda: Targets.flat(DEFAULT_TARGETS))
    threshold: Decimal = Field(DEFAULT_THRESHOLD, gt=0, le=100)
    relative_threshold: Decimal | None = Field(None, gt=0, le=1)
    # How threshold and relative_threshold combine: "either" breaches at whichever comes
    # first (the 5/25 rule); "hybrid" at max(relative_threshold x target, hybrid_floor).
    drift_rule: DriftRule = "either"
    hybrid_floor: Decimal = Field(DEFAULT_HYBRID_FLOOR, ge=0, le=100)  # pp
    database: DatabaseSettings = DatabaseSettings()
    api: ApiSettings = ApiSettings()
    notify: NotifySettings = NotifySettings()
    plan: PlanSettings = PlanSettings()
    history: HistorySettings = HistorySettings()
    # The currency every amount is in; holdings in others are converted at [fx] rates.
    # Unset: single-currency mode (holdings naming two currencies are refused).
    base_currency: CurrencyCode | None = None
    # The share each currency should hold, for every portfolio that sets none of its own.
    currency_targets: CurrencyTargetsSetting | None = None
    fx: FxSettings = FxSettings()
    classify: ClassifySettings = ClassifySettings()
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    portfolios: list[PortfolioSettings] = []
    _default_config: EntryConfig | None = PrivateAttr(None)
    _entry_configs: dict[str, EntryConfig] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def unique_portfolio_ids(self) -> Settings:
        seen: set[str] = set()
        for portfolio in self.portfolios:
            if portfolio.id in seen:
                raise ValueError(f"portfolio id {portfolio.id!r} is used twice")
            seen.add(portfolio.id)
        return self

    @model_validator(mode="after")
    def resolve_entries(self) -> Settings:
        """Each entry's settings worked out once (refused if they cannot work); relative
        paths in a config file are relative to its folder."""
        folder = None if (file := config_file.get()) is None else file.folder
        if folder is not None:
            for portfolio in self.portfolios:
                portfolio.source = portfolio.source.resolve_paths(folder)
            if self.fx.source is not None:
                self.fx.source = self.fx.source.resolve_paths(folder)
        self._default_config = resolve_entry(self, None, folder)
        self._entry_configs = {p.id: resolve_entry(self, p, folder) for p in self.portfolios}
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            MonitorEnvSource(settings_cls),
            EnvFileSecretsSource(settings_cls),
            TomlDataSource(settings_cls),
        )

    def portfolio(self, portfolio_id: str) -> PortfolioSettings | None:
        return next((p for p in self.portfolios if p.id == portfolio_id), None)

    def require_portfolio(self, portfolio_id: str) -> PortfolioSettings:
        """The entry ``portfolio_id``; ``UnknownPortfolioError`` naming the known ones."""
        entry = self.portfolio(portfolio_id)
        if entry is None:
            raise UnknownPortfolioError(portfolio_id, self.portfolio_ids)
        return entry

    @property
    def portfolio_ids(self) -> list[str]:
        """The configured entries' ids, in the config's order."""
        return [p.id for p in self.portfolios]

    @property
    def default_config(self) -> EntryConfig:
        """The top-level settings, as an entry that overrides none of them runs with them:
        ``check`` without ``--portfolio`` and the API start from these."""
        # Read once: pydantic answers each read of a private attribute through __getattr__
        # (1.4 µs, a hundredth of an API request that reads it).
        config = self._default_config
        assert config is not None  # set when the settings were validated
        return config

    def base_currency_of(self, portfolio_id: str) -> str | None:
        """The currency a stored portfolio's amounts are in when its snapshots do not say
        (written before currencies): its entry's (an account's is its entry's), else the
        top-level one."""
        config = self._entry_configs.get(portfolio_id.split("/", 1)[0])
        return self.base_currency if config is None else config.base_currency

    def entry_config(self, portfolio_id: str) -> EntryConfig:
        """The entry's settings, its own over the top-level ones; ``UnknownPortfolioError``
        naming the known entries."""
        config = self._entry_configs.get(portfolio_id)
        if config is None:
            raise UnknownPortfolioError(portfolio_id, self.portfolio_ids)
        return config
