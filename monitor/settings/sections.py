"""The tables of the config file: ``[plan]``, ``[notify]``, each ``[[portfolios]]`` entry
(with the ``notify`` and ``plan`` tables that override the top-level ones), ``[database]``,
``[api]``, ``[history]`` and ``[fx]``. Unknown keys are refused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
)

from monitor.domain.bands import DEFAULT_TOLERANCE, DriftRule, RebalanceTo
from monitor.domain.plans import PlanMode, PlanRequest, PlanTrade
from monitor.settings.types import (
    CurrencyCode,
    CurrencyTargetsSetting,
    Duration,
    Schedule,
    TargetsSetting,
    check_retention,
)
from monitor.sources import SourceOptions, source_kinds
from monitor.sources.fx import RatesFormat


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanSettings(Section):
    """How rebalancing plans are made and when a trade is worth an alert.

    At the top level, the defaults of the API and ``check``; a portfolio's ``plan`` table
    overrides the keys it sets.
    """

    mode: PlanMode = "buy_and_sell"
    # Which classes a plan trades: "all" (what a breaching class frees or needs is levelled
    # over the others, so no cash is left idle), or only the "breaching" ones (the 5/25
    # rule's and Portfolio Performance's way: a class inside its band is never traded).
    trade: PlanTrade = "all"
    min_trade: Decimal = Field(Decimal(0), ge=0)  # smaller trades are left out, and not alerted
    # A breaching class goes back to its target, or only to the edge of its tolerance band:
    # ``tolerance`` x the way from target to the band's edge (0.5: half way; trades less).
    rebalance_to: RebalanceTo = "target"
    tolerance: Decimal = Field(DEFAULT_TOLERANCE, ge=0, le=1)
    # The money each of the daemon's plans (and ``check``'s) works with: new cash to invest
    # (buy_and_sell, buy_only), or cash to take out (sell_only). The API takes them per request.
    cash: Decimal = Field(Decimal(0), ge=0)
    raise_cash: Decimal = Field(Decimal(0), ge=0)

    def request(self) -> PlanRequest:
        return PlanRequest(
            mode=self.mode, cash=self.cash, raise_cash=self.raise_cash, trade=self.trade
        )

    def overridden(self, overrides: PlanSettings | None) -> PlanSettings:
        if overrides is None:
            return self
        return self.model_copy(
            update={key: getattr(overrides, key) for key in overrides.model_fields_set}
        )


class NotifyOverrides(Section):
    """Per-portfolio notification settings; whatever is unset comes from ``[notify]``."""

    urls: list[str] | None = None
    tags: list[str] | None = None
    apprise_config: str | None = None
    cooldown: Duration | None = None
    send_resolved: bool | None = None
    stale_after: int | None = Field(None, ge=1)
    stale_cooldown: Duration | None = None
    escalation_step: Decimal | None = Field(None, ge=0)
    group: Literal["entry", "account"] | None = None
    digest_limit: int | None = Field(None, ge=1)
    templates_dir: str | None = None


class NotifySettings(Section):
    urls: list[str] = []
    tags: list[str] = []
    apprise_config: str = ""
    cooldown: Duration = timedelta(hours=24)
    send_resolved: bool = True
    stale_after: int = Field(3, ge=1)
    stale_cooldown: Duration = timedelta(hours=24)
    escalation_step: Decimal = Field(Decimal(5), ge=0)
    max_attempts: int = Field(8, ge=1)
    retry_backoff: Duration = timedelta(seconds=30)
    retry_max_backoff: Duration = timedelta(hours=1)
    drain_every: Duration = timedelta(seconds=5)
    # Rows a drain sends at once; a target takes one message at a time whatever this says.
    drain_concurrency: int = Field(4, ge=1, le=64)
    # The longest wait on a target (connecting, each answer): Apprise's cto/rto and an SMTP
    # server's timeout (15 s) are at most this; an attempt is given up after twice that. At
    # most 2m: an attempt must end well within the drain's 5-minute lease on its row.
    timeout: Duration = Field(
        timedelta(seconds=15), ge=timedelta(seconds=1), le=timedelta(minutes=2)
    )
    # How a multi-account entry's alerts are delivered: one digest per tick ("entry", the
    # default for them) or one message per account ("account").
    group: Literal["entry", "account"] | None = None
    digest_limit: int = Field(50, ge=1)  # accounts a digest lists before "and N more"
    templates_dir: str = ""  # a folder whose templates override the shipped ones

    def overridden(self, overrides: NotifyOverrides) -> NotifySettings:
        return self.model_copy(update=overrides.model_dump(exclude_none=True))

    def resolve_paths(self, base: Path) -> NotifySettings:
        def resolved(raw: str) -> str:
            return str(base / raw) if raw and not Path(raw).is_absolute() else raw

        return self.model_copy(
            update={
                "apprise_config": resolved(self.apprise_config),
                "templates_dir": resolved(self.templates_dir),
            }
        )


def source_options(raw: object, kinds: Mapping[str, type[SourceOptions]]) -> SourceOptions:
    """A source table as the options of its kind, one of ``kinds``."""
    if isinstance(raw, SourceOptions):
        return raw
    if not isinstance(raw, dict) or "kind" not in raw:
        raise ValueError('a source needs a kind, e.g. { kind = "csv", path = "..." }')
    model = kinds.get(raw["kind"])
    if model is None:
        raise ValueError(
            f"unknown source kind {raw['kind']!r}; known kinds: {', '.join(sorted(kinds))}"
        )
    return model.model_validate(raw)


# The kinds that read a text, which exchange rates are read from.
FX_KINDS = ("csv", "json", "http", "command")


class FxSettings(Section):
    """Where exchange rates come from, when a portfolio has a base currency."""

    # { kind = "csv" | "json" | "http" | "command", ... }, fetched when a tick needs a rate.
    source: SourceOptions | None = None
    # "pairs" (EURUSD,1.0842 lines, or a JSON object of them) or "ecb" (the ECB's
    # eurofxref-daily.xml, or its CSV).
    format: RatesFormat = "pairs"
    # Rates older than this fail the tick, as a failing source does (then the stale alert).
    max_age: Duration | None = None

    @field_validator("source", mode="before")
    @classmethod
    def source_of_its_kind(cls, raw: object) -> SourceOptions | None:
        if raw is None:
            return None
        kinds = source_kinds()
        return source_options(raw, {kind: kinds[kind] for kind in FX_KINDS})


class ClassifyRule(Section):
    """Holdings whose broker column ``field`` matches ``match`` (a regular expression,
    case-insensitive) are of class ``asset_class``."""

    field: Literal["type", "description"]
    match: str
    asset_class: str


class ClassifySettings(Section):
    """How holdings read without an asset class (a broker's export) get one. At the top
    level, every entry's; a portfolio's ``classify`` table adds to it (its symbols and rules
    first) and its ``fallback`` replaces it."""

    # Symbol -> class, a sub-class (stocks/us) or a split (stocks:60;bonds:40).
    symbols: dict[str, str] = {}
    # A CSV file of symbol,asset_class lines (relative: to the config file's folder); the
    # symbols table wins over it.
    file: str = ""
    rules: list[ClassifyRule] = []
    # The class of what nothing else classifies; unset, such a holding fails its account.
    fallback: Literal["other"] | None = None

    def resolve_paths(self, base: Path) -> ClassifySettings:
        if not self.file or Path(self.file).is_absolute():
            return self
        return self.model_copy(update={"file": str(base / self.file)})


class PortfolioSettings(Section):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    name: str = ""
    targets: TargetsSetting | None = None  # defaults to the top-level targets
    threshold: Decimal | None = Field(None, gt=0, le=100)
    relative_threshold: Decimal | None = Field(None, gt=0, le=1)
    drift_rule: DriftRule | None = None
    hybrid_floor: Decimal | None = Field(None, ge=0, le=100)
    schedule: Schedule = Schedule(every=timedelta(hours=1))
    notify: NotifyOverrides = NotifyOverrides()
    plan: PlanSettings | None = None  # overrides the keys it sets of the top-level [plan]
    classify: ClassifySettings | None = None  # adds to the top-level [classify]
    source: SourceOptions
    store_holdings: bool = True
    base_currency: CurrencyCode | None = None  # defaults to the top-level base_currency
    currency_targets: CurrencyTargetsSetting | None = None  # {USD = 60, EUR = 40}

    @field_validator("source", mode="before")
    @classmethod
    def source_of_its_kind(cls, raw: object) -> SourceOptions:
        return source_options(raw, source_kinds())

    @property
    def title(self) -> str:
        return self.name or self.id


class DatabaseSettings(Section):
    url: str = "sqlite:///var/allocation-monitor.db"

    @field_validator("url")
    @classmethod
    def psycopg_driver(cls, url: str) -> str:
        # postgres:// (Heroku, compose) and plain postgresql:// both mean psycopg 3 here.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url


class ApiSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8012, ge=0, le=65535)
    # A bearer token every route but /healthz requires; unset: no authentication.
    token: SecretStr | None = None
    # Who the silences and acknowledgements made through the API are recorded as.
    token_label: str = Field("api", min_length=1, max_length=200)
    max_body_bytes: int = Field(1_048_576, ge=1)  # larger request bodies get a 413
    max_query_bytes: int = Field(8192, ge=1)  # longer query strings get a 414
    cors_origins: list[str] = []  # browser origins allowed to call the API; none: CORS off
    # Where people reach the dashboard (https://monitor.example.com); set, alert messages
    # link to the portfolio's page (a digest to its list of accounts).
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def public_url_is_http(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if not url.startswith(("http://", "https://")) or len(url.split("//", 1)[1]) == 0:
            raise ValueError(f"expected an http:// or https:// address, got {url!r}")
        return url.rstrip("/")

    @field_validator("token")
    @classmethod
    def token_not_blank(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and not token.get_secret_value().strip():
            raise ValueError("the token is empty; remove it to turn authentication off")
        return token


class HistorySettings(Section):
    # Snapshots, settled notifications and alert-tool records older than this are pruned daily.
    retention: Annotated[Duration, AfterValidator(check_retention)] | None = None
