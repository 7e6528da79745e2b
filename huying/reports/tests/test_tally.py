"""The rollups hold the same numbers as the case tables: on the hand-checked March, after a
full rebuild, and after incremental refreshes that see events arrive in pieces."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Sum

from huying.cases import services
from huying.cases.models import Case
from huying.cases.tests.helpers import submit
from huying.conftest import World, shared_fixture
from huying.evaluation import indicators as ind
from huying.evaluation.grouping import GroupBy
from huying.evaluation.periods import Period
from huying.evaluation.tests.helpers import at
from huying.evaluation.tests.march import March, build_march
from huying.reports.models import DepartmentTally, Dim, Grain, Tally, TallyMark
from huying.reports.tally import (
    CASE_MEASURES,
    DEPARTMENT_MEASURES,
    tally_rebuild,
    tally_refresh,
)

MARCH = Period.month(2026, 3)
FIRST = date(2026, 3, 1)


@shared_fixture
def march(world: World) -> March:
    return build_march(world)


def month_row(scope: int, dim: str = Dim.TOTAL, key: str = "") -> Tally:
    return Tally.objects.get(grain=Grain.MONTH, day=FIRST, scope_id=scope, dim=dim, key=key)


def day_sum(scope: int, measure: str, dim: str = Dim.TOTAL) -> Any:
    rows = Tally.objects.filter(
        grain=Grain.DAY, day__gte=FIRST, day__lt=date(2026, 4, 1), scope_id=scope, dim=dim
    )
    return rows.aggregate(n=Sum(measure))["n"]


def test_march_rollup_matches_the_hand_counted_cases(march: March) -> None:
    tally_rebuild(now=at(4, 2, 9))
    district = march.world.district.pk
    a, b = march.street_a, march.street_b
    street_a = month_row(a)
    # Reported in March in street A: A1–A10 (A7 rejected and A8 merged are not valid).
    assert (street_a.reported, street_a.valid) == (10, 8)
    # Closed A1 A2 A4 A5 A9, on time all but A2 (as the closure indicator counts them).
    assert (street_a.closed, street_a.on_time_closed) == (5, 4)
    # First overdue in March: A2 (4 Mar), A3 (20 Mar).
    assert street_a.overdue == 2
    # Follow-ups: A1 A5 A9 satisfied, A2 basic, A4 dissatisfied.
    assert (street_a.follow_ups, street_a.satisfied, street_a.basic, street_a.dissatisfied) == (
        5,
        3,
        1,
        1,
    )
    street_b = month_row(b)
    assert (street_b.reported, street_b.closed, street_b.on_time_closed) == (3, 3, 2)
    # The district's row is the sum of its streets' (every case here lies in a street).
    whole = month_row(district)
    assert whole.closed == street_a.closed + street_b.closed
    # The district's street breakdown repeats the street totals; a street has none of its own.
    assert month_row(district, Dim.STREET, str(a)).closed == 5
    assert not Tally.objects.filter(scope_id=a, dim=Dim.STREET).exists()
    # A month's row is the sum of its days.
    for measure in ("reported", "valid", "closed", "on_time_closed", "overdue", "follow_ups"):
        assert day_sum(a, measure) == getattr(street_a, measure), measure


def test_rollup_agrees_with_the_closure_indicator_for_every_grouping(march: March) -> None:
    tally_rebuild(now=at(4, 2, 9))
    district = march.world.district.pk
    for by, dim in (
        (GroupBy.STREET, Dim.STREET),
        (GroupBy.COMMUNITY, Dim.COMMUNITY),
        (GroupBy.GRID, Dim.GRID),
        (GroupBy.CATALOGUE_CLASS, Dim.CATALOGUE_CLASS),
        (GroupBy.SOURCE, Dim.SOURCE),
    ):
        expected = {
            str(r.key): (r.closed, r.on_time_closed)
            for r in ind.closure(period=MARCH, by=by, actor=march.world.district)
            if r.closed
        }
        got = {
            t.key: (t.closed, t.on_time_closed)
            for t in Tally.objects.filter(
                grain=Grain.MONTH, day=FIRST, scope_id=district, dim=dim, closed__gt=0
            )
        }
        assert got == expected, by


def test_department_rollup(march: March) -> None:
    tally_rebuild(now=at(4, 2, 9))
    cg = DepartmentTally.objects.get(
        grain=Grain.MONTH, day=FIRST, department_id=march.department("cg")
    )
    handled = {
        r.key: r
        for r in ind.handling(period=MARCH, by=GroupBy.DEPARTMENT, actor=march.world.district)
    }
    response = {
        r.key: r
        for r in ind.response(period=MARCH, by=GroupBy.DEPARTMENT, actor=march.world.district)
    }
    key = march.department("cg")
    # Handled counts every result submitted in the month (A9's first result was sent back,
    # so the indicator's "handled" — the result that stood — is one fewer).
    assert cg.report_ins == response[key].report_ins
    assert cg.on_time_report_ins == response[key].on_time_report_ins
    assert cg.handled >= handled[key].handled
    assert cg.returned == 1  # A4's return upheld


def test_incremental_refresh_equals_a_rebuild(world: World) -> None:
    """Refreshing after every few events ends where a rebuild from scratch ends — including
    the days a case leaves (rejected after it was counted valid)."""
    march = build_march(world)
    tally_refresh(now=at(4, 2, 9))
    assert TallyMark.objects.get().last_event_id > 0
    # Later: a new case reported and rejected; a day recounted on each refresh.
    case = submit(world, title="新的占道经营", now=at(4, 3, 9))
    tally_refresh(now=at(4, 3, 9, 30))
    services.case_reject(
        actor=world.actor("street"), case_id=case.pk, reason="重复", now=at(4, 3, 10)
    )
    report = tally_refresh(now=at(4, 3, 11))
    assert report.events == 1 and report.days >= 1
    incremental = _snapshot()
    tally_rebuild(now=at(4, 3, 11))
    assert _snapshot() == incremental
    april = Tally.objects.get(
        grain=Grain.MONTH, day=date(2026, 4, 1), scope_id=march.street_a, dim=Dim.TOTAL
    )
    assert april.reported - april.valid >= 1  # the rejected case counts as reported only


def test_a_reopened_case_leaves_the_day_it_was_closed(march: March) -> None:
    tally_refresh(now=at(4, 2, 9))
    a4: Case = Case.objects.get(pk=march.cases["A4"].pk)  # dissatisfied
    closed_day = a4.closed_at
    assert closed_day is not None
    before = month_row(march.street_a).closed
    services.case_reopen(
        actor=march.world.actor("hub"),
        case_id=a4.pk,
        reason="居民再次反映",
        now=closed_day + timedelta(days=1),
    )
    tally_refresh(now=closed_day + timedelta(days=1, hours=1))
    assert month_row(march.street_a).closed == before - 1


def test_refresh_with_nothing_new_does_nothing(
    march: March, django_assert_max_num_queries: Any
) -> None:
    tally_refresh(now=at(4, 2, 9))
    with django_assert_max_num_queries(6):
        assert tally_refresh(now=at(4, 2, 10)).events == 0


def _snapshot() -> set[tuple[Any, ...]]:
    keys = ("grain", "day")
    cases = set(Tally.objects.values_list(*keys, "scope_id", "dim", "key", *CASE_MEASURES))
    departments = set(
        DepartmentTally.objects.values_list(*keys, "department_id", *DEPARTMENT_MEASURES)
    )
    return cases | departments
