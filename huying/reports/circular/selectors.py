"""Reads of circulars: every read starts from ``circulars_visible_to(actor)``; out of scope
(another district, or a role that may not read) is absent — 404, never 403."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from huying.core.errors import NotFound
from huying.evaluation.selectors import district_of
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.reports.circular.rules import may_read
from huying.reports.models import Circular


def actor_district(actor: Actor) -> OrgUnit | None:
    return district_of(actor.unit)


def circulars_visible_to(actor: Actor) -> QuerySet[Circular]:
    district = actor_district(actor) if may_read(actor.role) else None
    if district is None:
        return Circular.objects.none()
    return Circular.objects.filter(district=district)


def circular_get(actor: Actor, *, circular_id: int) -> Circular:
    circular = circulars_visible_to(actor).filter(pk=circular_id).first()
    if circular is None:
        raise NotFound(_("通报不存在或无权查看"))
    return circular


def circular_list(actor: Actor) -> QuerySet[Circular]:
    """Newest month first; within a month the newest issue first."""
    return (
        circulars_visible_to(actor)
        .select_related("requested_by")
        .order_by("-year", "-month", "-requested_at", "-pk")
    )
