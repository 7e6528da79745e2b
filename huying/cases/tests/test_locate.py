"""定位: the hub puts a case that landed in no grid into one, by a point or a grid, with a
compare-and-set and an event on its trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huying.cases import services
from huying.cases.models import Case, CaseState, Source
from huying.cases.queues import hub_home, unplaced
from huying.cases.rules import action_label
from huying.cases.selectors import cases_visible_to
from huying.cases.tests.helpers import case_in_state
from huying.cases.trail import check_trails
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied

T = MONDAY_10AM


def nowhere(world: World, *, source: str = Source.HOTLINE, minutes: int = 0) -> Case:
    """A ticket as the 12345 import makes one the gazetteer could not place."""
    return services.case_submit(
        actor=world.actor("hub"),
        title="路灯不亮",
        source=source,
        address="天府广场东侧",
        now=T + timedelta(minutes=minutes),
    )


def test_a_case_with_no_place_is_in_no_grid(world: World) -> None:
    case = nowhere(world)
    assert (case.grid_id, case.community_id, case.street_id) == (None, None, None)
    assert case.territory_path == world.district.path


def test_placed_by_a_point_the_grid_follows_the_outline(world: World) -> None:
    case = nowhere(world)
    lat, lng = world.point_in(2)
    placed = services.case_locate(
        actor=world.actor("hub"), case_id=case.pk, lat=lat, lng=lng, now=T, expected_version=1
    )
    again = Case.objects.get(pk=case.pk)
    assert again.grid_id == world.grids[2].pk
    assert again.community_id == world.communities[1].pk
    assert again.street_id == world.streets[1].pk
    assert again.territory_path == world.grids[2].path
    assert (again.lat, again.lng) == (lat, lng)
    assert again.version == placed.version == 2
    assert again.state == CaseState.SUBMITTED  # a change of place, not a step
    event = again.events.get(seq=2)
    assert event.action == "locate" and str(action_label("locate")) == "定位"
    assert event.before["grid"] is None and event.after["grid"] == world.grids[2].pk
    report = check_trails()
    assert report.breaks == [] and report.mismatches == []


def test_placed_by_a_grid_without_a_point(world: World) -> None:
    case = nowhere(world)
    services.case_locate(actor=world.actor("hub_sup"), case_id=case.pk, grid_id=world.grids[1].pk)
    again = Case.objects.get(pk=case.pk)
    assert again.grid_id == world.grids[1].pk and again.lat is None
    assert again in cases_visible_to(world.actor("street"))  # now its street sees it


FAR = (10.0, 10.0)


@pytest.mark.parametrize(
    ("grid", "point", "message"),
    [
        (None, None, "请在地图上点选位置或选择网格"),
        (None, FAR, "不在本区任何网格内"),
        (1, FAR, "不在所选网格内"),
        (1, 2, "不在所选网格内"),  # a point in grid 2 with grid 1 chosen
        (-1, None, "所选网格不存在"),  # the district is no grid
    ],
)
def test_refused_places_change_nothing(
    world: World, grid: int | None, point: tuple[float, float] | int | None, message: str
) -> None:
    case = nowhere(world)
    grid_id = None if grid is None else world.district.pk if grid < 0 else world.grids[grid].pk
    lat, lng = world.point_in(point) if isinstance(point, int) else point or (None, None)
    with pytest.raises(InvalidInput, match=message):
        services.case_locate(
            actor=world.actor("hub"), case_id=case.pk, grid_id=grid_id, lat=lat, lng=lng
        )
    assert Case.objects.get(pk=case.pk).version == 1


def test_only_the_hub_places(world: World) -> None:
    case = nowhere(world)
    for name in ("street", "admin", "leader", "dept_cg"):
        with pytest.raises(PermissionDenied):
            services.case_locate(
                actor=world.actor(name), case_id=case.pk, grid_id=world.grids[0].pk
            )


def test_a_closed_case_stays_where_it_was(world: World) -> None:
    case = case_in_state(world, CaseState.REJECTED)
    with pytest.raises(InvalidTransition):
        services.case_locate(actor=world.actor("hub"), case_id=case.pk, grid_id=world.grids[3].pk)


def test_a_stale_version_is_a_conflict(world: World) -> None:
    case = nowhere(world)
    services.case_locate(actor=world.actor("hub"), case_id=case.pk, grid_id=world.grids[0].pk)
    with pytest.raises(Conflict):
        services.case_locate(
            actor=world.actor("hub"),
            case_id=case.pk,
            grid_id=world.grids[1].pk,
            expected_version=1,
        )
    assert Case.objects.get(pk=case.pk).grid_id == world.grids[0].pk


def test_the_queue_lists_open_unplaced_cases_12345_first(world: World) -> None:
    inspection = nowhere(world, source=Source.INSPECTION)
    late = nowhere(world, minutes=5)
    early = nowhere(world, minutes=1)
    placed = nowhere(world)
    services.case_locate(actor=world.actor("hub"), case_id=placed.pk, grid_id=world.grids[0].pk)
    case_in_state(world, CaseState.SUBMITTED)  # in a grid from the start
    hub = world.actor("hub")
    assert list(unplaced(cases_visible_to(hub))) == [early, late, inspection]
    queue = next(q for q in hub_home(hub, T).queues if q.key == "unplaced")
    assert queue.count == 3
