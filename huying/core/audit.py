"""Hash chaining for append-only trails (闭环留痕).

Each event's hash covers the previous event's hash and a canonical JSON of its own fields,
so editing, deleting or reordering any event breaks every hash after it.

Two schemes, recorded per event (``hash_version``) so old trails still verify:

- 1: plain SHA-256. Anyone who can write the table can recompute it after an edit;
- 2: HMAC-SHA-256 with the trail key (``huying.core.trailkey``), which lives outside the
  database: a recomputed chain no longer matches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64
UNKEYED = 1
KEYED = 2
#: The scheme new events are sealed with.
HASH_VERSION = KEYED


def jsonable(value: Any) -> Any:
    """A value as it will read back from a JSON column, so hashes recompute identically."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def canonical(payload: dict[str, Any]) -> str:
    return canonical_json(jsonable(payload))


def canonical_json(value: Any) -> str:
    """``canonical`` of a value that is already what ``jsonable`` makes (plain JSON types):
    a bulk writer that builds many payloads from one spares the walk."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, payload: dict[str, Any], version: int = UNKEYED) -> str:
    return chain_hash_text(prev_hash, canonical(payload), version)


def chain_hash_text(prev_hash: str, text: str, version: int = UNKEYED) -> str:
    """``chain_hash`` of a payload's canonical text."""
    message = (prev_hash + text).encode()
    if version == UNKEYED:
        return hashlib.sha256(message).hexdigest()
    if version == KEYED:
        from huying.core.trailkey import trail_key

        return hmac.new(trail_key(), message, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown hash version {version}")
