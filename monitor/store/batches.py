"""Statements small enough for SQLite, which takes at most 32,766 bound parameters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

SIZE = 5000  # ids in one IN (...), or rows of a few columns in one multi-row INSERT


def batches(items: Sequence[T], size: int = SIZE) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
