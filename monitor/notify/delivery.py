"""One message to every target of a route through Apprise, each target sent on its own.

Sending target by target tells the outbox which ones took the message, so a retry goes
only to the others (``skip_keys``). A target's key is a hash of its URL: stable across
restarts, safe to store, never the URL itself.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import apprise
from apprise.attachment.memory import AttachMemory

from monitor.errors import DeliveryError
from monitor.masking import mask_secrets
from monitor.notify.apprise_config import APPRISE_LOGGER, config_services
from monitor.notify.apprise_masking import (
    load_quietly,
    redact_notify_url,
    redact_service,
    remember,
    service_secrets,
)
from monitor.notify.reasons import LogEntry, failure_reason

if TYPE_CHECKING:
    from monitor.settings import NotifySettings

logger = logging.getLogger(__name__)

# Bounds each wait on a target (connecting, each answer): notify.timeout's default; the
# drain and `notify test` pass the setting.
DEFAULT_TIMEOUT = 15.0
# An attempt makes several waits (connect, greeting, each command): as a whole it is given
# up after this many timeouts. Longer than one, so that a target that does not answer fails
# on its own socket's timeout first, which names the cause.
ATTEMPT_TIMEOUTS = 2
MAX_PARALLEL_TARGETS = 8
UNUSABLE_URL = (
    "not a usable Apprise URL (an unknown service, a malformed or missing part, "
    "or a plugin that needs a package not installed)"
)

NotifyType = Literal["info", "success", "warning", "failure"]


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "text/csv"


@dataclass(frozen=True, slots=True)
class Message:
    """A rendered notification: Markdown for services that render it, text for the rest."""

    title: str
    body_text: str
    body_markdown: str
    attachment: Attachment | None = None
    notify_type: NotifyType = "info"


@dataclass(frozen=True, slots=True)
class Route:
    """Where a portfolio's notifications go: Apprise URLs, plus the entries of an Apprise
    config file chosen by tags (each tag entry is an alternative; ``"a, b"`` needs both;
    no tags choose the untagged entries, as the ``apprise`` command does)."""

    urls: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    apprise_config: Path | None = None

    @classmethod
    def from_settings(cls, notify: NotifySettings) -> Route:
        config = Path(notify.apprise_config) if notify.apprise_config else None
        return cls(urls=tuple(notify.urls), tags=tuple(notify.tags), apprise_config=config)

    def __repr__(self) -> str:
        # A route is a bag of credentials; it must be safe to log as it is.
        urls = ", ".join(redact_notify_url(url) for url in self.urls)
        return f"Route(urls=[{urls}], tags={list(self.tags)}, apprise_config={self.apprise_config})"


@dataclass(frozen=True, slots=True)
class TargetResult:
    """One target's outcome; ``name`` is its redacted URL, ``error`` is redacted too."""

    key: str
    name: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Target:
    key: str
    name: str
    service: Any
    secrets: frozenset[str]


