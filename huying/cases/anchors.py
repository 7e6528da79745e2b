"""Anchors: the trail heads, appended now and then to files the database user cannot rewrite.

A keyed chain stops someone who can write the database but does not hold the key. Anyone
who holds both (or a trail still on the unkeyed scheme) can rewrite a case's events and
reseal them. An anchor pins what each case's chain looked like: the hash of its newest event
at the time. Since every hash covers all the events before it, a rewrite of anything up to
an anchored event changes that event's hash and no longer matches the anchor.

One JSON line per anchor, in ``$HUYING_TRAIL_ANCHOR_DIR/<day written>.jsonl`` (appended, never
rewritten; keep the directory out of the database user's reach, or copy the files off the
machine). Each line names the heads of the cases whose trails grew since the previous anchor
(event ids up to ``through``), and ``prev``, the SHA-256 of the previous line, so a line
taken out of the middle shows. ``unkeyed_through`` is the highest id of an event still sealed
with the unkeyed scheme when anchoring began: an unkeyed event above it is a downgrade.

An event whose transaction commits after a later event's anchor was taken is first anchored
with its case's next change: anchors are checkpoints, not a list of every event.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from huying.cases.models import CaseEvent
from huying.core.audit import GENESIS, UNKEYED
from huying.core.trailkey import key_id


def anchor_dir() -> Path:
    return Path(settings.HUYING_TRAIL_ANCHOR_DIR)


@dataclass
class Anchors:
    """Everything the anchor files say, for the verifier."""

    #: case id → (seq, hash) of its latest anchored head.
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)
    #: Events up to this id are covered by some anchor.
    through: int = 0
    unkeyed_through: int | None = None
    records: int = 0
    last_line: str = ""
    problems: list[str] = field(default_factory=list)


def _lines() -> Iterator[tuple[Path, str]]:
    root = anchor_dir()
    if not root.is_dir():
        return
    for path in sorted(root.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield path, line.rstrip("\n")


def load_anchors() -> Anchors:
    out = Anchors()
    prev = GENESIS
    for path, line in _lines():
        try:
            record = json.loads(line)
        except ValueError:
            out.problems.append(f"{path.name}: unreadable line")
            continue
        if record.get("prev") != prev:
            out.problems.append(
                f"{path.name}: anchor at {record.get('at')} does not follow the one before"
            )
        prev = _digest(line)
        out.records += 1
        out.last_line = line
        out.through = max(out.through, int(record.get("through", 0)))
        out.unkeyed_through = record.get("unkeyed_through", out.unkeyed_through)
        for case_id, head in record.get("heads", {}).items():
            out.heads[int(case_id)] = (int(head[0]), str(head[1]))
    return out


def _digest(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()


def append_anchor(record: dict[str, Any], *, now: datetime, previous: Anchors) -> Path:
    """Append one line; the file is opened for appending only and synced to disk."""
    record = {"prev": _digest(previous.last_line) if previous.records else GENESIS, **record}
    line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
    root = anchor_dir()
    root.mkdir(parents=True, exist_ok=True)
    # Named by the day it is written (not by ``now``, which may be a simulated time): the
    # files' names order the records.
    path = root / f"{timezone.localdate():%Y-%m-%d}.jsonl"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def write_anchor(*, now: datetime) -> int:
    """Anchor the heads of the cases whose trails grew since the last anchor; returns how
    many (0: nothing new, nothing written)."""
    previous = load_anchors()
    top = CaseEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    if top <= previous.through:
        return 0
    heads: dict[str, list[Any]] = {}
    window = CaseEvent.objects.filter(pk__gt=previous.through, pk__lte=top).order_by("pk")
    for case_id, seq, head in window.values_list("case_id", "seq", "hash").iterator(2000):
        heads[str(case_id)] = [seq, head]
    unkeyed = previous.unkeyed_through
    if unkeyed is None:  # the first anchor: how far the unkeyed scheme reaches, once
        unkeyed = (
            CaseEvent.objects.filter(hash_version=UNKEYED).aggregate(top=Max("pk"))["top"] or 0
        )
    append_anchor(
        {
            "kind": "anchor",
            "at": now.isoformat(),
            "through": top,
            "unkeyed_through": unkeyed,
            "key_id": key_id(),
            "heads": heads,
        },
        now=now,
        previous=previous,
    )
    return len(heads)
