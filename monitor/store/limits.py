"""Limits of stored values that commands declare in their options, importable without
SQLAlchemy: a command's ``--help`` need not load the store."""

from __future__ import annotations

# Ids are 64-bit integers in both databases: a larger one asked for is a usage error, not
# the driver's overflow.
LARGEST_ID = 2**63 - 1
