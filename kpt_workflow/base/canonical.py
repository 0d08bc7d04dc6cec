"""Canonical JSON and hashing: the same bytes on SQLite, PostgreSQL and after a round trip."""

import hashlib
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from uuid import UUID


def utc_text(moment: datetime) -> str:
    """An aware datetime as UTC text with microseconds, e.g. 2024-01-20T15:04:05.000123Z."""
    if moment.tzinfo is None:
        raise ValueError("canonical JSON needs aware datetimes (UTC)")
    m = moment.astimezone(timezone.utc)
    return (f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
            f".{m.microsecond:06d}Z")


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"no canonical encoding for {type(value).__name__}")


# Built once: json.dumps with these arguments would build an encoder per call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_encode)


def canonical_json(obj: object) -> str:
    """Sorted keys, no spaces, UTF-8 text: what the audit hashes are computed over."""
    return _ENCODER.encode(obj)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
