"""Holdings from a JSON file, re-read every tick (the seed's ``holdings`` shape or rows)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal

from monitor.domain.allocation import Holding
from monitor.errors import SourceError
from monitor.sources.base import holdings_from_document
from monitor.sources.files import FileSourceOptions, read_text


def reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would silently keep the last of two equal keys: a holding lost unseen.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} is given twice")
        result[key] = value
    return result


def reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str, source: str) -> Any:
    """The document in ``text``, its numbers as ``Decimal`` (a float keeps ~16 digits)."""
    try:
        return json.loads(
            text,
            object_pairs_hook=reject_duplicate_keys,
            parse_constant=reject_constant,
            parse_float=Decimal,
        )
    except json.JSONDecodeError as error:
        raise SourceError(
            source, f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:
        raise SourceError(source, f"invalid JSON: {error}") from None
    except RecursionError:
        raise SourceError(source, "invalid JSON: nested too deeply") from None


def parse_json_holdings(text: str, source: str) -> list[Holding]:
    return holdings_from_document(parse_json(text, source), source)


class JsonSource(FileSourceOptions):
    kind: Literal["json"] = "json"

    def fetch(self) -> list[Holding]:
        return parse_json_holdings(read_text(self.path, self.describe()), self.describe())