def deliver(
    route: Route,
    message: Message,
    *,
    skip_keys: Iterable[str] = frozenset(),
    timeout: float = DEFAULT_TIMEOUT,
    sent: Callable[[str], None] = lambda key: None,
) -> list[TargetResult]:
    """Send ``message`` to each target of ``route`` not in ``skip_keys``, one result each.

    Targets in ``skip_keys`` (those that took an earlier attempt) are neither sent to nor
    reported, so an empty list means there was nothing left to do. A route that cannot be
    used at all (no targets, a URL Apprise cannot load, a missing config file) raises a
    permanent ``DeliveryError`` before anything is sent. ``sent`` is called with each
    target's key as soon as that target is done with, from the thread that sent to it.
    """
    loaded = _load(route)
    if loaded.problems:
        raise loaded.problems[0]
    skip = frozenset(skip_keys)
    pending = [target for target in loaded.targets if target.key not in skip]
    if not pending:
        return []
    # Apprise logs why a send failed (the server's reply, a timeout) at DEBUG only, and a
    # send captures only what its logger lets through; what reaches the log's handler is
    # still WARNING and up (monitor.runtime.logs.QuietenedFilter).
    logging.getLogger(APPRISE_LOGGER).setLevel(logging.DEBUG)
    send = partial(_send, message=message, timeout=timeout, sent=sent)
    workers = min(len(pending), MAX_PARALLEL_TARGETS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify") as pool:
        return list(pool.map(send, pending))


def target_keys(route: Route) -> frozenset[str]:
    """The keys of the targets ``deliver`` would send to (none for a route it refuses)."""
    return frozenset(target.key for target in _load(route).targets)


class RouteCheck(NamedTuple):
    problems: list[str]  # each stops ``deliver``: the route cannot be used
    skipped: list[str]  # entries of its Apprise config file Apprise skipped; the rest work


def check_route(route: Route) -> RouteCheck:
    """What is wrong with a route, for the checks made before anything runs."""
    loaded = _load(route)
    return RouteCheck([str(problem) for problem in loaded.problems], loaded.skipped)


def target_key(service: Any) -> str:
    # Apprise's full rendering of the URL, so the same target keeps its key however its
    # URL is spelled, inline or in a config file.
    return hashlib.sha256(service.url(privacy=False).encode()).hexdigest()


class _Loaded(NamedTuple):
    targets: list[_Target]
    problems: list[DeliveryError]
    skipped: list[str]


def _load(route: Route) -> _Loaded:
    services: list[Any] = []
    problems: list[DeliveryError] = []
    skipped: list[str] = []
    for url in route.urls:
        service = load_quietly(url)
        if service is None:
            problems.append(DeliveryError(redact_notify_url(url), UNUSABLE_URL, permanent=True))
        else:
            services.append(service)
    if route.apprise_config is not None:
        chosen, skipped = config_services(route.apprise_config, route.tags, problems)
        services += chosen
    elif route.tags:
        problem = (
            "they choose entries of an Apprise config file, but notify.apprise_config is unset"
        )
        problems.append(DeliveryError("notify.tags", problem, permanent=True))
    if not services and not problems:
        problems.append(DeliveryError("route", _nothing_chosen(route), permanent=True))
    targets: dict[str, _Target] = {}
    for service in services:
        secrets = frozenset(service_secrets(service))
        remember(secrets)
        key = target_key(service)
        # The same target inline and in the config file is sent to once.
        targets.setdefault(key, _Target(key, redact_service(service), service, secrets))
    return _Loaded(list(targets.values()), problems, skipped)


def _nothing_chosen(route: Route) -> str:
    config = route.apprise_config
    if config is None:
        return "no notification targets (set notify.urls or notify.apprise_config)"
    if route.tags:
        return f"no notification targets: no entry of {config} has tags {list(route.tags)}"
    return f"no notification targets: {config} has no untagged entry (set notify.tags)"


def _send(
    target: _Target, message: Message, timeout: float, sent: Callable[[str], None]
) -> TargetResult:
    try:
        return _send_to(target, message, timeout)
    finally:
        sent(target.key)


def _send_to(target: _Target, message: Message, timeout: float) -> TargetResult:
    service = target.service
    # SMS and other plain-text services get the text written for them, not Markdown
    # stripped by a converter; HTML services (email) get the Markdown converted by Apprise.
    if service.resolve_format(apprise.NotifyFormat.MARKDOWN) is apprise.NotifyFormat.TEXT:
        body, body_format = message.body_text, apprise.NotifyFormat.TEXT
    else:
        body, body_format = message.body_markdown, apprise.NotifyFormat.MARKDOWN
    attachment = message.attachment if service.attachment_support else None
    _bound(service, timeout)
    deadline = ATTEMPT_TIMEOUTS * timeout
    sender = apprise.Apprise()
    sender.add(service)
    try:
        result = sender.notify(
            body=body,
            title=message.title,
            notify_type=apprise.NotifyType(message.notify_type),
            body_format=body_format,
            # A fresh attachment per target: targets are sent from parallel threads.
            attach=_attach(attachment) if attachment else None,
            timeout=deadline,
            # The cause of a failure (the server's reply, a timeout) is logged at DEBUG only.
            log_level=logging.DEBUG,
        )
    except Exception as error:
        # One target's surprise must not lose the others' results (the outbox would resend
        # to targets that did take the message); the masked traceback goes to the log.
        logger.error(
            "Unexpected error sending to %s:\n%s",
            target.name,
            mask_secrets(traceback.format_exc(), target.secrets),
        )
        reason = f"unexpected {type(error).__name__}: {mask_secrets(str(error), target.secrets)}"
        return TargetResult(target.key, target.name, ok=False, error=reason)
    if result:
        return TargetResult(target.key, target.name, ok=True)
    reason = _failure(result, target, deadline)
    return TargetResult(target.key, target.name, ok=False, error=reason)


def _bound(service: Any, timeout: float) -> None:
    """The service's own socket timeouts (Apprise's ``cto`` and ``rto`` URL arguments; an
    SMTP server's, 15 s by default) no longer than ``timeout``: past the attempt's
    deadline Apprise stops waiting, but the socket would hold its thread until it timed
    out."""
    for name in ("socket_connect_timeout", "socket_read_timeout"):
        if getattr(service, name, 0) > timeout:
            setattr(service, name, timeout)


def _attach(attachment: Attachment) -> apprise.AppriseAttachment:
    memory = AttachMemory(  # type: ignore[no-untyped-call]  # apprise leaves it unannotated
        content=attachment.content, name=attachment.filename, mimetype=attachment.mimetype
    )
    return apprise.AppriseAttachment(memory)


def _failure(result: Any, target: _Target, deadline: float) -> str:
    """Why a target failed, from what Apprise logged while sending to it."""
    if result.status == apprise.AppriseResultStatus.TIMEOUT:
        return f"no answer within {deadline:g}s"  # the attempt's deadline: all there is to say
    entries = [LogEntry(entry.level, entry.message) for entry in result.logs()]
    timeout = getattr(target.service, "socket_connect_timeout", None)
    text = failure_reason(entries, timeout) or "the service refused it"
    return mask_secrets(text, target.secrets)
