"""An entry's classification (``[classify]`` and its own ``classify`` table), resolved once:
the map's file read, every class and pattern checked, or an ``InputError`` naming the key."""

from __future__ import annotations

import csv
from pathlib import Path

from monitor.domain.classify import Classifier
from monitor.errors import InputError
from monitor.settings.sections import ClassifySettings


def symbols_file(path: Path) -> dict[str, str]:
    """The ``symbol,asset_class`` lines of a classes file (a header line is optional)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(
            "classify.file", f"cannot read {path}: {error.strerror or error}"
        ) from None
    symbols: dict[str, str] = {}
    for number, fields in enumerate(csv.reader(text.splitlines()), start=1):
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        if len(fields) != 2:
            raise InputError("classify.file", f"{path} line {number}: expected symbol,asset_class")
        symbol, label = (field.strip() for field in fields)
        if number == 1 and (symbol.lower(), label.lower()) == ("symbol", "asset_class"):
            continue
        symbols[symbol] = label
    return symbols


def symbols_of(settings: ClassifySettings) -> dict[str, str]:
    """The file's symbols, then the table's over them."""
    found = symbols_file(Path(settings.file)) if settings.file else {}
    return found | settings.symbols


def resolve_classifier(
    top: ClassifySettings, own: ClassifySettings | None, folder: Path | None
) -> Classifier:
    """The top-level classification, with an entry's own over it: its symbols win, its rules
    are tried first, its fallback (if set) replaces the top-level one. Relative files are
    the config file's folder's. ``InputError`` naming the key that cannot work."""
    if folder is not None:
        top = top.resolve_paths(folder)
        own = None if own is None else own.resolve_paths(folder)
    symbols = symbols_of(top)
    rules = list(top.rules)
    fallback = top.fallback
    if own is not None:
        symbols |= symbols_of(own)
        rules = [*own.rules, *rules]
        if "fallback" in own.model_fields_set:
            fallback = own.fallback
    return Classifier.of(
        symbols, [(rule.field, rule.match, rule.asset_class) for rule in rules], fallback
    )
