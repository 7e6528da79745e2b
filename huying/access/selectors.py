"""Reads of the access lists, applications, community tasks and the gate's figures, each
in the actor's scope (another unit's application or task is a 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from huying.access import rules
from huying.access.models import (
    AccessItem,
    AccessList,
    Application,
    CommunityTask,
    FlagOutcome,
    TaskAttachment,
    TaskState,
)
from huying.core.errors import NotFound
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit


def current_list(kind: str) -> AccessList | None:
    return AccessList.objects.filter(kind=kind, is_current=True).first()


def current_items(kind: str) -> QuerySet[AccessItem]:
    """The items of the kind's current published version (none before the first)."""
    return AccessItem.objects.filter(
        access_list__kind=kind, access_list__is_current=True
    ).select_related("department")


def draft_list(kind: str) -> AccessList | None:
    return AccessList.objects.filter(kind=kind, published_at__isnull=True).first()


def applications_visible_to(actor: Actor) -> QuerySet[Application]:
    qs = Application.objects.select_related("department")
    if actor.role in rules.REVIEW_ROLES or actor.sees_all:
        return qs.filter(under("department__path", actor.reach))
    if actor.role in rules.APPLY_ROLES:
        return qs.filter(department=actor.unit)
    return qs.none()


def application_get(actor: Actor, application_id: int) -> Application:
    found = applications_visible_to(actor).filter(pk=application_id).first()
    if found is None:
        raise NotFound(_("申请不存在或无权查看"))
    return found


def tasks_visible_to(actor: Actor) -> QuerySet[CommunityTask]:
    """The hub and the district see all of the district's (the city every district's); a
    sender its own (refused ones too); a community what reached it (a refused task never did)."""
    qs = CommunityTask.objects.select_related(
        "sender", "recipient", "item__access_list"
    ).prefetch_related("attachments")
    if actor.sees_all:
        return qs.filter(under("recipient__path", actor.reach))
    if actor.role in rules.SEND_ROLES:
        return qs.filter(sender__path__startswith=actor.unit.path)
    if actor.role in rules.FLAG_ROLES and actor.unit.kind == OrgUnit.Kind.COMMUNITY:
        return qs.filter(recipient=actor.unit, state__in=(TaskState.DELIVERED, TaskState.WITHDRAWN))
    return qs.none()


def task_get(actor: Actor, task_id: int) -> CommunityTask:
    found = tasks_visible_to(actor).filter(pk=task_id).first()
    if found is None:
        raise NotFound(_("任务不存在或无权查看"))
    return found


def attachment_get(actor: Actor, attachment_id: int) -> TaskAttachment:
    """A task's file, for whoever sees the task."""
    found = TaskAttachment.objects.filter(
        pk=attachment_id, task__in=tasks_visible_to(actor)
    ).first()
    if found is None:
        raise NotFound(_("附件不存在或无权查看"))
    return found


@dataclass(frozen=True)
class SenderFigures:
    """One sender's month at the gate (向社区摊派情况)."""

    sender: OrgUnit
    sent: int
    refused: int
    flagged: int
    #: flags the hub upheld (摊派 found and the task withdrawn)
    upheld: int = 0


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime(year, month, 1)
    end = datetime(year + month // 12, month % 12 + 1, 1)
    return datetime.combine(start, time(), tz), datetime.combine(end, time(), tz)


def monthly_figures(actor: Actor, year: int, month: int) -> list[SenderFigures]:
    """Per sender: tasks sent in the month (refused ones included), refused at the gate,
    flagged by the receiving community; senders with nothing that month are left out. The
    district reads every sender, a department or a street its own unit."""
    if actor.role not in rules.ALL_FIGURE_ROLES | rules.SEND_ROLES:
        return []
    return _figures(tasks_visible_to(actor), year, month)


def district_figures(district: OrgUnit, year: int, month: int) -> list[SenderFigures]:
    """The same for the tasks sent to a district's communities (the monthly circular's)."""
    tasks = CommunityTask.objects.filter(recipient__path__startswith=district.path)
    return _figures(tasks, year, month)


def _figures(tasks: QuerySet[CommunityTask], year: int, month: int) -> list[SenderFigures]:
    start, end = month_bounds(year, month)
    rows = (
        tasks.filter(created_at__gte=start, created_at__lt=end)
        .values("sender")
        .annotate(
            sent=Count("pk"),
            refused=Count("pk", filter=Q(state=TaskState.REFUSED)),
            flagged=Count("pk", filter=Q(flagged_at__isnull=False)),
            upheld=Count("pk", filter=Q(flag_outcome=FlagOutcome.UPHELD)),
        )
        .order_by()
    )
    units = OrgUnit.objects.in_bulk([r["sender"] for r in rows])
    out = [
        SenderFigures(units[r["sender"]], r["sent"], r["refused"], r["flagged"], r["upheld"])
        for r in rows
    ]
    return sorted(out, key=lambda f: (-f.refused, -f.upheld, -f.flagged, f.sender.code))
