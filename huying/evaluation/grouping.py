"""What an indicator is broken down by, as SQL: the GROUP BY key of a row and, for one group,
the filter that finds its cases again (drill-down).

A case belongs to its district, street, community, grid, catalogue class (by class code,
so a class keeps its figures across catalogue versions) and source channel. It belongs to
a department through the department's responding assignments (not withdrawn or returned);
a field unit's assignments count for its department. A grid worker's group is the cases
they reported themselves, acting as grid worker: the trail's first event (上报) says who.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models import Case as SqlCase
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _

from huying.cases.models import CaseEvent, Source
from huying.catalogue.models import CatalogueClass
from huying.org.models import OrgUnit, Role

K = OrgUnit.Kind


class GroupBy(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    DEPARTMENT = "department", _("部门")
    CATALOGUE_CLASS = "catalogue_class", _("事项类别")
    SOURCE = "source", _("来源渠道")
    GRID_WORKER = "grid_worker", _("网格员")


#: The case column each grouping reads (the department is reached through assignments).
CASE_FIELD: dict[str, str] = {
    GroupBy.DISTRICT: "district_id",
    GroupBy.STREET: "street_id",
    GroupBy.COMMUNITY: "community_id",
    GroupBy.GRID: "grid_id",
    GroupBy.CATALOGUE_CLASS: "item__klass__code",
    GroupBy.SOURCE: "source",
}

UNIT_GROUPS = frozenset(
    {GroupBy.DISTRICT, GroupBy.STREET, GroupBy.COMMUNITY, GroupBy.GRID, GroupBy.DEPARTMENT}
)


def department_key(prefix: str = "") -> Combinable:
    """On an Assignment (``prefix`` leads from the query's model to it): its department."""
    return SqlCase(
        When(
            **{f"{prefix}department__kind": K.FIELD_UNIT}, then=F(f"{prefix}department__parent_id")
        ),
        default=F(f"{prefix}department_id"),
        output_field=BigIntegerField(),
    )


def department_q(key: Any, prefix: str = "") -> Q:
    """The assignments of one department, its field units' included."""
    return Q(**{f"{prefix}department_id": key}) | Q(
        **{f"{prefix}department__parent_id": key, f"{prefix}department__kind": K.FIELD_UNIT}
    )


def _reported_by_grid_worker(prefix: str) -> QuerySet[CaseEvent]:
    case = f"{prefix[:-2]}_id" if prefix else "pk"
    return CaseEvent.objects.filter(
        case_id=OuterRef(case), action="submit", actor_role=Role.GRID_WORKER
    )


def case_key(by: str, prefix: str = "") -> Combinable:
    """The GROUP BY expression for a case-side grouping; ``prefix`` leads to the case."""
    if by == GroupBy.GRID_WORKER:
        return Subquery(_reported_by_grid_worker(prefix).values("actor_id")[:1])
    return F(f"{prefix}{CASE_FIELD[by]}")


def case_restriction(by: str, prefix: str = "") -> Q:
    """Rows a grouping leaves out altogether: only the reports grid workers made have a
    grid worker; every case belongs to some other group (perhaps the empty one)."""
    if by != GroupBy.GRID_WORKER:
        return Q()
    return Q(Exists(_reported_by_grid_worker(prefix)))


def case_q(by: str, key: Any, prefix: str = "") -> Q:
    """The cases (``prefix`` leads to them) of one case-side group."""
    if by == GroupBy.GRID_WORKER:
        return Q(Exists(_reported_by_grid_worker(prefix).filter(actor_id=key)))
    field = f"{prefix}{CASE_FIELD[by]}"
    return Q(**{f"{field}__isnull": True}) if key is None else Q(**{field: key})


def group_labels(by: str, keys: Iterable[Any]) -> dict[Any, str]:
    """Display names for group keys: units and classes by name, sources by label, grid
    workers by full name; the empty group as 未填."""
    wanted = [k for k in keys if k is not None]
    labels: dict[Any, str] = {None: str(_("未填"))}
    if by in UNIT_GROUPS:
        labels |= dict(OrgUnit.objects.filter(pk__in=wanted).values_list("pk", "name"))
    elif by == GroupBy.CATALOGUE_CLASS:
        # The newest catalogue's name for a class code wins.
        for code, name in (
            CatalogueClass.objects.filter(code__in=wanted)
            .order_by("catalogue__version")
            .values_list("code", "name")
        ):
            labels[code] = name
    elif by == GroupBy.SOURCE:
        labels |= {value: str(label) for value, label in Source.choices}
    elif by == GroupBy.GRID_WORKER:
        for user in get_user_model().objects.filter(pk__in=wanted):
            labels[user.pk] = user.get_full_name() or user.get_username()
    return labels
