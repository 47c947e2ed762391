"""The yaml kind: the JSON shapes written as YAML, read safely, duplicate keys refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from monitor.errors import InputError
from monitor.sources import read_holdings_file
from monitor.sources.yaml import YamlSource
from tests.fixtures.sources import LoadSource, failure, rows

SEED_YAML = """\
AAPL: {asset_class: stocks, value: 26940}
VOO:
  asset_class: etfs
  value: 30000
"""


def write(tmp_path: Path, text: str, name: str = "holdings.yaml") -> YamlSource:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return YamlSource(path=path)


def test_the_seed_shape_in_yaml_gives_one_holding_per_symbol(tmp_path: Path) -> None:
    assert rows(write(tmp_path, SEED_YAML).fetch()) == [
        (None, "AAPL", "stocks", Decimal(26940)),
        (None, "VOO", "etfs", Decimal(30000)),
    ]


def test_a_list_of_rows_with_accounts_gives_each_holding_its_account(tmp_path: Path) -> None:
    text = """\
holdings:
  - {account: alice, symbol: AAPL, asset_class: stocks, value: 1.5}
  - {account: bob, symbol: AAPL, asset_class: stocks, quantity: 2, price: 3}
"""
    assert rows(write(tmp_path, text).fetch()) == [
        ("alice", "AAPL", "stocks", Decimal("1.5")),
        ("bob", "AAPL", "stocks", Decimal(6)),
    ]


def test_merge_keys_may_be_overridden_by_the_mapping_s_own_keys(tmp_path: Path) -> None:
    text = """\
defaults: &stock {asset_class: stocks, value: 1}
holdings:
  AAPL: {<<: *stock, value: 5}
"""
    assert rows(write(tmp_path, text).fetch()) == [(None, "AAPL", "stocks", Decimal(5))]


def test_the_file_is_read_again_on_every_fetch(tmp_path: Path) -> None:
    source = write(tmp_path, "AAPL: {asset_class: stocks, value: 1}\n")
    source.fetch()
    source.path.write_text("AAPL: {asset_class: stocks, value: 2}\n")
    assert source.fetch()[0].value == Decimal(2)


def test_a_relative_path_is_relative_to_the_config_file(
    tmp_path: Path, configured_source: LoadSource
) -> None:
    write(tmp_path, SEED_YAML, name="h.yml")
    assert len(configured_source('{ kind = "yaml", path = "h.yml" }').fetch()) == 2


def test_invalid_yaml_names_its_line_and_column(tmp_path: Path) -> None:
    source = write(tmp_path, "AAPL: {asset_class: stocks, value: 1}\nVOO: [etfs\n")
    assert failure(source).startswith("invalid YAML at line 3, column 1: ")


def test_a_symbol_given_twice_is_rejected_with_its_line(tmp_path: Path) -> None:
    text = "AAPL: {asset_class: stocks, value: 1}\nAAPL: {asset_class: etfs, value: 2}\n"
    assert failure(write(tmp_path, text)) == (
        "invalid YAML at line 2, column 1: key 'AAPL' is given twice"
    )


def test_a_field_given_twice_in_one_holding_is_rejected(tmp_path: Path) -> None:
    source = write(tmp_path, "AAPL: {asset_class: stocks, value: 1, value: 2}\n")
    assert failure(source).endswith("key 'value' is given twice")


def test_a_value_of_the_wrong_type_names_its_field(tmp_path: Path) -> None:
    source = write(tmp_path, "AAPL: {asset_class: stocks, value: [1, 2]}\n")
    assert failure(source) == "holdings.AAPL.value: expected a number, got [1, 2]"


def test_an_infinite_value_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path, "AAPL: {asset_class: stocks, value: .inf}\n")
    assert failure(source) == "holdings.AAPL.value: must be a finite number, got inf"


def test_python_objects_are_never_constructed(tmp_path: Path) -> None:
    source = write(tmp_path, "AAPL: !!python/object/apply:os.getcwd []\n")
    assert "could not determine a constructor" in failure(source)


def test_an_empty_file_is_reported_as_empty(tmp_path: Path) -> None:
    assert failure(write(tmp_path, "# nothing yet\n")) == "the YAML document is empty"


def test_an_empty_list_is_an_empty_set(tmp_path: Path) -> None:
    assert failure(write(tmp_path, "[]\n")) == "no holdings: the source returned an empty set"


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    assert failure(YamlSource(path=tmp_path / "gone.yaml")) == "file not found"


@pytest.mark.parametrize("name", ["holdings.yaml", "holdings.yml", "HOLDINGS.YML"])
def test_check_reads_yaml_holdings_files(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, SEED_YAML, name=name).path
    assert [h.symbol for h in read_holdings_file(path)] == ["AAPL", "VOO"]


def test_check_names_the_file_and_the_problem_in_a_bad_yaml_file(tmp_path: Path) -> None:
    path = write(tmp_path, "AAPL: {asset_class: stocks}\n").path
    with pytest.raises(InputError) as caught:
        read_holdings_file(path)
    assert caught.value.field == "--holdings"
    assert caught.value.problem == (
        f"{path}: holdings.AAPL: a holding needs a value, or a quantity and a price"
    )


def test_check_lists_the_formats_it_reads_for_an_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "holdings.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError) as caught:
        read_holdings_file(path)
    assert caught.value.problem.endswith(
        "use a .csv, .json, .yaml, .yml, .ofx, .qfx or .beancount file"
    )
