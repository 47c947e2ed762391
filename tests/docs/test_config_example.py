"""Every setting is documented: in the annotated example config, and under a heading of its
own in the settings reference (``docs/settings.md``); every source option in ``docs/sources.md``.

The settings are found by walking the ``Settings`` model (every field of every nested table,
a portfolio's included), so a setting added to the model without docs fails here.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from monitor.domain.targets import Targets
from monitor.settings import Settings, load_settings
from monitor.sources import SourceOptions, builtin_kinds

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "config" / "allocation-monitor.toml"
REFERENCE = ROOT / "docs" / "settings.md"
SOURCES = ROOT / "docs" / "sources.md"
# A portfolio's notify, plan and classify tables take the keys of the top-level tables, which
# document them once.
OVERRIDES = {
    "portfolios.notify": "notify",
    "portfolios.plan": "plan",
    "portfolios.classify": "classify",
}
# Tables whose keys are the user's (asset classes, symbols) or a source kind's (its own model).
FREE_FORM = (Targets, SourceOptions)


def inner_types(annotation: Any) -> Iterator[Any]:
    """The types inside ``X | None``, ``list[X]``, ``dict[str, X]``, ``Annotated[X, ...]``."""
    if get_origin(annotation) in (Union, types.UnionType, list, dict) or get_args(annotation):
        for argument in get_args(annotation):
            yield from inner_types(argument)
    else:
        yield annotation


def is_a(annotation: Any, kinds: tuple[type, ...]) -> bool:
    return any(isinstance(t, type) and issubclass(t, kinds) for t in inner_types(annotation))


def setting_paths(model: type[BaseModel] = Settings, prefix: str = "") -> dict[str, bool]:
    """Every setting's dotted path (``portfolios.schedule.every``), and whether the user (or
    a source kind) names the keys inside it."""
    paths: dict[str, bool] = {}
    for name, field in model.model_fields.items():
        # A table of the user's keys (classify.symbols) names its own.
        user_keyed = get_origin(field.annotation) is dict
        path, free_form = prefix + name, user_keyed or is_a(field.annotation, FREE_FORM)
        paths[path] = free_form
        if free_form:
            continue
        for inner in inner_types(field.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                paths |= setting_paths(inner, f"{path}.")
    return paths


SETTINGS = setting_paths()
SECTION = re.compile(r"^\[\[?([\w.]+)\]\]?")
# ``### `notify.cooldown` { #notify.cooldown }``: the key as code, and as the anchor links use.
HEADING = re.compile(r"^#{2,4} `\[{0,2}([\w.]+)\]{0,2}` \{ #([\w.]+) \}$", flags=re.MULTILINE)
KEY = re.compile(r"^([a-z_][a-z0-9_]*)\s*=")  # settings are lower case; env vars are not


def table_paths(table: dict[str, Any], prefix: str) -> Iterator[str]:
    for key, value in table.items():
        yield prefix + key
        # A list of tables (rules = [{ field = ... }]) documents the keys its tables show.
        for table in value if isinstance(value, list) else [value]:
            if isinstance(table, dict):
                yield from table_paths(table, f"{prefix}{key}.")


def documented_in_example(text: str) -> set[str]:
    """The dotted paths the example sets or shows in a ``# key = ...`` comment."""
    paths: set[str] = set()
    prefix = ""
    for line in text.splitlines():
        line = line.strip()
        if section := SECTION.match(line):
            paths.add(section[1])
            prefix = f"{section[1]}."
            continue
        assignment = line.removeprefix("#").strip()
        if key := KEY.match(assignment):
            paths.add(prefix + key[1])
            # An inline table documents the keys it shows; a line that is not TOML alone
            # (prose after the value, a value continued on the next lines) names its key.
            with contextlib.suppress(tomllib.TOMLDecodeError):
                paths.update(table_paths(tomllib.loads(assignment), prefix))
    return paths


def reference_headings() -> dict[str, str]:
    """The settings reference's headings: the key each names, and its anchor."""
    return dict(HEADING.findall(REFERENCE.read_text(encoding="utf-8")))


def mentioned_as_code(key: str, text: str) -> bool:
    """As code (`` `key` ``, `` `key = ...` ``), or set in a TOML example."""
    as_code = rf"`(?:[\w.\[\]]+\.)?{key}(?:\s*=[^`]*)?`"
    as_toml = rf"(?m)(?:^\s*#?\s*|[{{,]\s*){key}\s*="
    return any(re.search(pattern, text) for pattern in (as_code, as_toml))


def documented_as(path: str) -> str:
    """The path a setting is documented under: a portfolio's ``notify.cooldown`` as
    ``notify.cooldown``."""
    for portfolio_table, section in OVERRIDES.items():
        if path.startswith(f"{portfolio_table}."):
            return section + path.removeprefix(portfolio_table)
    return path


def documented(path: str, example: set[str]) -> bool:
    return documented_as(path) in example


def test_the_example_config_loads_and_validates() -> None:
    settings = load_settings(EXAMPLE)
    assert [portfolio.id for portfolio in settings.portfolios] == ["family"]


def test_every_setting_is_in_the_example_config() -> None:
    example = documented_in_example(EXAMPLE.read_text(encoding="utf-8"))
    missing = [path for path in SETTINGS if not documented(path, example)]
    assert missing == [], "set these, or show them in a `# key = ...` comment, in the example"


def test_the_example_config_documents_no_key_the_settings_lack() -> None:
    """A commented-out key is not validated when the file loads: a typo would stay."""
    example = documented_in_example(EXAMPLE.read_text(encoding="utf-8"))
    free_form = [path for path, free in SETTINGS.items() if free]
    unknown = [
        path
        for path in sorted(example)
        if path not in SETTINGS and not any(path.startswith(f"{f}.") for f in free_form)
    ]
    assert unknown == []


def test_a_portfolios_override_tables_take_only_keys_of_their_top_level_tables() -> None:
    for portfolio_table, section in OVERRIDES.items():
        own = {p.removeprefix(portfolio_table) for p in SETTINGS if p.startswith(portfolio_table)}
        assert own <= {p.removeprefix(section) for p in SETTINGS if p.startswith(section)}


def test_every_setting_has_its_heading_in_the_settings_reference() -> None:
    headings = reference_headings()
    assert sorted(path for path in SETTINGS if documented_as(path) not in headings) == []


def test_the_settings_reference_has_no_heading_for_a_setting_the_models_lack() -> None:
    """A heading left behind by a renamed or removed setting would document nothing."""
    assert sorted(path for path in reference_headings() if path not in SETTINGS) == []


def test_each_setting_heading_is_anchored_at_its_own_path() -> None:
    """Other pages link ``settings.md#notify.cooldown``: the anchor is the key's path."""
    assert {key: anchor for key, anchor in reference_headings().items() if key != anchor} == {}


@pytest.mark.parametrize(
    "kind", builtin_kinds(), ids=lambda kind: kind.model_fields["kind"].default
)
def test_every_option_of_every_source_kind_is_on_the_sources_page(
    kind: type[SourceOptions],
) -> None:
    row = next(
        line
        for line in SOURCES.read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| `{kind.model_fields['kind'].default}` |")
    )
    options = [name for name in kind.model_fields if name != "kind"]  # the row's first cell
    assert [name for name in options if not mentioned_as_code(name, row)] == []
