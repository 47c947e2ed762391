"""The example of "Writing a plugin" (``docs/plugins.md``) works as the page says.

Its module is loaded through the entry point the page declares, by the monitor's own plugin
loader, and reads a positions file as a configured source would.
"""

from __future__ import annotations

import re
import sys
import tomllib
import types
from decimal import Decimal
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import monitor.sources
from monitor.errors import SourceError
from monitor.sources import ENTRY_POINT_GROUP, load_plugin

PAGE = Path(__file__).parents[2] / "docs" / "plugins.md"


def blocks(language: str) -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


@pytest.fixture
def positions_kind(monkeypatch: pytest.MonkeyPatch) -> type[monitor.sources.SourceOptions]:
    """The page's plugin, loaded as the monitor loads an installed one."""
    declared = tomllib.loads(blocks("toml")[0])["project"]["entry-points"][ENTRY_POINT_GROUP]
    [(name, value)] = declared.items()
    module_name = value.split(":")[0]
    module = types.ModuleType(module_name)
    monkeypatch.setitem(sys.modules, module_name, module)
    exec(compile(blocks("python")[0], str(PAGE), "exec"), module.__dict__)
    loaded = load_plugin(EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP))
    assert loaded is not None, "the page's plugin is skipped by the loader"
    kind, model = loaded
    assert kind == name == "positions"
    return model


def test_the_plugin_example_reads_a_positions_file(
    positions_kind: type[monitor.sources.SourceOptions], tmp_path: Path
) -> None:
    (tmp_path / "positions.txt").write_text("# symbol class quantity price\nVTI stocks 24 250\n")
    [portfolio] = tomllib.loads(blocks("toml")[1])["portfolios"]
    source = positions_kind.model_validate(portfolio["source"]).resolve_paths(tmp_path)
    [holding] = source.fetch()
    assert (holding.symbol, holding.asset_class, holding.value) == ("VTI", "stocks", Decimal(6000))


def test_the_plugin_example_names_the_line_and_field_it_cannot_read(
    positions_kind: type[monitor.sources.SourceOptions], tmp_path: Path
) -> None:
    (tmp_path / "positions.txt").write_text("VTI stocks 24 250\nBND bonds 10 lots\n")
    source = positions_kind.model_validate({"kind": "positions", "path": "positions.txt"})
    with pytest.raises(
        SourceError, match=r"^positions .*positions.txt: line 2: price: expected a number"
    ):
        source.resolve_paths(tmp_path).fetch()
