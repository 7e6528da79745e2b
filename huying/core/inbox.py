"""The in-app inbox: a person's notifications, newest first, and which they have read.

The outbox rows (``core.notify``) are the inbox: the same row the worker sends by e-mail or a
robot is the one the bell counts, so nothing is kept twice. Only the recipient reads or marks
their own rows; someone else's ids are ignored, not refused, so a guess tells nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet

from huying.core.models import Notification

#: The inbox page lists this many; older ones stay in the database.
PAGE = 50


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def latest(user_id: int, *, limit: int = PAGE) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user_id).order_by("-id")[:limit]


def mark_read(user_id: int, *, now: datetime, ids: Iterable[int] | None = None) -> int:
    """Mark the person's unread notifications read (only ``ids`` when given); how many."""
    rows = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=now)
