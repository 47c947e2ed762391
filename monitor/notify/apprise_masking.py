"""Apprise URLs shown without their secrets: in results, in errors, and in Apprise's own logs.

A notification URL is a credential (``json://user:pw@host/hook?+Authorization=Bearer%20x``).
Apprise renders a loaded URL with its private tokens masked (``url(privacy=True)``), but it
leaves the headers (``+``), GET parameters (``-``) and payload fields (``:``) of its webhook
plugins in clear, and it logs request URLs and plugin complaints verbatim. So everything
here errs on the side of masking too much.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

import apprise

from monitor.masking import MASK, MIN_SECRET_LENGTH, is_secret_argument, mask_secrets

# Apprise's generic webhooks: their path is the user's to fill, tokens included.
WEBHOOK_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")
# Loggers that print Apprise URLs or request lines: Apprise's own, and the HTTP transport
# its plugins use (urllib3 logs ``"POST /api/webhooks/<id>/<token>"`` at DEBUG).
GUARDED_LOGGERS = ("apprise", "urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry")

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_TOKEN = re.compile(r"[^\s/?&=@:#,;'\"()\[\]{}<>]+")


class _Parts(NamedTuple):
    """A URL split the forgiving way: Apprise URLs break ``urllib``'s rules (a token where
    the port would be, several ``@``); ``None`` marks a part that is absent."""

    scheme: str
    userinfo: str | None
    host: str
    port: str | None
    path: list[str] | None
    query: list[tuple[str, str | None]]

    @property
    def host_is_name(self) -> bool:
        # A plugin may keep a token where a host would be (tgram://<bot token>/...).
        return "." in self.host or self.host in ("localhost", "") or self.host.startswith("[")


def _split(url: str) -> _Parts | None:
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return None
    rest, _, query = rest.partition("#")[0].partition("?")
    netloc, slash, path = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport.rpartition(":")
    if not colon or "]" in port:  # no port, or the colons of an IPv6 address
        host, port = hostport, ""
    arguments = [
        (name, value if eq else None)
        for name, eq, value in (a.partition("=") for a in query.split("&") if a)
    ]
    return _Parts(
        scheme,
        userinfo if at else None,
        host,
        port if colon and port else None,
        path.split("/") if slash else None,
        arguments,
    )


def _variants(*secrets: str | None) -> set[str]:
    """Secrets as written in a URL (percent-encoded) and as a plugin prints them (decoded)."""
    forms = set()
    for secret in secrets:
        if secret:
            forms |= {secret, unquote(secret), quote(unquote(secret), safe="")}
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def url_secrets(url: str) -> set[str]:
    """Secrets readable from a URL's shape alone: its password and secret query values."""
    parts = _split(url)
    if parts is None:
        return set()
    password = parts.userinfo.partition(":")[2] if parts.userinfo else None
    values = (value for name, value in parts.query if is_secret_argument(name))
    return _variants(password, *values)


def _suspects(url: str) -> set[str]:
    """Every part of a URL that might be secret, for when Apprise cannot say which is."""
    parts = _split(url)
    if parts is None:
        return _variants(url.strip())
    host = None if parts.host_is_name else parts.host
    port = None if (parts.port or "").isdigit() else parts.port
    userinfo = (parts.userinfo or "").split(":")
    return _variants(host, port, *userinfo, *(parts.path or ()), *(v for _, v in parts.query))


def _mask_structure(url: str) -> str:
    parts = _split(url)
    if parts is None:
        return MASK
    netloc = (f"{MASK}@" if parts.userinfo is not None else "") + (
        parts.host if parts.host_is_name else MASK
    )
    if parts.port is not None:
        netloc += f":{parts.port if parts.port.isdigit() else MASK}"
    path = "" if parts.path is None else "/" + "/".join(MASK if s else "" for s in parts.path)
    query = "&".join(name if value is None else f"{name}={MASK}" for name, value in parts.query)
    return f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _left_in_clear(service: Any) -> set[str]:
    """Secrets Apprise's privacy rendering shows: the webhook plugins' query arguments, and
    a generic webhook's path, which often is the token (``/hooks/<id>/<token>``)."""
    full = service.url(privacy=False)
    parts = _split(full)
    if parts is not None and parts.scheme.lower() in WEBHOOK_SCHEMES:
        return url_secrets(full) | _variants(*(parts.path or ()))
    return url_secrets(full)


def service_secrets(service: Any) -> set[str]:
    """What Apprise's privacy rendering of a loaded service hides, and what it leaves."""
    full = service.url(privacy=False)
    shown = set(_TOKEN.findall(service.url(privacy=True)))
    hidden = [token for token in _TOKEN.findall(full) if token not in shown]
    return _left_in_clear(service) | _variants(*hidden)


def redact_service(service: Any) -> str:
    """How a loaded Apprise service is named in results, errors and logs."""
    return mask_secrets(service.url(privacy=True), _left_in_clear(service))


def load_quietly(url: str) -> Any:
    """The Apprise service for ``url``, or ``None``; what Apprise logs meanwhile is masked."""
    with loading([url]):
        service = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if service is not None:
        remember(service_secrets(service))
    return service


def redact_notify_url(url: str) -> str:
    """An Apprise URL with its secrets masked: Apprise's privacy rendering when it can load
    the URL, else every part that might be secret (userinfo, path segments, query values)."""
    service = load_quietly(url)
    return redact_service(service) if service is not None else _mask_structure(url)


class _SecretFilter(logging.Filter):
    """Masks remembered secrets, URL passwords and secret query arguments in log records.

    While a URL or a config file is being loaded, Apprise may quote it verbatim ("invalid
    token (...)", a YAML error excerpt), so records from that context also have every part
    of it that might be secret masked (see ``loading``).
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()

    def remember(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._secrets = self._secrets | frozenset(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets | _LOADING.get()
        record.msg, record.args = mask_secrets(record.getMessage(), secrets), ()
        if record.exc_info:
            # Tracebacks quote URLs and arguments too: format once, masked.
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = mask_secrets(text, secrets), None
        return True


_LOADING: ContextVar[frozenset[str]] = ContextVar("apprise_loading", default=frozenset())
_FILTER = _SecretFilter()


def guard_logs() -> None:
    """Attach the secret filter to the guarded loggers (idempotent)."""
    for name in GUARDED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def remember(secrets: Iterable[str]) -> None:
    """Mask these secrets in every guarded log record from now on."""
    guard_logs()
    _FILTER.remember(secrets)


@contextmanager
def loading(urls: Iterable[str] = (), *, text: str = "") -> Iterator[None]:
    """While Apprise loads these URLs, or a config file's ``text`` (whose every word may be
    a secret: YAML entries can carry passwords as keys), mask in what it logs from this
    thread whatever might be secret; the certain secrets are remembered for good."""
    suspects = _variants(*_TOKEN.findall(_SCHEME.sub(" ", text)))
    for url in urls:
        suspects |= _suspects(url)
        remember(url_secrets(url))
    guard_logs()
    token = _LOADING.set(_LOADING.get() | suspects)
    try:
        yield
    finally:
        _LOADING.reset(token)


guard_logs()
