"""Notifications as an outbox: rows written in the same transaction as the change that
caused them, delivered later by the worker.

Each row is the person's in-app notice (the bell, ``core.inbox``) and is handed once to
HUYING_NOTIFY_BACKEND (the log by default). Beside it, one ``Delivery`` per outgoing channel
the person wants for that kind of notification (their own choice, else their roles' defaults;
only channels named in HUYING_NOTIFY_CHANNELS): e-mail and SMS per person, the WeCom, DingTalk
and Feishu group robots once per event however many people it tells. A delivery is claimed by
compare-and-set, so no channel carries a notification twice; a failure is retried with
exponential backoff and given up (dead) after HUYING_NOTIFY_MAX_ATTEMPTS. Outside urgent
cases (L4, emergencies), personal and group messages written in quiet hours wait until the
quiet hours end.

A text to a number with no account behind it yet (a resident's sign-in code) cannot wait in
an outbox for the worker: ``send_text`` sends it at once through HUYING_SMS_BACKEND."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

from huying.core.channels import BUILDERS, DeliveryFailed, Message
from huying.core.i18n import site_text
from huying.core.input_text import normalize_phone
from huying.core.models import (
    Delivery,
    Notification,
    NotificationPreference,
    NotifyCategory,
    NotifyChannel,
    QuietHours,
    TextNumber,
)

logger = logging.getLogger("huying.notify")

Backend = Callable[[Notification], None]

# --- who gets what ---------------------------------------------------------------------------

#: The kinds of notification a person chooses channels for (the settings page's rows).
CATEGORIES: dict[str, Any] = {c.value: c.label for c in NotifyCategory}
#: A notification's kind → its category; every other kind is ``task``.
KIND_CATEGORY: dict[str, str] = {
    "urged": "urge",
    "escalated": "urge",
    "due_soon": "due_soon",
    "reminder": "due_soon",
    "overdue": "overdue",
    "overdue_leader": "overdue",
    "digest": "digest",
}
#: Channels that reach one person (at their address) and those that post to a group.
PERSONAL_CHANNELS = ("email", "sms")
GROUP_CHANNELS = ("wecom", "dingtalk", "feishu")
CHANNEL_LABELS: dict[str, Any] = {c.value: c.label for c in NotifyChannel}


def category_of(kind: str) -> str:
    return KIND_CATEGORY.get(kind, "task")


#: user id → category → the channels their roles get by default (registered by org).
RoleDefaults = Callable[[list[int]], Mapping[int, Mapping[str, Iterable[str]]]]
_role_defaults: RoleDefaults | None = None


def register_role_defaults(defaults: RoleDefaults) -> None:
    """The organisation knows people's roles; core only asks (core may not import org)."""
    global _role_defaults
    _role_defaults = defaults


def role_defaults(user_ids: list[int]) -> Mapping[int, Mapping[str, Iterable[str]]]:
    return _role_defaults(user_ids) if _role_defaults is not None else {}


def resolve(
    defaults: Iterable[str], choices: Mapping[str, bool], available: Iterable[str]
) -> set[str]:
    """The channels one person gets one category on: their roles' defaults, each overridden
    by their own choice where they made one, among the channels that are switched on."""
    wanted = set(defaults)
    for channel, enabled in choices.items():
        (wanted.add if enabled else wanted.discard)(channel)
    return wanted & set(available)


def channels_wanted(user_ids: list[int], category: str) -> dict[int, set[str]]:
    available = settings.HUYING_NOTIFY_CHANNELS
    if not available or not user_ids:
        return {uid: set() for uid in user_ids}
    defaults = role_defaults(user_ids)
    choices: dict[int, dict[str, bool]] = {}
    for uid, channel, enabled in NotificationPreference.objects.filter(
        user_id__in=user_ids, category=category
    ).values_list("user_id", "channel", "enabled"):
        choices.setdefault(uid, {})[channel] = enabled
    return {
        uid: resolve(defaults.get(uid, {}).get(category, ()), choices.get(uid, {}), available)
        for uid in user_ids
    }


