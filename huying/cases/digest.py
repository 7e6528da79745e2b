"""每日摘要: one message a day to each leader about the cases in their scope — new yesterday,
overdue, about to be overdue, closed yesterday.

The worker's scheduler asks often (``ops.worker``); the first ask at or after
HUYING_DIGEST_HOUR (local time) sends. Each leader's digest of a day is claimed by a unique
key (``Counter``), so repeated asks and several workers send it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from huying.cases.models import Assignment
from huying.cases.rules import ACTIVE_ASSIGNMENT_STATES, OPEN_CASE_STATES
from huying.cases.selectors import cases_visible_to
from huying.core.models import Counter
from huying.core.notify import notify
from huying.org.actors import Actor
from huying.org.models import RoleGrant
from huying.org.roles import LEADER_ROLES


@dataclass(frozen=True)
class Digest:
    new: int
    overdue: int
    due_soon: int
    closed: int


def digest_for(actor: Actor, *, day: date, now: datetime) -> Digest:
    """The figures of ``actor``'s scope: ``day`` is yesterday (local), ``now`` the moment."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = start + timedelta(days=1)
    cases = cases_visible_to(actor)
    open_cases = cases.filter(state__in=OPEN_CASE_STATES)
    running = {"paused_remaining__isnull": True, "warn_at__lte": now, "due_at__gte": now}
    soon_assignment = Assignment.objects.filter(
        case_id=OuterRef("pk"), state__in=ACTIVE_ASSIGNMENT_STATES, **running
    )
    return Digest(
        new=cases.filter(reported_at__gte=start, reported_at__lt=end).count(),
        overdue=open_cases.filter(overdue=True).count(),
        due_soon=open_cases.filter(overdue=False)
        .filter(Q(**running) | Exists(soon_assignment))
        .count(),
        closed=cases.filter(closed_at__gte=start, closed_at__lt=end).count(),
    )


def claim_digest(user_id: int, day: date) -> bool:
    _, created = Counter.objects.get_or_create(
        key=f"digest:{day.isoformat()}:{user_id}", defaults={"value": 1}
    )
    return created


def send_daily_digests(*, now: datetime) -> int:
    """Each leader's digest for today, once, from HUYING_DIGEST_HOUR; how many were sent.
    A leader with several leading roles gets one, for the first of them."""
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    if local.hour < settings.HUYING_DIGEST_HOUR:
        return 0
    today = local.date()
    yesterday = today - timedelta(days=1)
    seen: set[int] = set()
    sent = 0
    grants = (
        RoleGrant.objects.filter(role__in=LEADER_ROLES, is_active=True, user__is_active=True)
        .select_related("user", "unit")
        .defer("unit__boundary")
        .order_by("user_id", "pk")
    )
    for grant in grants:
        if grant.user_id in seen:
            continue
        seen.add(grant.user_id)
        if not claim_digest(grant.user_id, today):
            continue
        d = digest_for(Actor.from_grant(grant), day=yesterday, now=now)
        with translation.override(settings.LANGUAGE_CODE):  # sent, not shown: the site's
            text = _(
                "每日摘要（%(day)s，%(unit)s）：昨日新增 %(new)d 件，超期未结 %(overdue)d 件，"
                "即将超期 %(soon)d 件，昨日办结 %(closed)d 件"
            ) % {
                "day": yesterday.isoformat(),
                "unit": grant.unit.name,
                "new": d.new,
                "overdue": d.overdue,
                "soon": d.due_soon,
                "closed": d.closed,
            }
            subject = _("每日摘要 %(day)s") % {"day": today.isoformat()}
        notify(
            recipient_ids=[grant.user_id],
            kind="digest",
            subject=subject,
            message=text,
            now=now,
            url=reverse("cases:list"),
        )
        sent += 1
    return sent
