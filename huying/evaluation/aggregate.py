"""How an indicator family is counted: one statement of GROUP BYs over the family's rows
(cases, assignments or trail events) in a reader's scope, one COUNT per measure; and, for
one group, the cases behind a measure (drill-down) by the very same condition.

Which rows a family reads is the union of its *reads*: conditions that each match an
index's range (closed in the period: ``closed_at``; reported in it: ``reported_at``; …).
One WHERE that ORs them defeats the indexes at ten million cases (PostgreSQL estimates the
OR badly and scans the table: docs/performance.md §20), so each read is its own GROUP BY,
the reads joined by UNION ALL in one statement and summed here. A row is counted in the
first read that holds it (each read excludes the earlier ones), so no row counts twice.

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
    #: ``reads(period, prefix)``: conditions, each an index's range, whose union holds every
    #: row a measure counts; None: the OR of the measures, read at once.
    reads: Callable[[Period, str], list[Q]] | None = None

    def parts(self, period: Period, prefix: str) -> list[Q]:
        """The reads, each without the rows of the ones before it: they split the rows."""
        if self.reads is None:
            return [reduce(operator.or_, self.measures(period, prefix).values())]
        reads = self.reads(period, prefix)
        return [reduce(operator.and_, [~r for r in reads[:i]], q) for i, q in enumerate(reads)]


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


def _group_q(family: Family, by: str, key: Any) -> Q:
    """The rows ``counts`` reads for a family that fall in the group ``key``."""
    if by == GroupBy.DEPARTMENT:
        return department_q(key)  # on the assignments, for every family
    return case_q(by, key, "" if family.rows is Rows.CASES else "case__")


#: ``counts(…, key=EVERY)``: every group.
EVERY: Any = object()


def counts(
    family: Family, *, period: Period, by: str, actor: Reader, key: Any = EVERY
) -> dict[Any, dict[str, int]]:
    """Every measure of a family for every group of the reader's rows (or for the group
    ``key`` only), in one statement (a GROUP BY per read of the family)."""
    _check_group(family, by)
    distinct = False
    if family.rows is Rows.CASES and by == GroupBy.DEPARTMENT:
        # A department's cases, reached through its responding assignments: a case it had
        # two assignments on (lead and a field unit, or two rounds) still counts once.
        qs: QuerySet[Any] = _assignments(actor).exclude(state__in=NOT_RESPONDING)
        grouped, prefix, counted, distinct = department_key(), "case__", "case_id", True
        restrict = Q()
    elif family.rows is Rows.CASES:
        qs, grouped, prefix, counted = _cases(actor), case_key(by), "", "pk"
        restrict = case_restriction(by)
    else:
        qs = _assignments(actor) if family.rows is Rows.ASSIGNMENTS else _events(actor)
        grouped = department_key() if by == GroupBy.DEPARTMENT else case_key(by, "case__")
        prefix, counted, restrict = "", "pk", case_restriction(by, "case__")
    if key is not EVERY:
        restrict &= _group_q(family, by, key)
    measures = family.measures(period, prefix)
    aggregates = {
        f"n_{name}": Count(counted, filter=q, distinct=distinct) for name, q in measures.items()
    }
    reads = [
        qs.filter(restrict, part).values(group=grouped).annotate(**aggregates).order_by()
        for part in family.parts(period, prefix)
    ]
    rows = reads[0].union(*reads[1:], all=True) if len(reads) > 1 else reads[0]
    table: dict[Any, dict[str, int]] = {}
    for r in rows:
        sums = table.setdefault(r["group"], dict.fromkeys(measures, 0))
        for m in measures:
            sums[m] += r[f"n_{m}"]
    # A read may hold rows no measure counts; a group shows only where something counted.
    return {k: c for k, c in table.items() if any(c.values())}


def measure_cases(
    family: Family,
    measure: str,
    *,
    period: Period,
    by: str,
    key: Any,
    actor: Reader,
) -> QuerySet[Case]:
    """The cases in the reader's scope behind one measure of one group. For a family read
    in several parts this is the UNION ALL of the parts' cases (each case in one part): it
    can be counted, listed and taken as ``pk__in=….values("pk")``, not filtered further."""
    _check_group(family, by)
    condition = family.measures(period, "")[measure]
    cases = _cases(actor)
    if family.rows is Rows.CASES:
        if by == GroupBy.DEPARTMENT:
            theirs = _assignments(actor).exclude(state__in=NOT_RESPONDING).filter(department_q(key))
            group = Q(Exists(theirs.filter(case_id=OuterRef("pk"))))
        else:
            group = case_q(by, key)
        parts = family.parts(period, "")
        if len(parts) == 1:
            return cases.filter(condition, group)
        # Each read's cases, one index range each: an OR of the reads would scan the table.
        found = [cases.filter(part, condition, group) for part in parts]
        return found[0].union(*found[1:], all=True)
    rows = _assignments(actor) if family.rows is Rows.ASSIGNMENTS else _events(actor)
    group = department_q(key) if by == GroupBy.DEPARTMENT else case_q(by, key, "case__")
    behind = rows.filter(condition, group).filter(case_id=OuterRef("pk"))
    return cases.filter(Exists(behind))