# --- quiet hours -----------------------------------------------------------------------------


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """``"22:00-07:00"`` → (22:00, 07:00); empty or ``off`` → none."""
    text = text.strip()
    if not text or text.lower() == "off":
        return None
    start, _, end = text.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def site_quiet_hours() -> tuple[time, time] | None:
    return parse_quiet_hours(settings.HUYING_QUIET_HOURS)


def quiet_until(moment: datetime, quiet: tuple[time, time] | None) -> datetime | None:
    """When ``moment`` falls in the quiet hours (local time; they may run past midnight),
    the instant they end (UTC); otherwise None."""
    if quiet is None:
        return None
    start, end = quiet
    if start == end:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    local = moment.astimezone(zone)
    now_t = local.time()
    if start < end:
        inside = start <= now_t < end
        end_day = local.date()
    else:  # e.g. 22:00–07:00
        inside = now_t >= start or now_t < end
        end_day = local.date() + timedelta(days=1 if now_t >= start else 0)
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def quiet_hours_of(user_ids: list[int]) -> dict[int, tuple[time, time] | None]:
    """Each person's quiet hours: their own when they set them, else the site's."""
    site = site_quiet_hours()
    own = {
        q.user_id: ((q.start, q.end) if q.enabled else None)
        for q in QuietHours.objects.filter(user_id__in=user_ids)
    }
    return {uid: own.get(uid, site) for uid in user_ids}


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One event to tell several people (``notify``'s arguments but ``now``)."""

    recipient_ids: tuple[int, ...]
    kind: str
    subject: str
    message: str
    title: str = ""
    due_at: datetime | None = None
    url: str = ""
    urgent: bool = False


def notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    subject: str,
    message: str,
    now: datetime,
    title: str = "",
    due_at: datetime | None = None,
    url: str = "",
    urgent: bool = False,
) -> int:
    """One event told to several people: an inbox row each, and the deliveries their
    channels call for. ``url``: a path on this site (made absolute with HUYING_BASE_URL)."""
    notice = Notice(tuple(recipient_ids), kind, subject, message, title, due_at, url, urgent)
    return notify_each([notice], now=now)


def notify_each(notices: Iterable[Notice], *, now: datetime) -> int:
    """Several events told at once (a sweep's reminders): their inbox rows in one INSERT and
    their deliveries in another, the people's channels and quiet hours read once for all."""
    events = [
        [
            Notification(
                recipient_id=uid,
                kind=n.kind,
                subject=n.subject,
                message=n.message[:500],
                title=n.title[:200],
                due_at=n.due_at,
                url=n.url[:300],
                urgent=n.urgent,
                created_at=now,
            )
            for uid in sorted(set(n.recipient_ids))
        ]
        for n in notices
    ]
    events = [rows for rows in events if rows]
    rows = [n for event in events for n in event]
    Notification.objects.bulk_create(rows)
    if rows and settings.HUYING_NOTIFY_CHANNELS:
        Delivery.objects.bulk_create(plan_deliveries(events, now=now))
    return len(rows)


def plan_deliveries(events: list[list[Notification]], *, now: datetime) -> list[Delivery]:
    """For each event (its rows): a delivery per person per personal channel they want (and
    have an address for), and one per group channel any of them wants, on the event's
    first row."""
    from django.contrib.auth import get_user_model

    user_ids = sorted({n.recipient_id for event in events for n in event})
    by_category: dict[str, set[int]] = {}
    for event in events:
        by_category.setdefault(category_of(event[0].kind), set()).update(
            n.recipient_id for n in event
        )
    wanted = {
        category: channels_wanted(sorted(ids), category) for category, ids in by_category.items()
    }
    addresses = {
        pk: {"email": bool(email), "sms": bool(number or phone)}
        for pk, email, number, phone in get_user_model()
        .objects.filter(pk__in=user_ids)
        .values_list("pk", "email", "text_number__phone", "phone_account__phone")
    }
    hushed = sorted({n.recipient_id for event in events if not event[0].urgent for n in event})
    quiet = quiet_hours_of(hushed) if hushed else {}
    site = site_quiet_hours()

    def due(quiet_hours: tuple[time, time] | None) -> datetime:
        return quiet_until(now, quiet_hours) or now

    deliveries = []
    for event in events:
        urgent = event[0].urgent
        wants = wanted[category_of(event[0].kind)]
        for n in event:
            for channel in PERSONAL_CHANNELS:
                if channel in wants[n.recipient_id] and addresses.get(n.recipient_id, {}).get(
                    channel
                ):
                    deliveries.append(
                        Delivery(
                            notification=n,
                            channel=channel,
                            next_attempt_at=now if urgent else due(quiet.get(n.recipient_id)),
                            created_at=now,
                        )
                    )
        groups = set().union(*(wants[n.recipient_id] for n in event)) & set(GROUP_CHANNELS)
        for channel in sorted(groups):
            deliveries.append(
                Delivery(
                    notification=event[0],
                    channel=channel,
                    next_attempt_at=now if urgent else due(site),
                    created_at=now,
                )
            )
    return deliveries


