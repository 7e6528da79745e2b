"""How an indicator family is counted: one GROUP BY over the family's rows (cases,
assignments or trail events) in the actor's scope, one COUNT per measure; and, for one
group, the cases behind a measure (drill-down) by the very same condition.

``indicators`` says *what* is counted (the measures and formulas); this module only says
*how*, so every family is counted and drilled down the same way.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import reduce
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from huying.cases.models import Assignment, Case, CaseEvent
from huying.cases.selectors import assignments_actionable_by, cases_visible_to
from huying.core.errors import InvalidInput
from huying.evaluation.grouping import (
    GroupBy,
    case_key,
    case_q,
    case_restriction,
    department_key,
    department_q,
)
from huying.evaluation.periods import Period
from huying.evaluation.rules import NOT_RESPONDING
from huying.org.actors import Actor, in_district


class Rows(Enum):
    """What a family counts: cases, assignments (a department's work) or trail events."""

    CASES = "cases"
    ASSIGNMENTS = "assignments"
    EVENTS = "events"


@dataclass(frozen=True)
class Family:
    """Indicators that count the same rows. ``measures(period, prefix)`` gives each count's
    condition; for a case family ``prefix`` leads from the queried model to the case."""

    name: str
    rows: Rows
    measures: Callable[[Period, str], dict[str, Q]]
    groups: frozenset[str]  # the GroupBy values it can be broken down by


# Every count starts from the actor's scope (None: the system, e.g. the monthly circular).


def _cases(actor: Actor | None) -> QuerySet[Case]:
    return Case.objects.all() if actor is None else cases_visible_to(actor)


def _assignments(actor: Actor | None) -> QuerySet[Assignment]:
    return Assignment.objects.all() if actor is None else assignments_actionable_by(actor)


def _events(actor: Actor | None) -> QuerySet[CaseEvent]:
    if actor is None:
        return CaseEvent.objects.all()
    if actor.sees_all:
        return CaseEvent.objects.filter(in_district(actor, "case__district_id"))
    return CaseEvent.objects.filter(case__in=cases_visible_to(actor))


def _check_group(family: Family, by: str) -> None:
    if by not in family.groups:
        raise InvalidInput(
            _("该指标不能按「%(grouping)s」分组") % {"grouping": GroupBy(by).label}, field="by"
        )


def counts(
    family: Family, *, period: Period, by: str, actor: Actor | None = None
) -> dict[Any, dict[str, int]]:
    """Every measure of a family for every group, in one GROUP BY query."""
    _check_group(family, by)
    distinct = False
    if family.rows is Rows.CASES and by == GroupBy.DEPARTMENT:
        # A department's cases, reached through its responding assignments: a case it had
        # two assignments on (lead and a field unit, or two rounds) still counts once.
        qs: QuerySet[Any] = _assignments(actor).exclude(state__in=NOT_RESPONDING)
        key, prefix, counted, distinct = department_key(), "case__", "case_id", True
        restrict = Q()
    elif family.rows is Rows.CASES:
        qs, key, prefix, counted = _cases(actor), case_key(by), "", "pk"
        restrict = case_restriction(by)
    else:
        qs = _assignments(actor) if family.rows is Rows.ASSIGNMENTS else _events(actor)
        key = department_key() if by == GroupBy.DEPARTMENT else case_key(by, "case__")
        prefix, counted, restrict = "", "pk", case_restriction(by, "case__")
    measures = family.measures(period, prefix)
    aggregates = {
        f"n_{name}": Count(counted, filter=q, distinct=distinct) for name, q in measures.items()
    }
    rows = (
        qs.filter(restrict, reduce(operator.or_, measures.values()))
        .values(group=key)
        .annotate(**aggregates)
        .order_by()
    )
    return {r["group"]: {m: r[f"n_{m}"] for m in measures} for r in rows}


def measure_cases(
    family: Family,
    measure: str,
    *,
    period: Period,
    by: str,
    key: Any,
    actor: Actor | None = None,
) -> QuerySet[Case]:
    """The cases in the actor's scope behind one measure of one group."""
    _check_group(family, by)
    condition = family.measures(period, "")[measure]
    cases = _cases(actor)
    if family.rows is Rows.CASES:
        if by == GroupBy.DEPARTMENT:
            theirs = _assignments(actor).exclude(state__in=NOT_RESPONDING).filter(department_q(key))
            return cases.filter(condition, Exists(theirs.filter(case_id=OuterRef("pk"))))
        return cases.filter(condition, case_q(by, key))
    rows = _assignments(actor) if family.rows is Rows.ASSIGNMENTS else _events(actor)
    group = department_q(key) if by == GroupBy.DEPARTMENT else case_q(by, key, "case__")
    behind = rows.filter(condition, group).filter(case_id=OuterRef("pk"))
    return cases.filter(Exists(behind))
