"""Each class's drift kept compact with its snapshot (``snapshots.class_drifts``), so that
a drift history reads one row per snapshot rather than joining its class rows.

A JSON object of class name to drift, in the classes' order; each drift a JSON number
written as its class row holds it (at most 10 places, rounded half-up as ``ExactDecimal``
rounds), read back as an exact ``Decimal``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

from monitor.store.types import PRECISION, QUANTUM, SCALE

ROUNDING = Context(prec=PRECISION + 1)


def drift_text(drift: Decimal) -> str:
    exponent = drift.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -SCALE:
        drift = drift.quantize(QUANTUM, rounding=ROUND_HALF_UP, context=ROUNDING)
    return format(drift, "f")


@lru_cache(maxsize=1024)
def name_json(asset_class: str) -> str:
    """A class name as a JSON string: a tick's snapshots name the same few classes."""
    return json.dumps(asset_class)


def class_drifts_text(names: Sequence[str], drifts: Sequence[str]) -> str:
    """One snapshot's drifts, given each class's name and its drift as ``drift_text`` writes
    it (as SQLite's class row holds it)."""
    return "{" + ",".join(map("{}:{}".format, map(name_json, names), drifts)) + "}"


def read_class_drifts(
    texts: Sequence[str], asset_class: str | None = None
) -> list[dict[str, Decimal]]:
    """Each snapshot's drifts: every class's, or only ``asset_class``'s (none if the
    snapshot lacks it). Read at once, as one JSON document: a history has thousands."""
    every: list[dict[str, Decimal]] = json.loads(
        f"[{','.join(texts)}]", parse_float=Decimal, parse_int=Decimal
    )
    if asset_class is None:
        return every
    return [{asset_class: d[asset_class]} if asset_class in d else {} for d in every]
