"""How an indicator family is counted: one GROUP BY over the family's rows (cases,
assignments or trail events) in a reader's scope, one COUNT per measure; and, for one
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
from huying.org.actors import Actor, in_district, under
from huying.org.models import OrgUnit


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


#: Whose rows a count reads: the acting role's scope, or one district's whole (an
#: ``OrgUnit`` of kind district: the system's reads, e.g. the monthly circular). Never the
#: whole installation by default: only a city role's scope spans districts.
Reader = Actor | OrgUnit


def _cases(reader: Reader) -> QuerySet[Case]:
    if isinstance(reader, OrgUnit):
        return Case.objects.filter(district_id=reader.pk)
    return cases_visible_to(reader)


def _assignments(reader: Reader) -> QuerySet[Assignment]:
    if isinstance(reader, OrgUnit):
        return Assignment.objects.filter(under("department_path", reader.path))
    return assignments_actionable_by(reader)


def _events(reader: Reader) -> QuerySet[CaseEvent]:
    if isinstance(reader, OrgUnit):
        return CaseEvent.objects.filter(case__district_id=reader.pk)
    if reader.sees_all:
        return CaseEvent.objects.filter(in_district(reader, "case__district_id"))
    return CaseEvent.objects.filter(case__in=cases_visible_to(reader))


def _check_group(family: Family, by: str) -> None:
    if by not in family.groups:
        raise InvalidInput(
            _("该指标不能按「%(grouping)s」分组") % {"grouping": GroupBy(by).label}, field="by"
        )


def counts(family: Family, *, period: Period, by: str, actor: Reader) -> dict[Any, dict[str, int]]:
    """Every measure of a family for every group of the reader's rows, in one GROUP BY."""
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
    actor: Reader,
) -> QuerySet[Case]:
    """The cases in the reader's scope behind one measure of one group."""
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
