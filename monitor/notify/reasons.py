"""Why a target did not take a message, in a few words a person can act on.

Apprise says *that* a send failed in a WARNING (``Sending email to "x" failed.``, the same
for an SMTP 451 and a timeout; ``A Connection error occurred sending JSON notification``,
the same for a refused connection and a read timeout) and *why* only at DEBUG, as the
exception's text (``Socket Exception: (451, b'4.3.0 Try later')``). A failure here is the
first said with the second read: ``...failed: the server answered 451 4.3.0 Try later``,
``...: no answer within 4s``, ``...: connection refused``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

# How Apprise's plugins log the exception behind a failure: "Socket Exception: ...".
EXCEPTION_LINE = re.compile(r"^[A-Za-z][\w ]* Exception: (?P<detail>.+)$", re.DOTALL)
# A server's reply in an exception's text: smtplib's (451, b'4.3.0 Try later').
REPLY = re.compile(r"\((?P<code>[2-5]\d\d), b?(?P<quote>['\"])(?P<text>.*?)(?P=quote)\)")
READ_TIMEOUT = re.compile(r"(?:read|connect) timeout=(?P<seconds>\d+(?:\.\d+)?)")
# Exception texts, lower-cased, and what they mean; the first that matches says it.
CAUSES = (
    ("timed out", "no answer in time"),
    ("connection refused", "connection refused"),
    ("errno 111", "connection refused"),
    ("name or service not known", "host name not found"),
    ("temporary failure in name resolution", "host name not found"),
    ("nodename nor servname", "host name not found"),
    ("certificate verify failed", "its TLS certificate is not trusted"),
    ("connection reset", "connection reset by the server"),
    ("unexpectedly closed", "connection closed by the server"),
    ("network is unreachable", "network unreachable"),
    ("no route to host", "no route to host"),
)
LONGEST_DETAIL = 200


class LogEntry(NamedTuple):
    level: str  # "DEBUG", "WARNING", ...
    message: str


def cause_of(detail: str, timeout: float | None = None) -> str:
    """An exception's text as a few words: a reply code, a timeout, a refused connection.
    ``timeout`` is the target's socket timeout, for a timeout whose text does not say it."""
    reply = REPLY.search(detail)
    if reply is not None:
        return f"the server answered {reply['code']} {reply['text']}".strip()
    lowered = detail.lower()
    if "timed out" in lowered:
        found = READ_TIMEOUT.search(detail)
        seconds = float(found["seconds"]) if found is not None else timeout
        if seconds is not None:
            return f"no answer within {seconds:g}s"
    for words, cause in CAUSES:
        if words in lowered:
            return cause
    line = detail.strip().splitlines()[0] if detail.strip() else ""
    return line[:LONGEST_DETAIL]


def failure_reason(entries: Iterable[LogEntry], timeout: float | None = None) -> str:
    """What Apprise logged while one target failed, as one line: each thing it said went
    wrong (its WARNINGs and ERRORs), with the cause its DEBUG lines give; "" if none."""
    said: list[str] = []
    causes: list[str] = []
    for level, message in entries:
        text = message.strip()
        if level in ("WARNING", "ERROR", "CRITICAL") and text:
            said.append(text.rstrip("."))
        elif (found := EXCEPTION_LINE.match(text)) is not None:
            causes.append(cause_of(found["detail"], timeout))
    causes = [cause for cause in dict.fromkeys(causes) if cause]
    what = "; ".join(dict.fromkeys(said))
    if not causes:
        return what
    return f"{what}: {'; '.join(causes)}" if what else "; ".join(causes)
