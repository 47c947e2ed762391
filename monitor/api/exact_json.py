"""JSON with exact numbers: a ``Decimal`` is written as its own digits, never via a float.

JSON numbers have any number of digits, but a float keeps about 16: 123456789012345.67 read
into one comes back as 123456789012345.69. Python's ``json`` refuses a ``Decimal`` and
pydantic writes it as a string, so the API and the CLI's ``--format json`` write their
answers with ``exact_json``: money and percents (two places, ``fields.Rounded``) and
quantities and prices (``fields.Number``) as numbers with the digits the engine computed.
Text is ASCII with ``\\u`` escapes; times are as pydantic writes them (ISO 8601, ``Z``).
Exact numbers cost time: a big page of snapshots is slower to write than with pydantic's
own JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_json
from starlette.responses import JSONResponse

LITERALS = {None: "null", True: "true", False: "false"}


def exact_json(value: object, *, indent: int | None = None) -> str:
    """``value`` (a model, or data such as ``model_dump()`` gives) as JSON text; ``indent``
    spaces a level, or compact without it."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if indent is None:
        return compact(value)
    parts: list[str] = []
    write(parts, value, indent, "\n")
    return "".join(parts)


def write(parts: list[str], value: object, indent: int | None, newline: str) -> None:
    """Append ``value``'s JSON to ``parts``; ``newline`` starts a line at its depth."""
    if isinstance(value, str):
        # ASCII with escapes: any text can be written, a lone surrogate from a client too.
        parts.append(encode_basestring_ascii(value))
    elif isinstance(value, Decimal):
        parts.append(f"{value:f}")
    elif value is None or isinstance(value, bool):
        parts.append(LITERALS[value])
    elif isinstance(value, Mapping):
        items: list[tuple[str | None, Any]] = [
            (encode_basestring_ascii(str(key)), item) for key, item in value.items()
        ]
        write_items(parts, "{}", items, indent, newline)
    elif isinstance(value, list | tuple):
        write_items(parts, "[]", [(None, item) for item in value], indent, newline)
    else:  # numbers and times, as pydantic writes them
        parts.append(to_json(value).decode())


def compact(value: object) -> str:
    """``value``'s JSON without spaces, as ``write`` makes it: the API's every answer. By
    exact type first, the shapes a ``model_dump`` gives (a tenth of a seed /calculate's
    time went to the general walk)."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)  # type: ignore[arg-type]
    if kind is Decimal:
        return f"{value:f}"
    if kind is dict:
        items = value.items()  # type: ignore[attr-defined]
        return (
            "{"
            + ",".join([f"{encode_basestring_ascii(str(k))}:{compact(v)}" for k, v in items])
            + "}"
        )
    if kind is list:
        return "[" + ",".join([compact(item) for item in value]) + "]"  # type: ignore[attr-defined]
    parts: list[str] = []
    write(parts, value, None, "")
    return "".join(parts)


def write_items(
    parts: list[str],
    brackets: str,
    items: list[tuple[str | None, Any]],
    indent: int | None,
    newline: str,
) -> None:
    inner = "" if indent is None else newline + " " * indent
    parts.append(brackets[0])
    for index, (key, item) in enumerate(items):
        parts.append(("," if index else "") + inner)
        if key is not None:
            parts.append(key + (":" if indent is None else ": "))
        write(parts, item, indent, inner)
    parts.append(("" if indent is None or not items else newline) + brackets[1])


class ExactJSONResponse(JSONResponse):
    """A JSON answer written by ``exact_json``."""

    def render(self, content: Any) -> bytes:
        return exact_json(content).encode()