# --- templates -------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    if not path or "://" in path:
        return path
    return settings.HUYING_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def compose(notification: Notification, *, email: str = "", phone: str = "") -> Message:
    """The text every outgoing channel carries, in the site's language: the message (which
    names the case number), then the case's title, its deadline and a link."""
    lines = [notification.message]
    if notification.title:
        lines.append(site_text(gettext_lazy("标题：%(title)s") % {"title": notification.title}))
    if notification.due_at:
        local = notification.due_at.astimezone(ZoneInfo(settings.TIME_ZONE))
        lines.append(
            site_text(gettext_lazy("时限：%(due)s") % {"due": local.strftime("%Y-%m-%d %H:%M")})
        )
    if notification.url:
        lines.append(
            site_text(gettext_lazy("查看：%(url)s") % {"url": absolute_url(notification.url)})
        )
    return Message(subject=notification.subject, text="\n".join(lines), email=email, phone=phone)


def message_for(delivery: Delivery) -> Message:
    n = delivery.notification
    if delivery.channel in GROUP_CHANNELS:
        return compose(n)
    user = n.recipient
    return compose(n, email=user.email, phone=text_number(user))


def text_number(user: Any) -> str:
    """Where a person's texts go: the number staff keep on 通知设置, else a resident's
    sign-in number; empty when there is none."""
    for account in ("text_number", "phone_account"):
        phone = getattr(getattr(user, account, None), "phone", "")
        if phone:
            return str(phone)
    return ""


# --- sending ---------------------------------------------------------------------------------


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


