"""Hash chaining for append-only trails (闭环留痕).

Each event's hash covers the previous event's hash and a canonical JSON of its own fields,
so editing, deleting or reordering any event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64


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


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps(
        jsonable(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()
