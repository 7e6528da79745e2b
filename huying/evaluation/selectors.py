"""Reads of ratings. Every read starts from ``ratings_visible_to(actor)``: out of scope is
absent (404), never forbidden."""

from __future__ import annotations

from django.db.models import QuerySet

from huying.cases.models import Assignment, Case
from huying.cases.selectors import cases_visible_to
from huying.core.errors import NotFound
from huying.evaluation.models import Rating
from huying.evaluation.rules import NOT_RESPONDING
from huying.org.actors import Actor
from huying.org.models import DataScope, OrgUnit, Role
from huying.org.roles import DEPARTMENT_ROLES
from huying.org.selectors import ancestors

K = OrgUnit.Kind


def ratings_visible_to(actor: Actor | None) -> QuerySet[Rating]:
    """Roles that see all see every rating; a department sees the ratings it received (not
    its co-handlers'); territorial staff see the ratings of the cases in their territory; a
    resident sees none (a rating is between the street and the department)."""
    qs = Rating.objects.all()
    if actor is None or actor.scope == DataScope.ALL:
        return qs
    if actor.role in DEPARTMENT_ROLES:
        if actor.scope == DataScope.NODE_ONLY:
            return qs.filter(department_id=actor.unit.pk)
        return qs.filter(department_path__startswith=actor.unit.path)
    if actor.role == Role.RESIDENT:
        return qs.none()
    return qs.filter(case__in=cases_visible_to(actor))


def rating_get(actor: Actor | None, *, rating_id: int) -> Rating:
    rating = ratings_visible_to(actor).filter(pk=rating_id).first()
    if rating is None:
        raise NotFound("评议不存在或无权查看")
    return rating


def department_of(unit: OrgUnit) -> OrgUnit:
    """A field unit answers for its department (a field unit's parent is always one)."""
    if unit.kind == K.FIELD_UNIT and unit.parent is not None:
        return unit.parent
    return unit


def responding_departments(case: Case) -> dict[int, OrgUnit]:
    """The departments that answered the case: those of its assignments in any round,
    lead or co-handler, that were not withdrawn or returned; field units rolled up."""
    assignments = (
        Assignment.objects.filter(case=case)
        .exclude(state__in=NOT_RESPONDING)
        .select_related("department__parent")
        .defer("department__boundary", "department__parent__boundary")
    )
    departments = (department_of(a.department) for a in assignments)
    return {d.pk: d for d in departments}


def district_of(unit: OrgUnit) -> OrgUnit | None:
    return next((u for u in ancestors(unit) if u.kind == K.DISTRICT), None)


def district_departments(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The active departments of the district that ``unit`` belongs to: the ones a street
    reviews, a survey scores and a ranking lists."""
    district = district_of(unit)
    qs = OrgUnit.objects.filter(kind=K.DEPARTMENT, is_active=True).defer("boundary")
    return qs.filter(path__startswith=district.path) if district else qs.none()
