"""小事不出网格、大事不出社区、重大事情不出街道: the share of the cases closed in a month that
were settled at each tier, by street, community and grid, and the cases behind each count."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from huying.cases import services
from huying.cases.models import Assignment, Case
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.conftest import World, shared_fixture
from huying.evaluation import indicators as ind
from huying.evaluation.grouping import GroupBy
from huying.evaluation.periods import Period

from .helpers import at

MARCH = Period.month(2026, 3)


def settle_at_tier(world: World, *, grid: int, climbs: int, when: datetime) -> Case:
    """A simple case self-handled from its grid, raised ``climbs`` tiers (three: to the hub,
    which dispatches it to 城管局), then settled, verified and closed."""
    street = world.actor("street" if grid < 2 else "street_b")
    case = submit(world, grid=grid, now=when)
    services.case_triage(
        actor=street, case_id=case.pk, item_id=world.items[Level.SIMPLE].pk, now=when
    )
    services.case_self_handle(actor=street, case_id=case.pk, now=when)
    for _ in range(climbs):
        services.case_escalate(actor=None, case_id=case.pk, reason="超出能力", now=when)
    t = when + timedelta(hours=1)
    if climbs == 3:
        hub = world.actor("hub")
        services.case_hub_dispatch(
            actor=hub, case_id=case.pk, lead_department_id=world.departments["cg"].pk, now=t
        )
        a = Assignment.objects.get(case=case)
        dept = world.actor("dept_cg")
        services.assignment_report_in(actor=dept, assignment_id=a.pk, now=t)
        services.assignment_accept(actor=dept, assignment_id=a.pk, now=t)
        services.assignment_submit_result(actor=dept, assignment_id=a.pk, result="已办结", now=t)
    else:
        services.case_complete_self(actor=street, case_id=case.pk, result="已处置", now=t)
    services.case_verify(actor=street, case_id=case.pk, passed=True, now=t)
    services.case_follow_up(
        actor=street, case_id=case.pk, satisfaction="satisfied", now=t + timedelta(minutes=5)
    )
    return Case.objects.get(pk=case.pk)


@shared_fixture
def settled(world: World) -> dict[str, Case]:
    """Street A, grid 0: two at the grid, one each at the community, the street and above
    (the hub); grid 1: one at the grid; grid 0 also one closed in April (not March's).
    Street B (grid 2): one at the grid."""
    plan = {
        "g1": (0, 0, at(3, 2)),
        "g2": (0, 0, at(3, 3)),
        "c": (0, 1, at(3, 4)),
        "s": (0, 2, at(3, 5)),
        "h": (0, 3, at(3, 6)),
        "g3": (1, 0, at(3, 9)),
        "april": (0, 0, at(4, 2)),
        "b": (2, 0, at(3, 10)),
    }
    return {k: settle_at_tier(world, grid=g, climbs=n, when=t) for k, (g, n, t) in plan.items()}


def test_each_closed_case_counts_at_the_tier_that_settled_it(
    world: World, settled: dict[str, Case]
) -> None:
    assert (settled["c"].route, settled["c"].tier) == ("self", "community")
    assert settled["h"].route == "hub"
    [street_a, street_b] = ind.tiers(period=MARCH, by=GroupBy.STREET, actor=world.district)
    assert street_a.key == world.streets[0].pk
    counts = (
        street_a.closed,
        street_a.grid,
        street_a.community,
        street_a.street,
        street_a.above,
    )
    assert counts == (6, 3, 1, 1, 1)
    assert street_a.grid_share == Decimal(1) / 2
    assert street_a.in_community_share == Decimal(4) / 6
    assert street_a.in_street_share == Decimal(5) / 6
    assert street_a.above_share == Decimal(1) / 6
    assert (street_b.closed, street_b.grid, street_b.grid_share) == (1, 1, Decimal(1))


def test_by_grid_and_the_cases_behind(world: World, settled: dict[str, Case]) -> None:
    grids = {r.key: r for r in ind.tiers(period=MARCH, by=GroupBy.GRID, actor=world.district)}
    g0, g1 = world.grids[0].pk, world.grids[1].pk
    assert (grids[g0].closed, grids[g0].grid, grids[g1].closed, grids[g1].grid) == (5, 2, 1, 1)
    behind = ind.cases_behind(
        "grid_share", "numerator", period=MARCH, by=GroupBy.GRID, key=g0, actor=world.district
    )
    assert set(behind) == {settled["g1"], settled["g2"]}
    above = ind.cases_behind(
        "above_share",
        "numerator",
        period=MARCH,
        by=GroupBy.COMMUNITY,
        key=world.communities[0].pk,
        actor=world.district,
    )
    assert list(above) == [settled["h"]]


def test_a_street_sees_only_its_own_territory(world: World, settled: dict[str, Case]) -> None:
    rows = ind.tiers(period=MARCH, by=GroupBy.STREET, actor=world.actor("street_b"))
    assert [(r.key, r.closed) for r in rows] == [(world.streets[1].pk, 1)]
