"""The closure and outcome measures at the edges of a period, where reading "closed in P"
and "reported in P" as separate index ranges (``aggregate``: one read each) could count a
case twice or not at all. Five cases of street A, all called to 城管 or left in triage
(Beijing time; MARCH = [1 Mar 00:00, 1 Apr 00:00)):

  E1  reported 24 Feb, report-in limit missed (swept 26 Feb); closed at 1 Mar 00:00 exactly,
      satisfied: closed in March though reported in February, and still open at the end
      of February (closed at its end bound, not before it).
  E2  reported 10 Mar, report-in limit missed (swept 12 Mar); closed at 1 Apr 00:00
      exactly, satisfied: reported in March and open, overdue, at its end.
  E3  reported 25 Mar, still waiting for triage: reported in March, open, never overdue.
  E4  reported 12 Mar, rejected.     E5  reported 25 Mar, merged into E3.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from huying.cases import services
from huying.cases.models import Assignment, Case
from huying.cases.sweep import sweep_deadlines
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.conftest import World
from huying.evaluation import aggregate
from huying.evaluation import indicators as ind
from huying.evaluation.grouping import GroupBy
from huying.evaluation.periods import Period

from .helpers import at

FEBRUARY, MARCH, APRIL = Period.month(2026, 2), Period.month(2026, 3), Period.month(2026, 4)


def _called_late_and_closed(world: World, reported: datetime, closed: datetime) -> Case:
    """Reported and called to 城管 at ``reported``; the report-in limit (the next working
    day, 17:30) swept overdue two days on; worked; closed, satisfied, at ``closed``."""
    street, cg = world.actor("street"), world.actor("dept_cg")
    case = submit(world, grid=0, now=reported)
    item = world.items[Level.GENERAL].pk
    services.case_triage(actor=street, case_id=case.pk, item_id=item, now=reported)
    services.case_call(actor=street, case_id=case.pk, now=reported)
    asg = Assignment.objects.get(case=case)
    late = reported + timedelta(days=2, hours=-1)
    sweep_deadlines(now=late)
    services.assignment_report_in(actor=cg, assignment_id=asg.pk, now=late + timedelta(hours=1))
    services.assignment_accept(actor=cg, assignment_id=asg.pk, now=late + timedelta(hours=1))
    services.assignment_submit_result(
        actor=cg, assignment_id=asg.pk, result="已办结", now=late + timedelta(hours=2)
    )
    verified = closed - timedelta(minutes=5)
    services.case_verify(actor=street, case_id=case.pk, passed=True, now=verified)
    services.case_follow_up(actor=street, case_id=case.pk, satisfaction="satisfied", now=closed)
    return Case.objects.get(pk=case.pk)


def _edges(world: World) -> dict[str, Case]:
    street = world.actor("street")
    e1 = _called_late_and_closed(world, at(2, 24), MARCH.start)
    e2 = _called_late_and_closed(world, at(3, 10), MARCH.end)
    e4 = submit(world, grid=0, now=at(3, 12))
    services.case_reject(actor=street, case_id=e4.pk, reason="不属受理范围", now=at(3, 12, 11))
    e3 = submit(world, grid=0, now=at(3, 25))
    e5 = submit(world, grid=0, now=at(3, 25, 10, 5))
    services.case_merge(actor=street, case_id=e5.pk, master_id=e3.pk, now=at(3, 25, 11))
    cases = {"E1": e1, "E2": e2, "E3": e3, "E4": e4, "E5": e5}
    return {name: Case.objects.get(pk=c.pk) for name, c in cases.items()}


def _closure(period: Period, world: World, by: str = GroupBy.STREET) -> list[tuple[Any, ...]]:
    rows = ind.closure(period=period, by=by, actor=world.district)
    return [(r.key, r.closed, r.on_time_closed, r.overdue_open, r.due) for r in rows]


def _outcome(period: Period, world: World) -> list[tuple[Any, ...]]:
    rows = ind.outcome(period=period, by=GroupBy.STREET, actor=world.district)
    return [(r.key, r.follow_ups, r.satisfied, r.reported, r.resolved) for r in rows]


def _ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_closure_and_outcome_at_the_period_bounds(world: World) -> None:
    cases = _edges(world)
    a = world.streets[0].pk
    assert cases["E1"].closed_at == MARCH.start and cases["E2"].closed_at == MARCH.end
    assert cases["E1"].first_overdue_at is not None and cases["E2"].first_overdue_at is not None
    # February: E1 was open at its end (closed at the end bound), overdue since 26 Feb.
    assert _closure(FEBRUARY, world) == [(a, 0, 0, 1, 1)]
    assert _outcome(FEBRUARY, world) == [(a, 0, 0, 1, 0)]  # E1 reported, not yet resolved
    # March: E1 closed (late), E2 overdue and open; follow-up E1; reported E2, E3 (E4
    # rejected and E5 merged are not valid), neither resolved by the end.
    assert _closure(MARCH, world) == [(a, 1, 0, 1, 2)]
    assert _outcome(MARCH, world) == [(a, 1, 1, 2, 0)]
    # April: E2 closed (late), followed up; E3 is not overdue, so not due.
    assert _closure(APRIL, world) == [(a, 1, 0, 0, 1)]
    assert _outcome(APRIL, world) == [(a, 1, 1, 0, 0)]
    # The same through 城管's assignments and for the district as a whole.
    cg = world.departments["cg"].pk
    assert _closure(MARCH, world, GroupBy.DEPARTMENT) == [(cg, 1, 0, 1, 2)]
    district = world.district.pk
    assert _closure(MARCH, world, GroupBy.DISTRICT) == [(district, 1, 0, 1, 2)]


def test_the_cases_behind_the_bounds(world: World) -> None:
    cases = _edges(world)
    a = world.streets[0].pk

    def behind(code: str, part: ind.Part, period: Period = MARCH, **group: Any) -> set[int]:
        where = group or {"by": GroupBy.STREET, "key": a}
        return _ids(ind.cases_behind(code, part, period=period, actor=world.district, **where))

    def named(*names: str) -> set[int]:
        return {cases[n].pk for n in names}

    assert behind("completion", "denominator") == named("E1", "E2")
    assert behind("completion", "numerator") == named("E1")
    assert behind("on_time_completion", "numerator") == set()
    assert behind("completion", "denominator", FEBRUARY) == named("E1")
    assert behind("resolution_rate", "denominator") == named("E2", "E3")
    assert behind("resolution_rate", "numerator") == set()
    assert behind("satisfaction_rate", "denominator") == named("E1")
    assert behind("satisfaction_rate", "denominator", APRIL) == named("E2")
    cg = world.departments["cg"].pk
    assert behind("completion", "denominator", by=GroupBy.DEPARTMENT, key=cg) == named("E1", "E2")


def test_one_group_is_counted_alone(world: World) -> None:
    """``counts(…, key=…)`` (a drill-down's banner) reads one group: the numbers worked out
    above, and nothing for a group without cases."""
    _edges(world)
    a, b = world.streets[0].pk, world.streets[1].pk
    street = GroupBy.STREET
    closure = aggregate.counts(ind.CLOSURE, period=MARCH, by=street, actor=world.district, key=a)
    assert closure == {a: {"closed": 1, "on_time_closed": 0, "overdue_open": 1, "due": 2}}
    assert aggregate.counts(ind.CLOSURE, period=MARCH, by=street, actor=world.district, key=b) == {}
    cg = world.departments["cg"].pk
    outcome = aggregate.counts(
        ind.OUTCOME, period=MARCH, by=GroupBy.DEPARTMENT, actor=world.district, key=cg
    )
    assert {m: outcome[cg][m] for m in ("follow_ups", "reported", "resolved")} == {
        "follow_ups": 1,
        "reported": 1,  # E2 (E3 was never called)
        "resolved": 0,
    }
