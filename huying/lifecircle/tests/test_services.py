"""Keeping points: the community is where the point stands, a street keeps only its own,
bad input and stale pages change nothing, every change is in the change log; the nearby
search agrees with a brute-force scan."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import pytest

from huying.conftest import MONDAY_10AM, World
from huying.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from huying.core.geo import distance_m
from huying.core.models import ChangeLog
from huying.lifecircle import rules, selectors, services
from huying.lifecircle.models import ServiceKind, ServicePoint
from huying.lifecircle.tests.helpers import WEEKDAYS_9_TO_5, kinds, point
from huying.onewindow.tests.helpers import item

pytestmark = pytest.mark.django_db

IN_1 = (30.605, 104.005)  # grid 0: street 1, community 1
IN_2 = (30.605, 104.025)  # grid 2: street 2, community 2


def test_the_community_is_where_the_point_stands(world: World) -> None:
    kinds()
    made = point(world, at=IN_1, phone="021-65001234", services=["家庭医生签约", " ", "慢病随访"])
    assert made.community == world.communities[0]
    assert made.services == ["家庭医生签约", "慢病随访"]
    assert made.hours["1"] == [["09:00", "17:00"]] and made.hours["6"] == []
    log = ChangeLog.objects.get(action="lifecircle.point_create")
    assert log.after is not None
    assert log.after["community"] == world.communities[0].pk


@pytest.mark.parametrize(
    ("who", "at", "error"),
    [
        ("street", (30.0, 104.005), InvalidInput),  # outside every grid
        ("street_b", IN_1, InvalidInput),  # another street's community
        ("community", IN_1, PermissionDenied),  # communities do not keep points
        ("resident", IN_1, PermissionDenied),
        ("dept_cg", IN_1, PermissionDenied),
    ],
)
def test_a_refused_point_creates_nothing(
    world: World, who: str, at: tuple[float, float], error: type[Exception]
) -> None:
    kinds()
    with pytest.raises(error) as refused:
        point(world, at=at, who=who)
    if error is InvalidInput:
        assert refused.value.details["field"] == "lat"  # type: ignore[attr-defined]
    assert not ServicePoint.objects.exists()
    assert not ChangeLog.objects.filter(action__startswith="lifecircle.point").exists()


def test_the_district_places_points_anywhere(world: World) -> None:
    kinds()
    assert point(world, at=IN_2, who="admin").community == world.communities[1]


@pytest.mark.parametrize(
    "bad",
    [
        {"hours": {"1": ["9-5"]}},
        {"phone": "call me"},
        {"name": " "},
        {"address": ""},
        {"services": ["x" * 101]},
    ],
)
def test_bad_input_creates_nothing(world: World, bad: dict[str, Any]) -> None:
    kinds()
    with pytest.raises(InvalidInput):
        point(world, at=IN_1, **bad)
    assert not ServicePoint.objects.exists()


def test_only_published_window_items_may_be_linked(world: World) -> None:
    kinds()
    published = item(world)
    draft = item(world, code="FW002", name="残疾人补贴", published=False)
    made = point(world, at=IN_1, kind="party", item_ids=[published.pk])
    assert list(made.items.all()) == [published]
    with pytest.raises(InvalidInput):
        point(world, at=IN_1, kind="party", item_ids=[draft.pk])


def _update(world: World, made: ServicePoint, *, who: str = "street", **kw: Any) -> ServicePoint:
    values: dict[str, Any] = {
        "name": made.name,
        "kind_id": made.kind_id,
        "address": made.address,
        "lat": made.lat,
        "lng": made.lng,
        "hours": WEEKDAYS_9_TO_5,
        **kw,
    }
    return services.point_update(
        actor=world.actor(who), now=MONDAY_10AM, point_id=made.pk, version=made.version, **values
    )


def test_a_stale_edit_changes_nothing(world: World) -> None:
    kinds()
    made = point(world, at=IN_1)
    _update(world, made, name="新名称")
    with pytest.raises(Conflict):
        _update(world, made, name="旧页面上的名称")
    made.refresh_from_db()
    assert (made.name, made.version) == ("新名称", 2)
    log = ChangeLog.objects.get(action="lifecircle.point_update")
    assert (log.before, log.after) == ({"name": "第一社区卫生服务站"}, {"name": "新名称"})


def test_moving_a_point_out_of_the_street_is_refused(world: World) -> None:
    kinds()
    made = point(world, at=IN_1)
    with pytest.raises(InvalidInput):
        _update(world, made, lat=IN_2[0], lng=IN_2[1])
    made.refresh_from_db()
    assert (made.lat, made.community_id) == (IN_1[0], world.communities[0].pk)


def test_another_streets_point_is_not_found(world: World) -> None:
    kinds()
    made = point(world, at=IN_1)
    with pytest.raises(NotFound):
        _update(world, made, who="street_b", name="x")
    with pytest.raises(NotFound):
        services.point_delete(
            actor=world.actor("street_b"), now=MONDAY_10AM, point_id=made.pk, version=1
        )
    assert ServicePoint.objects.filter(pk=made.pk).exists()
    assert list(selectors.points_visible_to(world.actor("street_b"))) == []
    assert list(selectors.points_visible_to(world.actor("street"))) == [made]
    assert list(selectors.points_visible_to(world.actor("admin"))) == [made]
    assert list(selectors.points_visible_to(world.actor("resident"))) == []


def test_delete_needs_the_current_version(world: World) -> None:
    kinds()
    made = point(world, at=IN_1)
    with pytest.raises(Conflict):
        services.point_delete(
            actor=world.actor("street"), now=MONDAY_10AM, point_id=made.pk, version=9
        )
    services.point_delete(actor=world.actor("street"), now=MONDAY_10AM, point_id=made.pk, version=1)
    assert not ServicePoint.objects.exists()
    before = ChangeLog.objects.get(action="lifecircle.point_delete").before
    assert before is not None
    assert before["name"] == made.name


def test_only_the_district_sets_essential_kinds(world: World) -> None:
    made = kinds()
    childcare = made["childcare"]
    with pytest.raises(PermissionDenied):
        services.kind_update(
            actor=world.actor("street"),
            now=MONDAY_10AM,
            kind_id=childcare.pk,
            version=1,
            name="托育点",
            essential=True,
        )
    services.kind_update(
        actor=world.actor("admin"),
        now=MONDAY_10AM,
        kind_id=childcare.pk,
        version=1,
        name="托育点",
        essential=True,
    )
    with pytest.raises(Conflict):
        services.kind_update(
            actor=world.actor("admin"),
            now=MONDAY_10AM,
            kind_id=childcare.pk,
            version=1,
            name="托育服务点",
            essential=False,
        )
    childcare.refresh_from_db()
    assert (childcare.name, childcare.essential, childcare.version) == ("托育点", True, 2)
    with pytest.raises(InvalidInput):
        services.kind_create(actor=world.actor("admin"), now=MONDAY_10AM, code="party", name="重复")
    assert ServiceKind.objects.filter(code="party").count() == 1


def test_nearby_agrees_with_a_brute_force_scan(world: World) -> None:
    """Sixty points scattered over the four grids: the bounding-box query then the exact
    distance finds exactly the points a scan of every row finds, nearest first."""
    kinds()
    rng = random.Random(14)
    codes = ["health", "market", "party"]
    for n in range(60):
        at = (30.6 + rng.random() * 0.01, 104.0 + rng.random() * 0.04)
        who = "admin"
        point(world, at=at, who=who, name=f"点{n}", kind=codes[n % 3])
    now = datetime(2026, 3, 9, 10, 0).astimezone()
    for _ in range(8):
        here = (30.6 + rng.random() * 0.01, 104.0 + rng.random() * 0.04)
        for minutes, kind in [(15, None), (5, None), (15, "market")]:
            found = selectors.nearby(*here, now=now, minutes=minutes, kind=kind)
            reach = rules.reach_m(minutes)
            expected = sorted(
                (distance_m(here, (p.lat, p.lng)), p.pk)
                for p in ServicePoint.objects.select_related("kind")
                if distance_m(here, (p.lat, p.lng)) <= reach
                and (kind is None or p.kind.code == kind)
            )
            assert [(n.point.pk) for n in found] == [pk for _, pk in expected]
            assert all(n.minutes <= minutes + 1e-9 for n in found)


def test_nearby_open_now(world: World) -> None:
    kinds()
    point(world, at=IN_1, name="白天开", hours={d: ["09:00-17:00"] for d in "1234567"})
    point(
        world, at=IN_1, name="夜里开", kind="market", hours={d: ["22:00-06:00"] for d in "1234567"}
    )
    night = datetime.fromisoformat("2026-03-10T01:00:00+08:00")
    assert [n.point.name for n in selectors.nearby(*IN_1, now=night, open_only=True)] == ["夜里开"]
    both = selectors.nearby(*IN_1, now=night)
    assert {(n.point.name, n.open) for n in both} == {("白天开", False), ("夜里开", True)}


def test_open_now_follows_the_districts_working_calendar(world: World) -> None:
    """A Wednesday the district entered as a holiday: a point that follows the calendar is
    closed, one that does not is open; a Saturday entered as a workday opens with Monday's
    hours."""
    from huying.core.models import WorkdayOverride
    from huying.core.workcalendar import invalidate_calendar

    kinds()
    hours = {"1": ["09:00-17:00"], "3": ["09:00-17:00"]}
    civic = point(world, at=IN_1, kind="party", hours=hours, follows_calendar=True)
    market = point(world, at=IN_1, kind="market", hours=hours)
    WorkdayOverride.objects.create(date=datetime(2026, 3, 11).date(), is_workday=False)
    WorkdayOverride.objects.create(date=datetime(2026, 3, 14).date(), is_workday=True)
    invalidate_calendar()
    try:
        wednesday = datetime.fromisoformat("2026-03-11T10:00:00+08:00")
        assert not selectors.is_open(civic, wednesday)
        assert selectors.today_hours(civic, wednesday) == "休息"
        assert selectors.is_open(market, wednesday)
        saturday = datetime.fromisoformat("2026-03-14T10:00:00+08:00")
        assert selectors.is_open(civic, saturday)
        assert not selectors.is_open(market, saturday)
    finally:
        invalidate_calendar()
