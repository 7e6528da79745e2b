"""Notifications as an outbox: rows written in the same transaction as the change that
caused them, delivered later by the worker through a pluggable backend (log by default; a dotted path
in HUYING_NOTIFY_BACKEND: ``huying.core.channels.channels_backend`` sends through the
e-mail, SMS and group-robot channels named in HUYING_NOTIFY_CHANNELS).

A text to a number with no account behind it yet (a resident's sign-in code) cannot wait in
an outbox for the worker: ``send_text`` sends it at once through HUYING_SMS_BACKEND."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

from huying.core.models import Notification

logger = logging.getLogger("huying.notify")

Backend = Callable[[Notification], None]


def log_backend(notification: Notification) -> None:
    logger.info(
        "notify user=%s [%s] %s",
        notification.recipient_id,
        notification.subject,
        notification.message,
    )


def log_text_backend(phone: str, message: str) -> None:
    """The demo's text messages: in the log, where the person running the demo reads them."""
    logger.info("sms to=%s %s", phone, message)


def send_text(phone: str, message: str) -> None:
    backend: Callable[[str, str], None] = import_string(settings.HUYING_SMS_BACKEND)
    backend(phone, message)


def notify(
    *, recipient_ids: Iterable[int], kind: str, subject: str, message: str, now: datetime
) -> int:
    rows = [
        Notification(
            recipient_id=uid, kind=kind, subject=subject, message=message[:500], created_at=now
        )
        for uid in sorted(set(recipient_ids))
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def deliver_pending(*, now: datetime, limit: int = 500) -> int:
    """Send unsent notifications; each is claimed by compare-and-set so workers never double-send."""
    backend: Backend = import_string(settings.HUYING_NOTIFY_BACKEND)
    sent = 0
    for pk in (
        Notification.objects.filter(sent_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ):
        if Notification.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=now) != 1:
            continue
        try:
            backend(Notification.objects.get(pk=pk))
        except Exception:
            logger.exception("notification %s failed; will retry", pk)
            Notification.objects.filter(pk=pk).update(sent_at=None)
            continue
        sent += 1
    return sent
