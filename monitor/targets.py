"""Targets: the share of the portfolio each asset class should hold, with its options.

A class's target is written plainly (``stocks = 50``) or as a table with options
(``stocks = { target = 50, min = 45, max = 57, buy = "VTI" }``). The same shapes come from
the TOML config, the API's ``target_allocations`` and the CLI's ``--targets`` JSON, and are
all read by ``parse_targets``. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from monitor.errors import InputError
from monitor.numbers import HUNDRED, normalise_class, to_decimal, total

# Targets are written by hand (33.33 + 33.33 + 33.33); within this of 100 they are accepted
# and scaled to exactly 100 so that money is conserved.
TARGET_SUM_TOLERANCE = Decimal("0.01")
OPTIONS = ("target", "min", "max", "buy", "fractional")


@dataclass(frozen=True, slots=True)
class ClassTarget:
    """One class's target and options; every percent is a share of the whole portfolio."""

    name: str
    percent: Decimal
    band_min: Decimal | None = None  # its own band: in band while min <= current <= max
    band_max: Decimal | None = None
    buy: str | None = None  # the symbol to buy for this class (else its largest holding)
    fractional: bool = False  # trade fractions of a share (crypto), not whole shares

    @property
    def options(self) -> dict[str, object]:
        """The options as written in a config table (only those set)."""
        found: dict[str, object] = {
            "min": self.band_min,
            "max": self.band_max,
            "buy": self.buy,
            "fractional": self.fractional or None,
        }
        return {key: value for key, value in found.items() if value is not None}


class Targets(Mapping[str, Decimal]):
    """Percent of the portfolio per class, in the order given; ``spec`` has the options.

    A mapping, so that code needing only the percents reads it as ``{class: percent}``.
    """

    __slots__ = ("_specs",)

    def __init__(self, specs: Iterable[ClassTarget]) -> None:
        self._specs = {spec.name: spec for spec in specs}

    @classmethod
    def flat(cls, percents: Mapping[str, Decimal]) -> Targets:
        """Plain ``{class: percent}`` targets (already validated) without options."""
        if isinstance(percents, Targets):
            return percents
        return cls(ClassTarget(name, percent) for name, percent in percents.items())

    def __getitem__(self, name: str) -> Decimal:
        return self._specs[name].percent

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Targets):
            return self._specs == other._specs  # options too, not only the percents
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Targets({self.raw()!r})"

    def spec(self, name: str) -> ClassTarget:
        """The class's target; a class held without one has target 0 and no options."""
        return self._specs.get(name) or ClassTarget(name, Decimal(0))

    def raw(self) -> dict[str, object]:
        """As a config file would write them: a number, or a table when options are set."""
        return {
            name: {"target": spec.percent, **spec.options} if spec.options else spec.percent
            for name, spec in self._specs.items()
        }


def parse_targets(raw: Mapping[str, object], field: str = "targets") -> Targets:
    """Targets from ``{class: percent | {target, min, max, buy, fractional}}``.

    Names are normalised; percents are 0..100 and sum to 100 (within 0.01, then scaled to
    exactly 100); a band satisfies ``min <= target <= max``.
    """
    if not raw:
        raise InputError(field, "at least one asset class target is needed")
    parsed: dict[str, tuple[Decimal, Mapping[str, object], str]] = {}
    for name, value in raw.items():
        where = f"{field}.{name}"
        klass = normalise_class(name, where)
        if klass in parsed:
            raise InputError(where, f"asset class {klass!r} is given twice")
        options = options_of(value, where)
        percent = to_decimal(
            options["target"], f"{where}.target" if isinstance(value, Mapping) else where
        )
        if percent > HUNDRED:
            raise InputError(where, f"a target cannot exceed 100%, got {options['target']}")
        parsed[klass] = (percent, options, where)
    percents = scaled_to_100({klass: percent for klass, (percent, _, _) in parsed.items()}, field)
    return Targets(
        class_target(klass, percents[klass], options, where)
        for klass, (_, options, where) in parsed.items()
    )


def options_of(value: object, where: str) -> Mapping[str, object]:
    """A class's table as given, or ``{"target": value}`` for a plain number."""
    if not isinstance(value, Mapping):
        return {"target": value}
    unknown = [key for key in value if key not in OPTIONS]
    if unknown:
        raise InputError(
            f"{where}.{unknown[0]}", f"unknown option; a class takes {', '.join(OPTIONS)}"
        )
    if "target" not in value:
        raise InputError(where, "a class given as a table needs a target")
    return value


def scaled_to_100(percents: dict[str, Decimal], field: str) -> dict[str, Decimal]:
    found = total(percents.values())
    if abs(found - HUNDRED) > TARGET_SUM_TOLERANCE:
        raise InputError(field, f"targets must sum to 100, they sum to {found.normalize():f}")
    if found == HUNDRED:
        return percents
    scaled = {klass: value * HUNDRED / found for klass, value in percents.items()}
    # The last class takes the division's residue, so the sum is exactly 100.
    last = next(reversed(scaled))
    scaled[last] = HUNDRED - total(v for k, v in scaled.items() if k != last)
    return scaled


def class_target(
    name: str, percent: Decimal, options: Mapping[str, object], where: str
) -> ClassTarget:
    band_min = bound(options, "min", where)
    band_max = bound(options, "max", where)
    if band_min is not None and band_min > percent:
        raise InputError(f"{where}.min", f"min {band_min} is above the target {percent:f}")
    if band_max is not None and band_max < percent:
        raise InputError(f"{where}.max", f"max {band_max} is below the target {percent:f}")
    buy = options.get("buy")
    if buy is not None and (not isinstance(buy, str) or not buy.strip()):
        raise InputError(f"{where}.buy", 'buy names a symbol, e.g. buy = "BND"')
    fractional = options.get("fractional", False)
    if not isinstance(fractional, bool):
        raise InputError(f"{where}.fractional", f"expected true or false, got {fractional!r}")
    return ClassTarget(
        name,
        percent,
        band_min=band_min,
        band_max=band_max,
        buy=buy.strip() if isinstance(buy, str) else None,
        fractional=fractional,
    )


def bound(options: Mapping[str, object], key: str, where: str) -> Decimal | None:
    if options.get(key) is None:
        return None
    value = to_decimal(options[key], f"{where}.{key}")
    if value > HUNDRED:
        raise InputError(f"{where}.{key}", f"a band edge cannot exceed 100%, got {options[key]}")
    return value
