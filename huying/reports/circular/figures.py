"""The figures of a monthly circular, gathered once and kept (``Circular.figures``).

Everything is read through the evaluation code the console uses — department scores with
the ranking guard (``scores``), the indicator families (``indicators``, read for the
circular's district as a whole: its cases and its departments' work, never another
district's) — plus three lists of the month's cases: overdue assignments, returns, and
notable cases (supervised, reopened, escalated to the hub). The result is plain JSON (rates
as decimal strings, times as ISO strings) so that a circular renders the same from its
snapshot for ever, whatever is rated or corrected afterwards.

Definitions used only here:

- **Overdue (超期)** — a responding assignment whose report-in or handling limit fell
  before the month's end (or ``now`` for the running month) and was missed: not reported
  in / no result by the limit, and still missing at the start of the month or met late in
  it. Days overdue run from the limit to when it was met, or to the end of the month.
  Paused (suspended) clocks are left out, as the handling indicators leave them out.
- **Returned (退回)** — a department's request to return an assignment made in the month,
  with its reason and the hub's ruling (upheld / refused / pending).
- **Notable (重点事件)** — cases supervised (督办), reopened (重启) or escalated by a street
  to the hub (上报呼应办) in the month, a handful of each.
- **Joint operations (联合执法)** — the 一联合 operations held in the month
  (huying.coordination), with their units and the cases they settled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from huying.access.selectors import district_figures
from huying.cases.models import Assignment, CaseEvent
from huying.coordination.selectors import operations_held
from huying.core.replicas import lagging_reads
from huying.evaluation import indicators as ind
from huying.evaluation.aggregate import Family, counts
from huying.evaluation.grouping import GroupBy
from huying.evaluation.periods import Period
from huying.evaluation.rules import NOT_RESPONDING
from huying.evaluation.scores import monthly_department_scores, monthly_unit_scores
from huying.org.models import OrgUnit

K = OrgUnit.Kind

#: Bumped when the snapshot's shape changes; renderers may read older shapes.
FIGURES_VERSION = 1
#: How many rows of each case list a circular prints (the totals are always given).
LIST_LIMIT = 15
NOTABLE_LIMIT = 5

NOTABLE_ACTIONS: dict[str, tuple[str, ...]] = {
    "supervised": ("supervise", "assignment.supervise"),
    "reopened": ("reopen",),
    "escalated": ("escalate_to_hub",),
}


def rate(value: Decimal | None) -> str | None:
    """A rate as a decimal string with 6 places (enough for any percentage to 0.1)."""
    if value is None:
        return None
    return str(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def score(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Scope:
    district: OrgUnit
    period: Period
    as_of: datetime  # the month's end, or now for the running month


@lagging_reads()
def circular_figures(*, district: OrgUnit, year: int, month: int, now: datetime) -> dict[str, Any]:
    """Every number and list the circular prints, as a JSON-able dict."""
    period = Period.month(year, month)
    scope = Scope(district=district, period=period, as_of=min(period.end, now))
    streets = list(
        OrgUnit.objects.filter(kind=K.STREET, is_active=True, path__startswith=district.path)
        .defer("boundary")
        .order_by("code")
    )
    hub = (
        OrgUnit.objects.filter(kind=K.HUB, path__startswith=district.path)
        .defer("boundary")
        .order_by("pk")
        .first()
    )
    ranking = monthly_department_scores(year=year, month=month, district=district)
    overdue = _overdue(scope)
    returned = _returned(scope)
    counted = Counted.read(scope)
    return {
        "version": FIGURES_VERSION,
        "district": {"id": district.pk, "name": district.name},
        "issuer": hub.name if hub else "",
        "year": year,
        "month": month,
        "as_of": scope.as_of.isoformat(),
        "complete": now >= period.end,
        "min_cases": settings.HUYING_RANKING_MIN_CASES,
        "overview": _overview(scope, counted, overdue_total=overdue["total"], returns=returned),
        "ranking": [
            {
                "id": s.department_id,
                "name": s.name,
                "cases": s.cases,
                "score": score(s.score),
                "rank": s.rank,
            }
            for s in ranking
        ],
        # Added later: a snapshot without it renders without the field units' section.
        "units": [
            {
                "id": s.unit_id,
                "name": s.name,
                "department": s.department,
                "cases": s.cases,
                "score": score(s.score),
                "rank": s.rank,
            }
            for s in monthly_unit_scores(year=year, month=month, district=district)
            if s.cases
        ],
        "by_street": _by_street(counted, streets),
        "by_department": _by_department(counted, [(s.department_id, s.name) for s in ranking]),
        "overdue": overdue,
        "returned": returned,
        "notable": _notable(scope),
        "joint_operations": _joint_operations(scope),
        "community_tasks": _community_tasks(district, year, month),
    }


# --- indicators ----------------------------------------------------------------------------------


def _keyed(rows: Iterable[Any]) -> dict[Any, Any]:
    return {r.key: r for r in rows}


@dataclass(frozen=True)
class Counted:
    """Each family the circular prints, counted once per grouping it is printed by, for the
    district: by street (the streets' table) and by department (the departments'). The
    district's overview is the sum of one of them — the streets, the empty one included,
    split the district's rows, and so do the departments a family's assignments (each
    assignment is one department's). One statement per family and grouping, instead of one
    per indicator, and per grouping, that reads the family."""

    by_street: dict[str, ind.Table]  # by family name
    by_department: dict[str, ind.Table]
    district: dict[str, ind.Table]

    @classmethod
    def read(cls, scope: Scope) -> Counted:
        def count(family: Family, by: str) -> ind.Table:
            return counts(family, period=scope.period, by=by, actor=scope.district)

        street_families = (
            ind.CLOSURE,
            ind.OUTCOME,
            ind.RESPONSE,
            ind.CALLS,
            ind.VERIFICATION,
            ind.REPORTS,
        )
        by_street = {f.name: count(f, GroupBy.STREET) for f in street_families}
        department_families = (ind.HANDLING, ind.RESPONSE, ind.CLOSURE, ind.OUTCOME)
        by_department = {f.name: count(f, GroupBy.DEPARTMENT) for f in department_families}
        # Handling is printed by department only: its overview is the departments' sum (by
        # street it would join every assignment of the month's limits to its case).
        whole = by_street | {"handling": by_department["handling"]}
        district = {name: ind.total(table, scope.district.pk) for name, table in whole.items()}
        return cls(by_street, by_department, district)


def _overview(
    scope: Scope, counted: Counted, *, overdue_total: int, returns: dict[str, Any]
) -> dict[str, Any]:
    t = counted.district

    def first(rows: list[Any]) -> Any:
        """The district's row (none in a month without cases)."""
        return _keyed(rows).get(scope.district.pk)

    closure = first(ind.rows(ind.ClosureRow, t["closure"]))
    handling = first(ind.rows(ind.HandlingRow, t["handling"]))
    response = first(ind.rows(ind.ResponseRow, t["response"]))
    outcome = first(ind.rows(ind.OutcomeRow, t["outcome"]))
    calls = first(ind.call_rows(t["calls"], t["outcome"]))
    verification = first(ind.rows(ind.VerificationRow, t["verification"]))
    reports = first(ind.rows(ind.ReportRow, t["reports"]))
    three = first(ind.three_rates_rows(t["response"], t["outcome"]))

    def get(row: Any, name: str, default: Any = 0) -> Any:
        return getattr(row, name) if row is not None else default

    return {
        "reports": get(reports, "reports"),
        "valid_reports": get(reports, "valid_reports"),
        "closed": get(closure, "closed"),
        "due": get(closure, "due"),
        "overdue_open": get(closure, "overdue_open"),
        "completion": rate(get(closure, "completion", None)),
        "on_time_completion": rate(get(closure, "on_time_completion", None)),
        "assignments_due": get(handling, "due"),
        "handled": get(handling, "handled"),
        "handling_rate": rate(get(handling, "handling_rate", None)),
        "on_time_handling_rate": rate(get(handling, "on_time_handling_rate", None)),
        "rework_rate": rate(get(handling, "rework_rate", None)),
        "due_report_ins": get(response, "due_report_ins"),
        "response_rate": rate(get(response, "response_rate", None)),
        "follow_ups": get(outcome, "follow_ups"),
        "satisfied": get(outcome, "satisfied"),
        "basic": get(outcome, "basic"),
        "dissatisfied": get(outcome, "dissatisfied"),
        "satisfaction_rate": rate(get(outcome, "satisfaction_rate", None)),
        "resolution_rate": rate(get(outcome, "resolution_rate", None)),
        "calls": get(calls, "calls"),
        "misrouted": get(calls, "misrouted"),
        "call_accuracy": rate(get(calls, "call_accuracy", None)),
        "verifications": get(verification, "verifications"),
        "on_time_verification_rate": rate(get(verification, "on_time_verification_rate", None)),
        "three_rates_score": score(get(three, "score", None)),
        "overdue": overdue_total,
        "returns": returns["total"],
        "returns_upheld": returns["upheld"],
    }


def _by_street(counted: Counted, streets: list[OrgUnit]) -> list[dict[str, Any]]:
    table = counted.by_street
    closure = _keyed(ind.rows(ind.ClosureRow, table["closure"]))
    outcome = _keyed(ind.rows(ind.OutcomeRow, table["outcome"]))
    calls = _keyed(ind.call_rows(table["calls"], table["outcome"]))
    verification = _keyed(ind.rows(ind.VerificationRow, table["verification"]))
    three = _keyed(ind.three_rates_rows(table["response"], table["outcome"]))
    rows = []
    for street in streets:
        c, o, k = closure.get(street.pk), outcome.get(street.pk), calls.get(street.pk)
        v, t = verification.get(street.pk), three.get(street.pk)
        rows.append(
            {
                "id": street.pk,
                "name": street.name,
                "reported": o.reported if o else 0,
                "closed": c.closed if c else 0,
                "due": c.due if c else 0,
                "completion": rate(c.completion) if c else None,
                "on_time_completion": rate(c.on_time_completion) if c else None,
                "resolution_rate": rate(o.resolution_rate) if o else None,
                "satisfaction_rate": rate(o.satisfaction_rate) if o else None,
                "calls": k.calls if k else 0,
                "call_accuracy": rate(k.call_accuracy) if k else None,
                "on_time_verification_rate": rate(v.on_time_verification_rate) if v else None,
                "three_rates_score": score(t.score) if t else None,
            }
        )
    return rows


def _by_department(counted: Counted, departments: list[tuple[int, str]]) -> list[dict[str, Any]]:
    table = counted.by_department
    handling = _keyed(ind.rows(ind.HandlingRow, table["handling"]))
    response = _keyed(ind.rows(ind.ResponseRow, table["response"]))
    closure = _keyed(ind.rows(ind.ClosureRow, table["closure"]))
    outcome = _keyed(ind.rows(ind.OutcomeRow, table["outcome"]))
    rows = []
    for pk, name in sorted(departments, key=lambda d: d[0]):
        h, r, c, o = handling.get(pk), response.get(pk), closure.get(pk), outcome.get(pk)
        rows.append(
            {
                "id": pk,
                "name": name,
                "assignments_due": h.due if h else 0,
                "handled": h.handled if h else 0,
                "handling_rate": rate(h.handling_rate) if h else None,
                "on_time_handling_rate": rate(h.on_time_handling_rate) if h else None,
                "rework_rate": rate(h.rework_rate) if h else None,
                "response_rate": rate(r.response_rate) if r else None,
                "completion": rate(c.completion) if c else None,
                "satisfaction_rate": rate(o.satisfaction_rate) if o else None,
            }
        )
    return rows


# --- the month's cases ---------------------------------------------------------------------------


def _department_name(unit: OrgUnit) -> str:
    if unit.kind == K.FIELD_UNIT and unit.parent is not None:
        return f"{unit.parent.name}（{unit.name}）"
    return unit.name


def _days(due: datetime, met: datetime | None, as_of: datetime) -> int:
    end = met if met is not None and met < as_of else as_of
    return max(1, math.ceil((end - due).total_seconds() / 86400))


def _late(due: datetime | None, met: datetime | None, scope: Scope) -> tuple[bool, int]:
    """Was a limit missed, and still missed in the month? And by how many days."""
    if due is None or due >= scope.as_of:
        return False, 0
    if met is not None and (met <= due or met < scope.period.start):
        return False, 0
    return True, _days(due, met, scope.as_of)


def _overdue(scope: Scope) -> dict[str, Any]:
    start, as_of = scope.period.start, scope.as_of
    missed_report_in = Q(report_in_due_at__lt=as_of) & (
        Q(reported_in_at__isnull=True) | Q(reported_in_at__gt=F("report_in_due_at"))
    )
    missed_handling = Q(handle_due_at__lt=as_of) & (
        Q(result_at__isnull=True) | Q(result_at__gt=F("handle_due_at"))
    )
    candidates = (
        Assignment.objects.exclude(state__in=NOT_RESPONDING)
        .filter(case__district=scope.district, paused_remaining__isnull=True)
        .exclude(case__state__in=ind.INVALID)
        .exclude(case__state__in=ind.CLOSED, case__closed_at__lt=start)
        .filter(missed_report_in | missed_handling)
        # still missing when the month began, or met late within it
        .filter(
            Q(reported_in_at__isnull=True, report_in_due_at__lt=as_of)
            | Q(reported_in_at__gte=start)
            | Q(result_at__isnull=True, handle_due_at__lt=as_of)
            | Q(result_at__gte=start)
        )
        .select_related("case__street", "department__parent")
        .defer("case__street__boundary", "department__boundary", "department__parent__boundary")
    )
    rows: list[dict[str, Any]] = []
    for a in candidates:
        report_late, report_days = _late(a.report_in_due_at, a.reported_in_at, scope)
        handle_late, handle_days = _late(a.handle_due_at, a.result_at, scope)
        if handle_late:
            met = a.result_at is not None and a.result_at < as_of
            status, days, due = (
                ("handled_late" if met else "unhandled"),
                handle_days,
                a.handle_due_at,
            )
        elif report_late:
            met = a.reported_in_at is not None and a.reported_in_at < as_of
            status = "reported_late" if met else "not_reported"
            days, due = report_days, a.report_in_due_at
        else:
            continue
        assert due is not None
        rows.append(
            {
                "number": a.case.number,
                "title": a.case.title,
                "street": a.case.street.name if a.case.street else "",
                "department": _department_name(a.department),
                "due_at": due.isoformat(),
                "days": days,
                "status": status,
                "open": not met,
            }
        )
    rows.sort(key=lambda r: (-r["days"], r["number"]))
    return {
        "total": len(rows),  # assignments (件次): a case late at two departments counts twice
        "cases": len({r["number"] for r in rows}),
        "open": sum(1 for r in rows if r["open"]),
        "rows": rows[:LIST_LIMIT],
    }


def _returned(scope: Scope) -> dict[str, Any]:
    requests = list(
        CaseEvent.objects.filter(
            action="assignment.request_return",
            at__gte=scope.period.start,
            at__lt=scope.as_of,
            case__district=scope.district,
        )
        .select_related("case__street", "assignment__department__parent")
        .defer(
            "case__street__boundary",
            "assignment__department__boundary",
            "assignment__department__parent__boundary",
        )
        .order_by("at", "pk")
    )
    rulings: dict[int, list[CaseEvent]] = {}
    for e in CaseEvent.objects.filter(
        action__in=("assignment.uphold_return", "assignment.refuse_return"),
        assignment_id__in={r.assignment_id for r in requests},
    ).order_by("seq"):
        assert e.assignment_id is not None
        rulings.setdefault(e.assignment_id, []).append(e)
    rows = []
    for r in requests:
        assert r.assignment is not None
        ruling = next(
            (
                e
                for e in rulings.get(r.assignment.pk, [])
                if e.case_id == r.case_id and e.seq > r.seq
            ),
            None,
        )
        if ruling is None or ruling.at >= scope.as_of:
            outcome = "pending"
        else:
            outcome = "upheld" if ruling.action.endswith("uphold_return") else "refused"
        rows.append(
            {
                "number": r.case.number,
                "title": r.case.title,
                "street": r.case.street.name if r.case.street else "",
                "department": _department_name(r.assignment.department),
                "reason": r.reason,
                "at": r.at.isoformat(),
                "outcome": outcome,
            }
        )
    return {
        "total": len(rows),
        "upheld": sum(1 for r in rows if r["outcome"] == "upheld"),
        "refused": sum(1 for r in rows if r["outcome"] == "refused"),
        "rows": rows[:LIST_LIMIT],
    }


def _notable(scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, actions in NOTABLE_ACTIONS.items():
        events = (
            CaseEvent.objects.filter(
                action__in=actions,
                at__gte=scope.period.start,
                at__lt=scope.as_of,
                case__district=scope.district,
            )
            .select_related("case__street")
            .defer("case__street__boundary")
            .order_by("at", "pk")
        )
        seen: dict[int, dict[str, Any]] = {}
        for e in events:
            if e.case_id in seen:
                continue
            seen[e.case_id] = {
                "number": e.case.number,
                "title": e.case.title,
                "street": e.case.street.name if e.case.street else "",
                "at": timezone.localtime(e.at).isoformat(),
                "reason": e.reason,
                "state": e.case.state,
            }
        rows = list(seen.values())
        out[kind] = {"total": len(rows), "rows": rows[:NOTABLE_LIMIT]}
    return out


def _joint_operations(scope: Scope) -> dict[str, Any]:
    start = timezone.localtime(scope.period.start).date()
    end = timezone.localtime(scope.period.end).date()
    ops = list(operations_held(scope.district, start, end))
    return {
        "total": len(ops),
        "rows": [
            {
                "held_on": op.held_on.isoformat(),
                "title": op.title,
                "organiser": op.organiser.name,
                "place": op.place,
                "units": [u.name for u in sorted(op.units.all(), key=lambda u: u.code)],
                "cases": sorted(c.number for c in op.cases.all()),
                "results": op.results,
            }
            for op in ops[:LIST_LIMIT]
        ],
    }


def _community_tasks(district: OrgUnit, year: int, month: int) -> dict[str, Any]:
    """向社区摊派情况: each sender's tasks to the communities, refused at the gate, flagged."""
    rows = district_figures(district, year, month)
    return {
        "sent": sum(r.sent for r in rows),
        "refused": sum(r.refused for r in rows),
        "flagged": sum(r.flagged for r in rows),
        "senders": len(rows),
        "rows": [
            {"name": r.sender.name, "sent": r.sent, "refused": r.refused, "flagged": r.flagged}
            for r in rows[:LIST_LIMIT]
        ],
    }
