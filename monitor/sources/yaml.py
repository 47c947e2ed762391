"""Holdings from a YAML file, re-read every tick: the same document shapes as JSON."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal

import yaml

from monitor.domain.allocation import Holding
from monitor.errors import SourceError
from monitor.sources.base import holdings_from_document
from monitor.sources.files import FileSourceOptions, read_text

try:  # libyaml's parser when PyYAML was built with it: the same documents, read in C
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

MERGE_TAG = "tag:yaml.org,2002:merge"


class UniqueKeyLoader(SafeLoader):
    """``safe_load``, except that a key given twice is an error.

    PyYAML keeps the last of two equal keys: a holding would be lost without a word.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue  # "<<: *defaults" may be overridden by the mapping's own keys
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    problem=f"key {key!r} is given twice", problem_mark=key_node.start_mark
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, source: str) -> Any:
    try:
        document = yaml.load(text, Loader=UniqueKeyLoader)  # a safe loader: plain data only
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SourceError(source, f"invalid YAML{where}: {error.problem}") from None
    except yaml.YAMLError as error:
        raise SourceError(source, f"invalid YAML: {error}") from None
    if document is None:
        raise SourceError(source, "the YAML document is empty")
    return document


def parse_yaml_holdings(text: str, source: str) -> list[Holding]:
    return holdings_from_document(parse_yaml(text, source), source)


class YamlSource(FileSourceOptions):
    kind: Literal["yaml"] = "yaml"

    def fetch(self) -> list[Holding]:
        return parse_yaml_holdings(read_text(self.path, self.describe()), self.describe())
