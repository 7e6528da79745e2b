"""Reads of joint operations and meetings, always from the acting user's scope: a street
sees its own, the hub and the district leader the district's; anything else is absent (404)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from huying.cases.rules import OPEN_CASE_STATES
from huying.coordination.models import Decision, JointOperation, Meeting, OperationPhoto
from huying.coordination.rules import MEETING_ROLES, OPERATION_ROLES
from huying.core.errors import NotFound
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit

K = OrgUnit.Kind
#: Whoever may organise anything here may read what is in their scope.
READER_ROLES = frozenset(
    {*OPERATION_ROLES, *(r for roles in MEETING_ROLES.values() for r in roles)}
)


def _territory(actor: Actor) -> Q:
    """The organisers in the actor's scope, by path (the hub's node is the district's
    sibling below it: the hub reads the district's; the city's roles every district's)."""
    if actor.sees_all:
        return under("organiser__path", actor.reach)
    root = actor.unit.path
    if actor.unit.kind == K.HUB and actor.unit.parent_id is not None:
        root = OrgUnit.objects.only("path").get(pk=actor.unit.parent_id).path
    return Q(organiser__path__startswith=root)


def operations_visible_to(actor: Actor) -> QuerySet[JointOperation]:
    if actor.role not in READER_ROLES:
        return JointOperation.objects.none()
    return JointOperation.objects.filter(_territory(actor)).select_related("organiser")


def operation_get(actor: Actor, operation_id: int) -> JointOperation:
    try:
        return (
            operations_visible_to(actor)
            .prefetch_related("units", "cases", "photos")
            .get(pk=operation_id)
        )
    except JointOperation.DoesNotExist:
        raise NotFound(_("联合执法记录不存在或无权查看")) from None


def photo_get(actor: Actor, photo_id: int) -> OperationPhoto:
    try:
        return OperationPhoto.objects.get(pk=photo_id, operation__in=operations_visible_to(actor))
    except OperationPhoto.DoesNotExist:
        raise NotFound(_("文件不存在或无权查看")) from None


def meetings_visible_to(actor: Actor) -> QuerySet[Meeting]:
    if actor.role not in READER_ROLES:
        return Meeting.objects.none()
    return Meeting.objects.filter(_territory(actor)).select_related("organiser")


def meeting_get(actor: Actor, meeting_id: int) -> Meeting:
    try:
        return meetings_visible_to(actor).get(pk=meeting_id)
    except Meeting.DoesNotExist:
        raise NotFound(_("会议不存在或无权查看")) from None


def open_decisions(meeting: Meeting) -> QuerySet[Decision]:
    """The decisions of the earlier meetings of the same kind and organiser whose case is
    still open: what this meeting follows up."""
    return (
        Decision.objects.filter(
            meeting__organiser_id=meeting.organiser_id,
            meeting__kind=meeting.kind,
            meeting__held_on__lt=meeting.held_on,
            case__state__in=OPEN_CASE_STATES,
        )
        .select_related("meeting", "case", "lead")
        .order_by("decided_at", "pk")
    )


def operations_held(district: OrgUnit, start: date, end: date) -> QuerySet[JointOperation]:
    """The joint operations held in [start, end) in the district (the monthly circular)."""
    return (
        JointOperation.objects.filter(
            organiser__path__startswith=district.path, held_on__gte=start, held_on__lt=end
        )
        .select_related("organiser")
        .prefetch_related("units", "cases")
        .order_by("held_on", "pk")
    )