def deliver_pending(*, now: datetime, limit: int = 500) -> int:
    """Hand unsent notifications to the backend; each is claimed by compare-and-set so
    workers never hand one over twice. How many were handed over."""
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


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt (1-based): HUYING_NOTIFY_RETRY_FIRST
    seconds, doubling each time, never more than HUYING_NOTIFY_RETRY_CAP."""
    first = settings.HUYING_NOTIFY_RETRY_FIRST
    seconds = min(settings.HUYING_NOTIFY_RETRY_CAP, first * 2 ** min(max(attempts - 1, 0), 20))
    return timedelta(seconds=seconds)


def _retry_at(delivery: Delivery, now: datetime) -> datetime:
    """After the backoff, and not in the quiet hours (the person's, or the site's for a
    group) unless the notification is urgent."""
    at = now + retry_delay(delivery.attempts)
    n = delivery.notification
    if n.urgent:
        return at
    if delivery.channel in GROUP_CHANNELS:
        quiet = site_quiet_hours()
    else:
        quiet = quiet_hours_of([n.recipient_id])[n.recipient_id]
    return quiet_until(at, quiet) or at


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0


DUE_STATES = (Delivery.State.PENDING, Delivery.State.FAILED)


def deliver_due(*, now: datetime, limit: int = 500) -> DeliveryReport:
    """Send the deliveries whose time has come. Each is claimed (→ SENDING, one more attempt)
    by compare-and-set, so of several workers one sends it; a delivery whose worker died
    while sending stays SENDING: it may have gone out, and is not sent again."""
    report = DeliveryReport()
    due = Delivery.objects.filter(state__in=DUE_STATES, next_attempt_at__lte=now)
    for pk, attempts in due.order_by("next_attempt_at", "pk").values_list("pk", "attempts")[:limit]:
        claimed = Delivery.objects.filter(
            pk=pk, state__in=DUE_STATES, attempts=attempts, next_attempt_at__lte=now
        ).update(state=Delivery.State.SENDING, attempts=F("attempts") + 1)
        if claimed != 1:
            continue
        delivery = Delivery.objects.select_related(
            "notification__recipient__text_number", "notification__recipient__phone_account"
        ).get(pk=pk)
        try:
            BUILDERS[delivery.channel]().send(message_for(delivery))
        except (DeliveryFailed, KeyError) as exc:
            error = str(exc)[:500] or type(exc).__name__
            if delivery.attempts >= settings.HUYING_NOTIFY_MAX_ATTEMPTS:
                Delivery.objects.filter(pk=pk).update(state=Delivery.State.DEAD, last_error=error)
                logger.error("delivery %s (%s) dead: %s", pk, delivery.channel, error)
                report.dead += 1
            else:
                Delivery.objects.filter(pk=pk).update(
                    state=Delivery.State.FAILED,
                    last_error=error,
                    next_attempt_at=_retry_at(delivery, now),
                )
                logger.warning("delivery %s (%s) failed: %s", pk, delivery.channel, error)
                report.failed += 1
            continue
        Delivery.objects.filter(pk=pk).update(state=Delivery.State.SENT, sent_at=now)
        report.sent += 1
    return report


# --- a person's settings (通知设置) -----------------------------------------------------------


@dataclass(frozen=True)
class PreferenceCell:
    channel: str
    on: bool
    default: bool


def preference_table(user_id: int) -> list[tuple[str, list[PreferenceCell]]]:
    """Per category, each channel: whether the person gets it and whether that is their
    roles' default."""
    defaults = role_defaults([user_id]).get(user_id, {})
    choices: dict[tuple[str, str], bool] = {
        (c, ch): on
        for c, ch, on in NotificationPreference.objects.filter(user_id=user_id).values_list(
            "category", "channel", "enabled"
        )
    }
    table = []
    for category in CATEGORIES:
        mine = set(defaults.get(category, ()))
        cells = [
            PreferenceCell(
                channel, choices.get((category, channel), channel in mine), channel in mine
            )
            for channel in CHANNEL_LABELS
        ]
        table.append((category, cells))
    return table


def preferences_save(
    *,
    user_id: int,
    wanted: Iterable[tuple[str, str]],
    quiet: tuple[time, time] | str | None,
    phone: str | None = None,
) -> None:
    """Keep a choice only where it differs from the roles' default (so a later change of the
    defaults still reaches the person). ``quiet``: their own hours, None for none, or
    ``"site"`` for the site's. ``phone``: the number texts go to (empty: none kept; None:
    unchanged), refused with ``InvalidInput`` before anything is saved."""
    from django.db import transaction

    number = normalize_phone(phone, field="text_number") if phone else phone
    chosen = set(wanted)
    defaults = role_defaults([user_id]).get(user_id, {})
    rows = []
    for category in CATEGORIES:
        for channel in CHANNEL_LABELS:
            on = (category, channel) in chosen
            if on != (channel in set(defaults.get(category, ()))):
                rows.append(
                    NotificationPreference(
                        user_id=user_id, category=category, channel=channel, enabled=on
                    )
                )
    with transaction.atomic():
        NotificationPreference.objects.filter(user_id=user_id).delete()
        NotificationPreference.objects.bulk_create(rows)
        if quiet == "site":
            QuietHours.objects.filter(user_id=user_id).delete()
        elif quiet is None:
            QuietHours.objects.update_or_create(
                user_id=user_id, defaults={"enabled": False, "start": time(22), "end": time(7)}
            )
        else:
            assert not isinstance(quiet, str)
            QuietHours.objects.update_or_create(
                user_id=user_id, defaults={"enabled": True, "start": quiet[0], "end": quiet[1]}
            )
        if number:
            TextNumber.objects.update_or_create(user_id=user_id, defaults={"phone": number})
        elif number is not None:
            TextNumber.objects.filter(user_id=user_id).delete()
