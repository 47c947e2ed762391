"""A notification payload (the JSON stored in the outbox row) rendered into a ``Message``.

Jinja2 templates ship in ``monitor/notify/templates/``; a file of the same name in the
user's ``templates_dir`` wins. For each part the most specific name found is used:
``<kind>.title.j2`` then ``title.j2``; ``<kind>.txt.j2`` then ``body.txt.j2`` (plain text,
for SMS); ``<kind>.md.j2`` then ``body.md.j2`` (Markdown). Digests ship as ``digest.*.j2``.

Every template sees the payload's fields, those a kind lacks set to empty (so that
``StrictUndefined`` still catches a misspelt name), plus ``name`` (the portfolio's name, or
its id), ``local_time`` (``taken_at`` in the payload's timezone), ``portfolio_url`` and
``alert_url`` (the dashboard's pages, when ``api.public_url`` is set), ``listed`` (a digest's
accounts in the order a message lists them), ``status_label`` (how a digest names an
account's status), the filters ``money``, ``number``, ``pct``, ``shares`` (a share count:
``1,200`` or ``0.5``), ``price`` (two places, or every place a price has), ``md``
(Markdown-escaped) and ``code``, and ``plural(n, one, many)``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from jinja2 import meta

from monitor.domain.allocation import round2
from monitor.domain.numbers import money_text, price_text, shares_text
from monitor.errors import DeliveryError
from monitor.notify.delivery import Attachment, Message, NotifyType

KINDS = ("drifted", "escalated", "reminder", "resolved", "stale", "recovered", "test", "digest")
PARTS = ("title", "txt", "md")
NOTIFY_TYPES: dict[str, NotifyType] = {
    "drifted": "warning",
    "escalated": "warning",
    "reminder": "warning",
    "resolved": "success",
    "stale": "failure",
    "recovered": "success",
    "test": "info",
    "digest": "warning",
}
STATUS_LABELS = {
    "new": "out of band",
    "escalated": "drifted further",
    "reminder": "still out of band (reminder)",
    "still": "still out of band",
    "resolved": "back in band",
}
# What a payload may lack, depending on its kind (a stale notice has no report, ...).
OPTIONAL_FIELDS: dict[str, Any] = {
    "portfolio_name": "",
    "portfolio_value": None,
    "alerts": [],
    "actions": [],
    "breaching": [],
    "new_classes": [],
    "worst_drift": "0",
    "error": "",
    "failures": 0,
    "accounts": [],
    "plan": None,  # the rebalancing plan of a drift notice, when the portfolio has one
    "list_limit": 50,  # notify.digest_limit, set by monitor.notify.routing.render_for
    "alert_id": None,
    # With api.public_url: the portfolio's dashboard page, and the alert's (a digest's list).
    "portfolio_url": None,
    "alert_url": None,
}
DIGEST_COUNTS = ("total", "out_of_band", "new", "escalated", "reminder", "resolved")
# The counts a digest's title and headline name, when not zero: "(12 new, 3 resolved)".
CHANGES = ("new", "escalated", "resolved")
# The order a digest lists its accounts in (worst drift first within each): what changed
# comes before the capped tail, so "10 new" never hides the ten behind "and 290 more".
LISTING_ORDER = {"new": 0, "escalated": 0, "reminder": 1, "still": 1, "resolved": 2}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def render_message(payload: Mapping[str, Any], *, templates_dir: Path | None = None) -> Message:
    """The message for ``payload``; a payload or template that cannot be rendered raises a
    permanent ``DeliveryError`` (retrying would not help; fixing the template does)."""
    context = _context(payload)
    kind = context["kind"]
    try:
        attachment = _accounts_csv(context) if kind == "digest" else None
    except (KeyError, TypeError, ValueError) as error:
        raise DeliveryError("payload", f"malformed accounts: {error!r}", permanent=True) from None
    env = _environment(templates_dir)
    title, text, markdown = (_render(env, kind, part, context) for part in PARTS)
    return Message(
        title=_one_line(title),
        body_text=text,
        body_markdown=markdown,
        attachment=attachment,
        notify_type=_digest_type(context) if kind == "digest" else NOTIFY_TYPES[kind],
    )


def render_title(payload: Mapping[str, Any], *, templates_dir: Path | None = None) -> str:
    """The title ``render_message`` gives, rendered alone (a broken body template is the
    sender's problem, not the title's)."""
    context = _context(payload)
    return _one_line(_render(_environment(templates_dir), context["kind"], "title", context))


def _one_line(title: str) -> str:
    return " ".join(title.split())


KNOWN_TEMPLATES = {f"{part}.j2" for part in ("title", "body.txt", "body.md")} | {
    f"{kind}.{part}.j2" for kind in KINDS for part in PARTS
}


class TemplateCheck(NamedTuple):
    problems: list[str]  # what makes the folder unusable: missing, a template that won't compile
    unused: list[str]  # files no message uses nor any template includes (a misspelt name?)


def check_templates(templates_dir: Path) -> TemplateCheck:
    """A user's template folder, each file read and compiled once."""
    if not templates_dir.is_dir():
        return TemplateCheck([f"templates_dir {templates_dir} is not a folder"], [])
    env = _environment(templates_dir)
    paths = sorted(templates_dir.glob("*.j2"))
    problems: list[str] = []
    referenced: set[str] = set()
    # Every file, not only the known names: a macro file they import must compile too.
    for path in paths:
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), path.name, str(path))
            env.compile(tree, path.name, str(path))
        except jinja2.TemplateSyntaxError as error:
            problems.append(f"{path}: line {error.lineno}: {error.message}")
            continue
        referenced.update(name for name in meta.find_referenced_templates(tree) if name)
    unused = [
        f"{path}: not a template name this monitor uses, nor included by one"
        for path in paths
        if path.name not in KNOWN_TEMPLATES and path.name not in referenced
    ]
    return TemplateCheck(problems, unused)


@lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("monitor.notify", "templates")]
    if templates_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(templates_dir))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        # Text and Markdown, not HTML: escaping is the ``md`` filter's job, where needed.
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money,
        number=number,
        pct=pct,
        shares=shares,
        price=price,
        md=markdown_escape,
        code=code_span,
    )
    env.globals.update(plural=plural, status_label=STATUS_LABELS)
    return env


def _render(env: jinja2.Environment, kind: str, part: str, context: dict[str, Any]) -> str:
    fallback = {"title": "title.j2", "txt": "body.txt.j2", "md": "body.md.j2"}[part]
    try:
        template = env.select_template([f"{kind}.{part}.j2", fallback])
    except jinja2.TemplateSyntaxError as error:
        where = f"template {error.name} line {error.lineno}"
        raise DeliveryError(where, error.message or "syntax error", permanent=True) from None
    try:
        text = template.render(context)
    except (jinja2.TemplateError, ArithmeticError, ValueError, TypeError) as error:
        raise DeliveryError(f"template {template.name}", str(error), permanent=True) from None
    # Templates read better with blank lines around optional sections; collapse the runs.
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _context(payload: Mapping[str, Any]) -> dict[str, Any]:
    kind = payload.get("kind")
    if kind not in KINDS:
        raise DeliveryError("payload", f"unknown notification kind {kind!r}", permanent=True)
    missing = [key for key in ("portfolio_id", "taken_at", "timezone") if key not in payload]
    if missing:
        raise DeliveryError("payload", f"missing {', '.join(missing)}", permanent=True)
    context = OPTIONAL_FIELDS | dict(payload)
    context["name"] = context["portfolio_name"] or context["portfolio_id"]
    context["local_time"] = local_time(context["taken_at"], context["timezone"])
    try:
        counts = dict.fromkeys(DIGEST_COUNTS, 0) | dict(payload.get("counts", {}))
        context["changes"] = [f"{number(counts[s])} {s}" for s in CHANGES if counts[s]]
    except (TypeError, ValueError) as error:
        raise DeliveryError("payload", f"malformed counts: {error}", permanent=True) from None
    context["counts"] = counts
    try:
        # sorted() is stable: the payload's worst-drift order holds within each part.
        context["listed"] = sorted(
            context["accounts"], key=lambda account: LISTING_ORDER.get(account["status"], 1)
        )
    except (KeyError, TypeError) as error:
        raise DeliveryError("payload", f"malformed accounts: {error!r}", permanent=True) from None
    return context


def _digest_type(context: Mapping[str, Any]) -> NotifyType:
    return "warning" if context["counts"]["out_of_band"] else "success"


def _accounts_csv(context: Mapping[str, Any]) -> Attachment:
    """Every account of a digest, not just the listed ones, for services taking files."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["portfolio_id", "status", "worst_drift", "alerts"])
    for account in context["accounts"]:
        row = [account["portfolio_id"], account["status"], account["worst_drift"]]
        writer.writerow([_cell(str(value)) for value in row] + [" | ".join(account["alerts"])])
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", context["portfolio_id"])
    date = context["local_time"][:10]
    return Attachment(f"{stem}-accounts-{date}.csv", buffer.getvalue().encode())


def _cell(value: str) -> str:
    # Account ids come from outside; a leading = + - @ would run as a spreadsheet formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None


def money(value: object) -> str:
    """``"64827.8249"`` -> ``64,827.82``."""
    return money_text(_decimal(value))


def pct(value: object) -> str:
    return f"{round2(_decimal(value)):.2f}%"


def number(value: object) -> str:
    return f"{int(_decimal(value)):,}"


def shares(value: object) -> str:
    return shares_text(_decimal(value))


def price(value: object) -> str:
    return price_text(_decimal(value))


def plural(count: object, one: str, many: str) -> str:
    amount = int(_decimal(count))
    return f"{amount:,} {one if amount == 1 else many}"


def markdown_escape(value: object) -> str:
    """Text shown as itself in Markdown: ``US_LARGE_CAP`` must not turn italic."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


def code_span(value: object) -> str:
    """Untrusted text (an error message) as inline code: nothing in it is interpreted."""
    text = " ".join(str(value).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    # A space keeps a backtick at either end from joining the fence.
    pad = " " if text[:1] == "`" or text[-1:] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def local_time(taken_at: str, timezone: str) -> str:
    """``2026-11-24T18:00:00+00:00`` in America/New_York -> ``2026-11-24 13:00 EST``."""
    try:
        moment = datetime.fromisoformat(taken_at)
        zone = ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError) as error:
        problem = f"bad taken_at or timezone: {error}"
        raise DeliveryError("payload", problem, permanent=True) from None
    if moment.tzinfo is None:  # the pipeline writes aware times; a naive one means UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
