"""Opaque page cursors: the (taken_at, id) of the last snapshot a page showed."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from monitor.errors import InputError


def encode_cursor(taken_at: datetime, snapshot_id: int) -> str:
    raw = f"{taken_at.isoformat()}|{snapshot_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, snapshot_id = raw.split("|")
        taken_at = datetime.fromisoformat(moment)
        if taken_at.tzinfo is None:
            raise ValueError("naive")
        return taken_at, int(snapshot_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputError("cursor", "not a cursor from a previous page; start without one") from None
