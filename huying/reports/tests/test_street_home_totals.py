"""The street home's 按社区统计 and busiest grids: read from the rollups (reported and ever
overdue, as of their last refresh) with the open counts live, they show what the live GROUP
BY over the street's history shows — worked out here by hand from the cases each test makes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from huying.cases import hooks, services
from huying.cases.models import Case
from huying.cases.queues import street_home
from huying.cases.sweep import sweep_deadlines
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World, square
from huying.org.models import OrgUnit
from huying.org.services import unit_create
from huying.reports.models import TallyMark
from huying.reports.tally import tally_refresh

T = MONDAY_10AM  # 10 March 2026, 10:00 in Beijing
SWEPT = T + timedelta(days=2)  # the report-in limits of the calls at T have run out
LATER = SWEPT + timedelta(hours=1)
REFRESHED = LATER + timedelta(hours=1)


def _called(world: World, grid: int, street: str) -> Case:
    caller = world.actor(street)
    case = submit(world, grid=grid, now=T)
    services.case_triage(
        actor=caller, case_id=case.pk, item_id=world.items[Level.GENERAL].pk, now=T
    )
    services.case_call(actor=caller, case_id=case.pk, now=T)
    return case


def _street_a(world: World) -> OrgUnit:
    """Street 1's cases (and one of street 2's that must never count there):

    第1社区, 网格1-1: one waiting for triage (open); one called and never reported in (open,
    overdue); one split into two parts (a report; its two parts are open, not reports).
    第1社区, 网格1-2: one closed on time, one rejected (reports, neither open nor overdue).
    第1街道第2社区 (made here), 网格1-3: one waiting for triage.
    第2街道, 网格2-1: one called and never reported in (open, overdue): not street 1's.
    """
    street = world.actor("street")
    second = unit_create(
        kind=OrgUnit.Kind.COMMUNITY, code="510199001002", name="第2社区甲", parent=world.streets[0]
    )
    third_grid = unit_create(
        kind=OrgUnit.Kind.GRID,
        code="510199001002001",
        name="网格1-3",
        parent=second,
        boundary=square(104.05, 30.6),
    )
    _called(world, 0, "street")
    _called(world, 2, "street_b")
    sweep_deadlines(now=SWEPT)
    submit(world, grid=0, now=LATER)
    split = submit(world, grid=0, now=LATER)
    services.case_split(
        actor=street,
        case_id=split.pk,
        parts=[{"title": "路灯不亮"}, {"title": "井盖缺失"}],
        reason="一次反映两个问题",
        now=LATER,
    )
    closed = submit(world, grid=1, now=LATER)
    services.case_triage(
        actor=street, case_id=closed.pk, item_id=world.items[Level.SIMPLE].pk, now=LATER
    )
    services.case_self_handle(actor=street, case_id=closed.pk, now=LATER)
    services.case_complete_self(actor=street, case_id=closed.pk, result="已修好", now=LATER)
    services.case_verify(actor=street, case_id=closed.pk, passed=True, now=LATER)
    services.case_follow_up(actor=street, case_id=closed.pk, satisfaction="satisfied", now=LATER)
    rejected = submit(world, grid=1, now=LATER)
    services.case_reject(actor=street, case_id=rejected.pk, reason="不属于受理范围", now=LATER)
    ring = third_grid.boundary["coordinates"][0]  # type: ignore[index]
    submit(world, point=(ring[0][1] + 0.005, ring[0][0] + 0.005), now=LATER)
    return third_grid


#: By hand from ``_street_a``: (name, reported, open, ever overdue), the most reported first.
COMMUNITIES = [("第1社区", 5, 4, 1), ("第2社区甲", 1, 1, 0)]
GRIDS = [("网格1-1", 3, 4, 1), ("网格1-2", 2, 0, 0), ("网格1-3", 1, 1, 0)]


def _tables(world: World) -> tuple[list[tuple[Any, ...]], ...]:
    home = street_home(world.actor("street"), LATER)
    return tuple(
        [(r["name"], r["total"], r["open"], r["overdue"]) for r in b.rows] for b in home.breakdowns
    )


def _as_of(world: World) -> list[Any]:
    return [b.as_of for b in street_home(world.actor("street"), LATER).breakdowns]


def test_the_rollups_give_the_hand_counted_figures(world: World) -> None:
    third_grid = _street_a(world)
    placed = Case.objects.filter(grid=third_grid)
    assert placed.count() == 1  # the report landed in the grid made above
    tally_refresh(now=REFRESHED)
    assert _tables(world) == (COMMUNITIES, GRIDS)
    assert _as_of(world) == [REFRESHED, REFRESHED]


def test_the_live_group_by_gives_the_same_figures(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the rollups' first refresh the home counts live; so it does with no app keeping
    totals at all (no hook registered)."""
    _street_a(world)
    assert not TallyMark.objects.exists()
    assert _tables(world) == (COMMUNITIES, GRIDS)
    assert _as_of(world) == [None, None]
    tally_refresh(now=REFRESHED)
    monkeypatch.setattr(hooks, "_street_totals", None)
    assert _tables(world) == (COMMUNITIES, GRIDS)
    assert _as_of(world) == [None, None]


def test_another_streets_cases_never_count(world: World) -> None:
    _street_a(world)
    tally_refresh(now=REFRESHED)
    street_b = street_home(world.actor("street_b"), LATER)
    assert [
        [(r["name"], r["total"], r["open"], r["overdue"]) for r in b.rows]
        for b in street_b.breakdowns
    ] == [
        [("第2社区", 1, 1, 1)],
        [("网格2-1", 1, 1, 1)],
    ]


def test_totals_wait_for_the_refresh_open_counts_do_not(world: World) -> None:
    _street_a(world)
    tally_refresh(now=REFRESHED)
    submit(world, grid=1, now=REFRESHED + timedelta(minutes=1))
    communities, grids = _tables(world)
    assert communities[0] == ("第1社区", 5, 5, 1)  # reported as of the refresh; open now
    assert ("网格1-2", 2, 1, 0) in grids
    tally_refresh(now=REFRESHED + timedelta(minutes=2))
    assert _tables(world)[0][0] == ("第1社区", 6, 5, 1)


def test_the_home_says_where_the_totals_come_from(world: World) -> None:
    _street_a(world)
    client = Client()
    client.force_login(world.actor("street").user)
    assert "统计汇总" not in client.get("/").content.decode()  # counted live: nothing to say
    tally_refresh(now=REFRESHED)
    page = client.get("/").content.decode()
    assert "“事件”“曾超期”两列是统计汇总截至 2026-03-12 12:00 的数，“未结”是实时数。" in page
    assert "网格1-3" in page and "网格2-1" not in page
