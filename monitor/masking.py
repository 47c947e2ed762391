"""Keeping credentials out of what the monitor shows: descriptions, errors, logs, config.

One mask for every secret. A URL keeps its scheme, host and path (what a reader needs to
find it) and loses its password, its query values and its fragment, any of which may carry
a token. Free text (a driver's error, a program's stderr, a log line) has the secrets it is
given masked, and every URL password and secret query argument in it.

Apprise's URLs keep tokens where other URLs keep hosts and paths: ``monitor.notify.apprise_masking``
names those on top of this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote, urlsplit

MASK = "****"
# Shorter strings are not secrets worth masking in free text (they would mask ordinary
# words); a short password or secret argument is still masked where it sits in a URL.
MIN_SECRET_LENGTH = 3
# Below this length a secret is masked only as a whole word, not inside other words.
WORDLIKE_LENGTH = 8
# Query arguments whose values are secrets: Apprise's webhook plugins take HTTP headers (+),
# GET parameters (-) and payload fields (:) from the query; others are judged by name.
SECRET_PREFIXES = ("+", "-", ":")
SECRET_WORDS = ("token", "key", "secret", "pass", "auth", "sig", "credential", "cookie")

_USERINFO = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^\s/@:]*:)[^\s/@]+(?=@)", re.IGNORECASE)
_QUERY_ARG = re.compile(r"(?P<head>[?&](?P<name>[^=&\s#]+)=)(?P<value>[^&\s#'\"]*)")


def mask_parameter(parameter: str) -> str:
    name, equals, _ = parameter.partition("=")
    return f"{name}={MASK}" if equals else MASK


def redact_url(url: str) -> str:
    """``https://me:pw@host/p?token=abc`` -> ``https://me:****@host/p?token=****``."""
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
    """The secrets among what ``redact_url`` hides, raw and percent-decoded, for masking
    free text: the password, the fragment, and the query values that are secrets by their
    argument's name or long enough to be a token (``per_page=500`` or ``format=csv`` are
    not: masked, they would garble an error's "500 Internal Server Error")."""
    parts = urlsplit(url)
    raw = [parts.password or "", parts.fragment]
    for parameter in parts.query.split("&"):
        name, equals, value = parameter.partition("=")
        value = value if equals else name  # a bare ?<token>
        if is_secret_argument(name) or len(value) >= WORDLIKE_LENGTH:
            raw.append(value)
    return [*raw, *(unquote(value) for value in raw)]


def is_secret_argument(name: str) -> bool:
    """Whether a query argument's value is a secret, judged by the argument's name."""
    name = unquote(name)
    return name.startswith(SECRET_PREFIXES) or any(w in name.lower() for w in SECRET_WORDS)


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret masked, and every URL's password and secret arguments."""
    pattern = _secrets_pattern(frozenset(s for s in secrets if len(s) >= MIN_SECRET_LENGTH))
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _USERINFO.sub(rf"\g<head>{MASK}", text)
    return _QUERY_ARG.sub(_mask_argument, text)


@lru_cache(maxsize=64)
def _secrets_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    # Longest first, so that a secret containing another one is masked whole. A long
    # secret is masked even inside a word (Telegram's API path is "bot<token>").
    alternatives = [
        re.escape(s) if len(s) >= WORDLIKE_LENGTH else rf"(?<!\w){re.escape(s)}(?!\w)"
        for s in sorted(secrets, key=len, reverse=True)
    ]
    return re.compile("|".join(alternatives)) if alternatives else None


def _mask_argument(match: re.Match[str]) -> str:
    if match["value"] and is_secret_argument(match["name"]):
        return match["head"] + MASK
    return match[0]
