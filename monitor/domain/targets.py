"""Targets: the share of the portfolio each asset class should hold, with its options.

A class's target is written plainly (``stocks = 50``) or as a table with options
(``stocks = { target = 50, min = 45, max = 57, buy = "VTI" }``), and may hold sub-classes
whose weights are shares of it (``stocks = { target = 60, children = { us = 70, intl = 30 } }``:
``stocks/us`` is 42% of the portfolio). The same shapes come from the TOML config, the API's
``target_allocations`` and the CLI's ``--targets`` JSON, all read by ``parse_targets``.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from monitor.domain.numbers import HUNDRED, ZERO, normalise_class, to_decimal, total
from monitor.errors import InputError

# Targets are written by hand (33.33 + 33.33 + 33.33); within this of 100 they are accepted
# and scaled to exactly 100 so that money is conserved.
TARGET_SUM_TOLERANCE = Decimal("0.01")
OPTIONS = ("target", "min", "max", "threshold", "buy", "fractional", "children")
SEPARATOR = "/"  # stocks/us: the class us under stocks


@dataclass(frozen=True, slots=True)
class ClassTarget:
    """One class's target and options, as written: ``weight``, ``min`` and ``max`` are
    percents of its parent (of the portfolio at the top); ``scale`` turns them into percents
    of the whole portfolio (its parent's share / 100; 1 at the top)."""

    name: str  # the full path: stocks/us
    weight: Decimal
    scale: Decimal = Decimal(1)
    min: Decimal | None = None  # its own band: in band while min <= current <= max
    max: Decimal | None = None
    threshold: Decimal | None = None  # its own absolute threshold (pp of the portfolio)
    buy: str | None = None  # the symbol to buy for this class (else its largest holding)
    fractional: bool = False  # trade fractions of a share (crypto), not whole shares
    parent: str | None = None
    children: tuple[str, ...] = ()

    @property
    def percent(self) -> Decimal:
        """Its target as a percent of the whole portfolio."""
        return self.weight * self.scale

    @property
    def band_min(self) -> Decimal | None:
        return None if self.min is None else self.min * self.scale

    @property
    def band_max(self) -> Decimal | None:
        return None if self.max is None else self.max * self.scale

    @property
    def short_name(self) -> str:
        return self.name.rsplit(SEPARATOR, 1)[-1]

    @property
    def options(self) -> dict[str, object]:
        """The options as written in a config table (only those set), children aside."""
        found: dict[str, object] = {
            "min": self.min,
            "max": self.max,
            "threshold": self.threshold,
            "buy": self.buy,
            "fractional": self.fractional or None,
        }
        return {key: value for key, value in found.items() if value is not None}


class Targets(Mapping[str, Decimal]):
    """Percent of the whole portfolio per class, at every level: each parent is followed by
    its children, in the order given. ``spec`` has a class's options and place in the tree.

    A mapping, so that code needing only the percents reads it as ``{class: percent}``; with
    sub-classes, the percents of the top level (or of the leaves) sum to 100.
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
        found = self._specs.get(name)
        if found is not None:
            return found
        parent = self.parent_of_untargeted(name)
        return ClassTarget(name, ZERO, parent=parent)

    @property
    def top_level(self) -> list[str]:
        return [name for name, spec in self._specs.items() if spec.parent is None]

    def resolve(self, name: str) -> str:
        """The class a holding labelled ``name`` counts in: itself when targeted; else, below
        a targeted class without sub-classes, that class (a finer label than the targets);
        else ``name`` itself, untargeted (target 0)."""
        if name in self._specs:
            return name
        ancestor = self.targeted_ancestor(name)
        if ancestor is not None and not self._specs[ancestor].children:
            return ancestor
        return name

    def targeted_ancestor(self, name: str) -> str | None:
        parts = name.split(SEPARATOR)
        for cut in range(len(parts) - 1, 0, -1):
            prefix = SEPARATOR.join(parts[:cut])
            if prefix in self._specs:
                return prefix
        return None

    def parent_of_untargeted(self, name: str) -> str | None:
        """An untargeted class under a targeted parent with sub-classes is its child."""
        ancestor = self.targeted_ancestor(name)
        return ancestor if ancestor is not None and self._specs[ancestor].children else None

    def raw(self) -> dict[str, object]:
        """As a config file would write them: a number, or a table when options are set."""
        return {name: self.raw_of(name) for name in self.top_level}

    def raw_of(self, name: str) -> object:
        spec = self._specs[name]
        if not spec.options and not spec.children:
            return spec.weight
        table: dict[str, object] = {"target": spec.weight, **spec.options}
        if spec.children:
            table["children"] = {
                self._specs[child].short_name: self.raw_of(child) for child in spec.children
            }
        return table


def parse_targets(raw: Mapping[str, object], field: str = "targets") -> Targets:
    """Targets from ``{class: percent | {target, min, max, threshold, buy, fractional,
    children}}``.

    Names are normalised; the percents of each level are 0..100 and sum to 100 (within 0.01,
    then scaled to exactly 100); a band satisfies ``min <= target <= max``.
    """
    return Targets(parse_level(raw, field, parent=None))


def parse_level(
    raw: Mapping[str, object], field: str, parent: ClassTarget | None
) -> list[ClassTarget]:
    noun = "targets" if parent is None else "children"
    if not raw:
        raise InputError(field, f"at least one asset class is needed in {noun}")
    parsed: dict[str, tuple[Decimal, Mapping[str, object], str]] = {}
    for name, value in raw.items():
        where = f"{field}.{name}"
        klass = normalise_class(name, where)
        if SEPARATOR in klass:
            raise InputError(where, "a class name cannot hold '/'; nest sub-classes in children")
        if klass in parsed:
            raise InputError(where, f"asset class {klass!r} is given twice")
        options = options_of(value, where)
        percent = to_decimal(
            options["target"], f"{where}.target" if isinstance(value, Mapping) else where
        )
        if percent > HUNDRED:
            raise InputError(where, f"a target cannot exceed 100%, got {options['target']}")
        parsed[klass] = (percent, options, where)
    weights = scaled_to_100({k: percent for k, (percent, _, _) in parsed.items()}, field, noun)
    found: list[ClassTarget] = []
    for klass, (_, options, where) in parsed.items():
        name = klass if parent is None else f"{parent.name}{SEPARATOR}{klass}"
        scale = Decimal(1) if parent is None else parent.percent / HUNDRED
        spec = class_target(name, weights[klass], scale, options, where, parent)
        below = children_of(spec, options, where)
        child_names = tuple(c.name for c in below if c.parent == name)
        found.append(replace(spec, children=child_names) if child_names else spec)
        found.extend(below)
    return found


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


def scaled_to_100(
    percents: dict[str, Decimal], field: str, noun: str = "targets"
) -> dict[str, Decimal]:
    found = total(percents.values())
    if abs(found - HUNDRED) > TARGET_SUM_TOLERANCE:
        raise InputError(field, f"{noun} must sum to 100, they sum to {found.normalize():f}")
    if found == HUNDRED:
        return percents
    scaled = {klass: value * HUNDRED / found for klass, value in percents.items()}
    # The last class takes the division's residue, so the sum is exactly 100.
    last = next(reversed(scaled))
    scaled[last] = HUNDRED - total(v for k, v in scaled.items() if k != last)
    return scaled


def class_target(
    name: str,
    weight: Decimal,
    scale: Decimal,
    options: Mapping[str, object],
    where: str,
    parent: ClassTarget | None,
) -> ClassTarget:
    low = bound(options, "min", where)
    high = bound(options, "max", where)
    if low is not None and low > weight:
        raise InputError(f"{where}.min", f"min {low} is above the target {weight:f}")
    if high is not None and high < weight:
        raise InputError(f"{where}.max", f"max {high} is below the target {weight:f}")
    threshold = options.get("threshold")
    own_threshold = None if threshold is None else to_decimal(threshold, f"{where}.threshold")
    if own_threshold is not None and not 0 < own_threshold <= HUNDRED:
        raise InputError(f"{where}.threshold", f"must be above 0 and at most 100, got {threshold}")
    buy = options.get("buy")
    if buy is not None and (not isinstance(buy, str) or not buy.strip()):
        raise InputError(f"{where}.buy", 'buy names a symbol, e.g. buy = "BND"')
    fractional = options.get("fractional", False)
    if not isinstance(fractional, bool):
        raise InputError(f"{where}.fractional", f"expected true or false, got {fractional!r}")
    return ClassTarget(
        name,
        weight,
        scale,
        min=low,
        max=high,
        threshold=own_threshold,
        buy=buy.strip() if isinstance(buy, str) else None,
        # A sub-class trades as its parent does unless it says otherwise.
        fractional=fractional or (parent is not None and parent.fractional),
        parent=None if parent is None else parent.name,
    )


def children_of(spec: ClassTarget, options: Mapping[str, object], where: str) -> list[ClassTarget]:
    """The sub-classes below ``spec`` (and theirs), each level's weights summing to 100."""
    children = options.get("children")
    if children is None:
        return []
    if not isinstance(children, Mapping):
        raise InputError(f"{where}.children", "children is a table of sub-class = percent")
    return parse_level(children, f"{where}.children", parent=spec)


def bound(options: Mapping[str, object], key: str, where: str) -> Decimal | None:
    if options.get(key) is None:
        return None
    value = to_decimal(options[key], f"{where}.{key}")
    if value > HUNDRED:
        raise InputError(f"{where}.{key}", f"a band edge cannot exceed 100%, got {options[key]}")
    return value
