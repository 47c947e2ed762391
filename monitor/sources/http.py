"""Holdings from an HTTP endpoint that answers a GET with JSON (the seed's shape or rows).

A service restarting behind its proxy (connection refused, 502/503/504) is retried a few
times with short waits, so one blip does not fail a tick; anything else fails it at once.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field, SecretStr, field_validator
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from monitor.domain.allocation import Holding
from monitor.errors import SourceError
from monitor.masking import mask_secrets, redact_url, url_secrets
from monitor.sources.base import SourceOptions, holdings_from_document, resolve_path
from monitor.sources.json import parse_json

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

ATTEMPTS = 3
# 0.5 s then 1 s: long enough for a proxy to find the restarted service, short within a tick.
RETRY_WAIT = wait_exponential(multiplier=0.5, max=2)
TRANSIENT_STATUSES = frozenset({502, 503, 504})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML_STARTS = ("<!doctype html", "<html")  # an HTML page served as JSON or text


class TransientStatus(Exception):
    """A 502/503/504 answer, raised so that tenacity retries it like a connect error."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        super().__init__(status_line(response))


def status_line(response: httpx.Response) -> str:
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


class HttpSource(SourceOptions):
    kind: Literal["http"] = "http"
    # repr=False: the URL may carry a password or a token, and options get logged by repr.
    url: str = Field(repr=False)
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    timeout: float = Field(10.0, gt=0)  # seconds to connect, and to wait for each read
    verify: bool | Path = True  # check the server's certificate; a path names a CA bundle

    @field_validator("url")
    @classmethod
    def http_url(cls, url: str) -> str:
        # httpx (4 MB) is imported by a config naming an http source, not by every config.
        import httpx

        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            parsed = None
        # The message leaves the URL out: it may hold a secret.
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("must be an http:// or https:// URL with a host")
        return url

    def describe(self) -> str:
        return f"http {redact_url(self.url)}"

    def resolve_paths(self, base: Path) -> Self:
        if isinstance(self.verify, Path):
            return self.model_copy(update={"verify": resolve_path(self.verify, base)})
        return self

    def preflight(self) -> list[tuple[str, str]]:
        if isinstance(self.verify, Path) and not self.verify.is_file():
            return [("verify", f"CA bundle not found: {self.verify}")]
        return []

    def fetch(self) -> list[Holding]:
        return self._holdings_from(self._get())

    def fetch_text(self) -> str:
        text, _, _ = self._body(self._get())
        return text

    def _get(self) -> httpx.Response:
        import httpx

        source = self.describe()
        retrying = Retrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=RETRY_WAIT,
            retry=retry_if_exception_type((httpx.ConnectError, TransientStatus)),
            before_sleep=self._log_retry,
            reraise=True,
        )
        headers = {name: value.get_secret_value() for name, value in self.headers.items()}
        try:
            with httpx.Client(
                headers=headers,
                timeout=self.timeout,
                verify=self._ssl_verify(),
                follow_redirects=True,
            ) as client:
                response = retrying(self._get_once, client)
        except TransientStatus as error:
            raise SourceError(source, f"{error} after {ATTEMPTS} attempts") from None
        except httpx.ConnectTimeout:
            raise SourceError(source, f"timed out after {self.timeout:g}s connecting") from None
        except httpx.TimeoutException:
            raise SourceError(
                source, f"timed out after {self.timeout:g}s waiting for the response"
            ) from None
        except httpx.ConnectError as error:
            raise SourceError(
                source, f"cannot connect after {ATTEMPTS} attempts: {self._scrub(error)}"
            ) from None
        except httpx.HTTPError as error:
            raise SourceError(source, f"request failed: {self._scrub(error)}") from None
        if not response.is_success:
            raise SourceError(source, status_line(response))
        return response

    def _get_once(self, client: httpx.Client) -> httpx.Response:
        response = client.get(self.url)
        if response.status_code in TRANSIENT_STATUSES:
            raise TransientStatus(response)
        return response

    def _body(self, response: httpx.Response) -> tuple[str, str, str]:
        """The response's text, its media type, and its content type as a message shows
        it; ``SourceError`` for an HTML page or an empty body."""
        source = self.describe()
        content_type = response.headers.get("content-type", "")
        shown = f"content-type: {content_type or 'none given'}"
        media_type = content_type.partition(";")[0].strip().lower()
        text = response.text
        if media_type in HTML_TYPES or text.lstrip()[:20].lower().startswith(HTML_STARTS):
            # Typically a login page, a proxy's error page, or the URL of the web UI.
            raise SourceError(source, f"the response is HTML, not JSON ({shown})")
        if not text.strip():
            raise SourceError(source, f"the response is empty ({shown})")
        return text, media_type, shown

    def _holdings_from(self, response: httpx.Response) -> list[Holding]:
        source = self.describe()
        text, media_type, shown = self._body(response)
        try:
            document = parse_json(text, source)
        except SourceError as error:
            if media_type.endswith("json"):
                raise
            raise SourceError(
                source, f"the response is not JSON ({shown}): {error.problem}"
            ) from None
        return holdings_from_document(document, source)

    def _ssl_verify(self) -> ssl.SSLContext | bool:
        if not isinstance(self.verify, Path):
            return self.verify
        try:
            return ssl.create_default_context(cafile=self.verify)
        except OSError as error:  # ssl.SSLError is one too
            raise SourceError(
                self.describe(),
                f"cannot load the CA bundle {self.verify}: {error.strerror or error}",
            ) from None

    def _scrub(self, error: BaseException) -> str:
        """An httpx error's text, with no header value or URL secret in it."""
        secrets = [*url_secrets(self.url), *(v.get_secret_value() for v in self.headers.values())]
        return mask_secrets(str(error) or type(error).__name__, secrets)

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "%s: attempt %d of %d failed (%s); retrying in %.1fs",
            self.describe(),
            state.attempt_number,
            ATTEMPTS,
            self._scrub(error) if error else "no error given",
            state.next_action.sleep if state.next_action else 0.0,
        )
