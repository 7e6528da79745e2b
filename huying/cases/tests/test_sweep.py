"""Deadline sweep: due-soon once, overdue once, escalation up the tiers, idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseState, Tier
from huying.cases.sweep import sweep_deadlines
from huying.conftest import MONDAY_10AM, World
from huying.core.models import Notification

from .helpers import case_in_state


def test_overdue_report_in_is_flagged_once_and_supervised(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    # Called Tue 10:00 with 1 working day to report in: due Wed 17:30.
    assert a.report_in_due_at.isoformat() == "2026-03-11T09:30:00+00:00"
    late = a.report_in_due_at + timedelta(minutes=1)
    report = sweep_deadlines(now=late)
    assert report.overdue_assignments == 1
    a.refresh_from_db()
    case.refresh_from_db()
    assert a.overdue and a.supervised and case.overdue and case.supervised
    assert case.first_overdue_at == late  # the indicators read "overdue by T" from it
    version = case.version
    again = sweep_deadlines(now=late + timedelta(hours=1))
    assert again.overdue_assignments == 0
    case.refresh_from_db()
    assert case.version == version


def test_due_soon_warns_once(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    assert a.warn_at is not None and a.due_at is not None and a.warn_at < a.due_at
    before = Notification.objects.filter(kind="due_soon").count()
    assert sweep_deadlines(now=a.warn_at).warned == 1
    assert sweep_deadlines(now=a.warn_at + timedelta(minutes=5)).warned == 0
    assert Notification.objects.filter(kind="due_soon").count() > before


def test_self_handling_escalates_grid_community_street_hub(world: World) -> None:
    case = case_in_state(world, CaseState.SELF_HANDLING)
    assert case.tier == Tier.GRID
    tiers = []
    now = MONDAY_10AM
    for _ in range(3):
        case.refresh_from_db()
        assert case.due_at is not None
        now = case.due_at + timedelta(minutes=1)
        sweep_deadlines(now=now)
        case.refresh_from_db()
        tiers.append(case.tier)
    assert tiers == [Tier.COMMUNITY, Tier.STREET, Tier.HUB]
    assert case.state == CaseState.TRIAGED and case.level == 3 and case.overdue


def test_suspended_clock_is_not_overdue_and_resumes_with_time_left(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    hub = world.actor("hub")
    t0 = MONDAY_10AM + timedelta(hours=1)
    services.case_suspend(actor=hub, case_id=case.pk, reason="等待产权认定", now=t0)
    a.refresh_from_db()
    left = a.paused_remaining
    assert left is not None and left > 0 and a.due_at is not None
    assert sweep_deadlines(now=a.due_at + timedelta(days=30)).overdue_assignments == 0
    t1 = t0 + timedelta(days=14)
    services.case_resume(actor=hub, case_id=case.pk, now=t1)
    a.refresh_from_db()
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and a.paused_remaining is None
    assert a.due_at is not None and a.due_at > t1 and a.report_in_due_at == a.due_at


def test_verification_overdue(world: World) -> None:
    case = case_in_state(world, CaseState.VERIFYING)
    assert case.due_at is not None
    assert sweep_deadlines(now=case.due_at + timedelta(seconds=1)).overdue_verifications == 1
    case.refresh_from_db()
    assert case.overdue and case.state == CaseState.VERIFYING
    assert case.first_overdue_at == case.due_at + timedelta(seconds=1)
    assert Case.objects.get(pk=case.pk).events.last().action == "overdue"  # type: ignore[union-attr]


def test_due_soon_and_overdue_lists(world: World) -> None:
    from huying.cases.selectors import CaseFilters, case_list

    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    assert a.warn_at is not None and a.due_at is not None
    hub = world.actor("hub")

    def listed(now: object, **filters: bool) -> list[int]:
        return [c.pk for c in case_list(hub, CaseFilters(**filters), now=now)]  # type: ignore[arg-type]

    early = a.warn_at - timedelta(minutes=1)
    assert listed(early, due_soon=True) == [] and listed(early, overdue=True) == []
    assert listed(a.warn_at, due_soon=True) == [case.pk]
    late = a.due_at + timedelta(minutes=1)
    assert listed(late, due_soon=True) == [] and listed(late, overdue=True) == [case.pk]
    assert listed(late, overdue=False) == []


@pytest.mark.parametrize("who", ["hub", "street", "dept_cg"])
def test_the_clock_lists_page_through_every_late_case_newest_first(world: World, who: str) -> None:
    """The 超期 and 即将超期 lists (and the map's points, which read them) hold exactly the
    cases whose own clock or one of whose live assignments' clocks is late (or nearly), in
    the actor's scope, newest first, page after page."""
    from huying.cases.rules import ACTIVE_ASSIGNMENT_STATES
    from huying.cases.selectors import CaseFilters, case_list, cases_visible_to, keyset_page

    made = [case_in_state(world, CaseState.IN_PROGRESS) for _ in range(3)]
    made += [case_in_state(world, CaseState.VERIFYING) for _ in range(2)]
    made += [case_in_state(world, CaseState.TRIAGED), case_in_state(world, CaseState.CLOSED)]
    actor = world.actor(who)
    seen = set(cases_visible_to(actor).values_list("pk", flat=True))
    clocks = [
        (c.pk, c.due_at, c.warn_at, c.paused_remaining)
        for c in Case.objects.filter(pk__in=[m.pk for m in made])
    ] + [
        (a.case_id, a.due_at, a.warn_at, a.paused_remaining)
        for a in Assignment.objects.filter(case__in=made, state__in=ACTIVE_ASSIGNMENT_STATES)
    ]
    moments = sorted({due for _pk, due, _warn, _paused in clocks if due is not None})
    assert len(moments) >= 2
    listed = 0
    for now in (moments[0] - timedelta(minutes=1), moments[0] + timedelta(minutes=1),
                moments[-1] + timedelta(days=1)):  # fmt: skip
        late = {pk for pk, due, _w, paused in clocks if paused is None and due and due < now}
        soon = {
            pk
            for pk, due, warn, paused in clocks
            if paused is None and due and warn and warn <= now <= due
        }
        for filters, expected in ((CaseFilters(overdue=True), late),
                                  (CaseFilters(due_soon=True), soon)):  # fmt: skip
            pages, cursor = [], None
            while True:
                rows, cursor = keyset_page(
                    case_list(actor, filters, now=now), cursor=cursor, limit=2
                )
                pages += [c.pk for c in rows]
                if cursor is None:
                    break
            assert pages == sorted(expected & seen, reverse=True), (who, now, filters)
            listed += len(pages) > 1  # more than a page of two, for someone
    assert listed
