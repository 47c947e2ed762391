"""Keeping credentials out of what a source shows: its description, its errors, its logs.

A URL keeps its scheme, host and path (what a reader needs to find the source) and loses its
password, its query values and its fragment, any of which may carry a token.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"
# Scrubbing a shorter value from free text would garble the message (every "1" in it) and
# guard nothing: a credential is longer than this.
MIN_SCRUBBED_LENGTH = 4


def mask_parameter(parameter: str) -> str:
    name, equals, _ = parameter.partition("=")
    return f"{name}={MASK}" if equals else MASK


def redact_url(url: str) -> str:
    """``https://me:pw@host/p?token=abc`` -> ``https://me:***@host/p?token=***``."""
    parts = urlsplit(url)
    if parts.password:
        userinfo = parts.netloc.rpartition("@")[0]
        url = url.replace(f"{userinfo}@", f"{parts.username}:{MASK}@", 1)
    url, _, fragment = url.partition("#")
    url, _, query = url.partition("?")
    if query:
        url += "?" + "&".join(mask_parameter(p) for p in query.split("&"))
    if fragment:
        url += f"#{MASK}"
    return url


def url_secrets(url: str) -> list[str]:
    """The parts of ``url`` that ``redact_url`` hides, raw and percent-decoded."""
    parts = urlsplit(url)
    raw = [parts.password or "", parts.fragment]
    raw += [p.partition("=")[2] or p for p in parts.query.split("&")]
    return [*raw, *(unquote(value) for value in raw)]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` (a driver's error, a program's stderr) with every secret value masked."""
    # Longest first, so that a secret containing another is masked whole.
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= MIN_SCRUBBED_LENGTH:
            text = text.replace(secret, MASK)
    return text
