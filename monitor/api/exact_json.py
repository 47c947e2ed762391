"""JSON with exact numbers: a ``Decimal`` is written as its own digits, never via a float.

JSON numbers have any number of digits, but a float keeps about 16: 123456789012345.67 read
into one comes back as 123456789012345.69. Python's ``json`` refuses a ``Decimal`` and
pydantic writes it as a string, so the API and the CLI's ``--format json`` write their
answers with ``exact_json``: money and percents (two places, ``fields.Rounded``) and
quantities and prices (``fields.Number``) as numbers with the digits the engine computed,
without an exponent (``100``, not ``1E+2``). ``orjson`` writes everything (its C writer is
what makes a big answer cheap); a ``Decimal`` reaches it as a fragment of JSON text. Text
is UTF-8 over HTTP, ASCII with escapes for the CLI; times are as pydantic writes them
(ISO 8601, ``Z``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from json.encoder import encode_basestring_ascii

import orjson
from pydantic import BaseModel
from pydantic_core import to_json

# UTF-8 cannot carry a lone surrogate (a "\ud800" escape a client sent in its JSON);
# orjson refuses one, so it is written as the replacement character.
SURROGATE = re.compile("[\ud800-\udfff]")


# Outside ASCII: only ever inside a string, where json's own escapes stand for it.
NON_ASCII = re.compile("[^\x00-\x7f]+")


def exact_json(value: object, *, indented: bool = False) -> str:
    """``value`` (a model, or data such as ``model_dump()`` gives) as JSON text: compact, or
    ``indented`` two spaces a level. The text the CLI prints: ASCII, with ``\\u`` escapes,
    so that a terminal in any encoding can take it (an answer over HTTP is UTF-8)."""
    text = exact_bytes(value, indented=indented).decode()
    return text if text.isascii() else NON_ASCII.sub(escaped, text)


def escaped(found: re.Match[str]) -> str:
    """Characters outside ASCII as ``json.dumps`` escapes them (a pair beyond the first plane)."""
    return encode_basestring_ascii(found.group())[1:-1]  # without its quotes


def exact_bytes(value: object, *, indented: bool = False) -> bytes:
    """``exact_json`` as the UTF-8 an HTTP answer sends."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    option = orjson.OPT_PASSTHROUGH_DATETIME | (orjson.OPT_INDENT_2 if indented else 0)
    try:
        return orjson.dumps(value, default=exact_fragment, option=option)
    except orjson.JSONEncodeError:
        # Rare: a lone surrogate; anything else orjson refuses is refused again.
        return orjson.dumps(without_surrogates(value), default=exact_fragment, option=option)


def exact_fragment(value: object) -> orjson.Fragment:
    """What orjson does not write itself: a ``Decimal`` as its digits, anything else
    (times, dates) as pydantic writes it."""
    if isinstance(value, Decimal):
        text = str(value)  # a third of format()'s time; plain unless it has an exponent
        return orjson.Fragment(f"{value:f}" if "E" in text else text)
    return orjson.Fragment(to_json(value))


def without_surrogates(value: object) -> object:
    """``value`` with every lone surrogate in its text, keys too, replaced by U+FFFD."""
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_surrogates(item) for item in value]
    return value
