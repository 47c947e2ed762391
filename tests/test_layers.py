"""The package's dependency rule, held by reading every import of ``monitor/**.py`` (ast).

- ``monitor.domain`` is pure: it imports no other part of the monitor, but the one
  exception module, ``monitor.errors``, which every layer shares;
- ``monitor.sources`` and ``monitor.store`` never import each other;
- ``monitor.settings`` describes sources, but imports neither the API, the store nor the
  runtime;
- the API's dashboard is built on its routes and schemas, which never import the dashboard.

An import under ``if TYPE_CHECKING:`` or inside a function counts as much as any other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "monitor"

# (the importing part, the parts it must never import, why)
RULES = [
    (
        "monitor.domain",
        ["monitor"],
        "the domain is pure: no I/O, no clock, no database, no web",
    ),
    ("monitor.sources", ["monitor.store"], "sources and the store never import each other"),
    ("monitor.store", ["monitor.sources"], "sources and the store never import each other"),
    (
        "monitor.settings",
        ["monitor.api", "monitor.store", "monitor.runtime"],
        "settings describe sources, but know nothing of the API, the store or the runtime",
    ),
    *(
        (part, ["monitor.api.dashboard"], "the pages are built on the routes, not the reverse")
        for part in ("monitor.api.routes", "monitor.api.schemas")
    ),
]
# What a part may import even where a rule above forbids its prefix.
SHARED = ["monitor.errors"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def within(name: str, part: str) -> bool:
    return name == part or name.startswith(part + ".")


def imported(source: str, module: str, *, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """``(line, name)`` for every import in ``source``, relative ones made absolute; a
    ``from X import Y`` names X.Y (Y may be a module, or a name defined in X)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def breaks(module: str, target: str) -> str | None:
    """Why ``module`` may not import ``target``; None if it may (a part may import itself)."""
    if any(within(target, shared) for shared in SHARED):
        return None
    for part, forbidden, why in RULES:
        if (
            within(module, part)
            and not within(target, part)
            and any(within(target, f) for f in forbidden)
        ):
            return why
    return None


def violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    found = []
    for line, target in imported(source, module, is_package=is_package):
        why = breaks(module, target)
        if why is not None:
            found.append(f"{module}:{line} imports {target}: {why}")
    return sorted(set(found))


def test_the_package_keeps_the_dependency_rule() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += violations(
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
    assert found == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("monitor.domain.history", "from monitor.store.records import SnapshotRecord"),
        ("monitor.domain.plans.plan", "from monitor.settings import Settings"),
        ("monitor.domain.allocation", "import monitor.masking"),
        ("monitor.domain.plans.plan", "from ...runtime import pipeline"),
        ("monitor.sources.sql", "from monitor.store.engine import make_engine"),
        ("monitor.store.records", "from monitor import sources"),
        ("monitor.settings.models", "if TYPE_CHECKING:\n    from monitor.api.app import App"),
        ("monitor.settings.loading", "def f():\n    from monitor.runtime import logs"),
        ("monitor.api.routes.history", "from monitor.api.dashboard.views import page"),
    ],
)
def test_the_walk_sees_an_import_that_breaks_the_rule(module: str, source: str) -> None:
    assert violations(source, module) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("monitor.domain.history", "from monitor.errors import InputError"),
        ("monitor.domain.plans.plan", "from monitor.domain.plans.trades import Trade"),
        ("monitor.domain.plans.plan", "from .trades import Trade"),
        ("monitor.sources.sql", "from monitor.databases import connect_args"),
        ("monitor.settings.models", "from monitor.sources import SourceOptions"),
        ("monitor.api.routes.history", "from monitor.store.drift import drift_history"),
        ("monitor.api.dashboard.overview_page", "from monitor.api.overview import overview"),
    ],
)
def test_the_walk_lets_an_allowed_import_pass(module: str, source: str) -> None:
    assert violations(source, module) == []
