"""Patrols carry the duty checklist, the track and their companions (三陪同); the weekly
compliance table counts each grid worker's accompanied patrols against the target."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from huying.grid import duties, selectors, services, track
from huying.grid.models import Patrol, PatrolCompanion

pytestmark = pytest.mark.django_db

MONDAY = MONDAY_10AM - timedelta(days=MONDAY_10AM.weekday())


def _duties(world: World) -> None:
    community = world.actor("community")
    for text in ("门前三包", "占道经营"):
        duties.duty_add(actor=community, grid_id=world.grids[0].pk, text=text)


def test_the_checklist_is_the_grids_duties_when_the_patrol_starts(world: World) -> None:
    _duties(world)
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw, now=MONDAY_10AM)
    duties.duty_add(actor=world.actor("community"), grid_id=world.grids[0].pk, text="后来加的")
    lines = list(patrol.checklist.all())
    assert [line.text for line in lines] == ["门前三包", "占道经营"]
    services.patrol_tick(
        actor=gw, patrol_id=patrol.pk, duty_id=lines[0].pk, done=True, note="两处已整改"
    )
    services.patrol_tick(actor=gw, patrol_id=patrol.pk, duty_id=lines[1].pk, done=True)
    services.patrol_tick(actor=gw, patrol_id=patrol.pk, duty_id=lines[1].pk, done=False)
    assert list(patrol.checklist.values_list("done", "note")) == [
        (True, "两处已整改"),
        (False, ""),
    ]
    with pytest.raises(NotFound):
        services.patrol_tick(
            actor=world.actor("grid_worker_b"), patrol_id=patrol.pk, duty_id=lines[0].pk, done=False
        )
    services.patrol_end(actor=gw, patrol_id=patrol.pk)
    with pytest.raises(RuleViolation):
        services.patrol_tick(actor=gw, patrol_id=patrol.pk, duty_id=lines[0].pk, done=False)


def _points(start: Any, n: int, *, offset: int = 0) -> list[dict[str, float]]:
    return [
        {
            "lat": 30.605 + (i + offset) * 1e-4,
            "lng": 104.005 + ((i + offset) % 2) * 1e-4,
            "at": (start + timedelta(seconds=10 * (i + offset))).timestamp(),
        }
        for i in range(n)
    ]


def test_track_batches_are_validated_thinned_and_resends_add_nothing(world: World) -> None:
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw, now=MONDAY_10AM)
    now = MONDAY_10AM + timedelta(hours=1)
    batch = _points(MONDAY_10AM, 50)
    kept = services.patrol_track(actor=gw, patrol_id=patrol.pk, points=batch, now=now).track
    assert 2 < len(kept) <= 50 and kept[0][2] == batch[0]["at"]
    again = services.patrol_track(actor=gw, patrol_id=patrol.pk, points=batch, now=now).track
    assert again == kept
    later = services.patrol_track(
        actor=gw, patrol_id=patrol.pk, points=_points(MONDAY_10AM, 20, offset=50), now=now
    )
    assert later.track[-1][2] == _points(MONDAY_10AM, 1, offset=69)[0]["at"]
    assert len(later.track) <= track.MAX_POINTS
    before = Patrol.objects.get(pk=patrol.pk).track
    for bad in (
        [],
        [{"lat": 91, "lng": 104, "at": now.timestamp()}],
        [{"lat": 30.6, "lng": 104.0}],
        [{"lat": "x", "lng": 104.0, "at": now.timestamp()}],
        [{"lat": float("nan"), "lng": 104.0, "at": now.timestamp()}],
        [*_points(MONDAY_10AM, 3, offset=80), {"lat": 30.6, "lng": 104, "at": 0}],
        [{"lat": 30.6, "lng": 104.0, "at": now.timestamp()}] * (services.MAX_BATCH + 1),
    ):
        with pytest.raises(InvalidInput):
            services.patrol_track(actor=gw, patrol_id=patrol.pk, points=bad, now=now)
    assert Patrol.objects.get(pk=patrol.pk).track == before


def test_companions_are_staff_of_the_right_kind(world: World) -> None:
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw, now=MONDAY_10AM)

    def add(name: str) -> PatrolCompanion:
        return services.companion_add(
            actor=gw, patrol_id=patrol.pk, user_id=world.actor(name).user.pk
        )

    assert add("street").kind == PatrolCompanion.Kind.STREET_CADRE
    assert add("grid_centre").kind == PatrolCompanion.Kind.STREET_CADRE
    assert add("dept_cg_unit").kind == PatrolCompanion.Kind.ENFORCEMENT
    for reporter in ("resident", "informant", "street_chief"):
        with pytest.raises(InvalidInput, match="不是工作人员"):
            add(reporter)
    with pytest.raises(RuleViolation):
        add("street_b")  # a cadre of another street
    with pytest.raises(RuleViolation):
        add("grid_worker_b")  # grid workers accompany chiefs, not each other
    with pytest.raises(RuleViolation):
        add("street")  # twice
    with pytest.raises(InvalidInput):
        add("grid_worker")  # himself
    with pytest.raises(NotFound):
        services.companion_add(actor=gw, patrol_id=patrol.pk, user_id=999999)
    assert patrol.companions.count() == 3
    street_row = patrol.companions.get(user=world.actor("street").user)
    services.companion_remove(actor=gw, patrol_id=patrol.pk, companion_id=street_row.pk)
    assert patrol.companions.count() == 2


def test_a_street_chief_walks_on_his_own_and_a_grid_worker_may_accompany_him(
    world: World,
) -> None:
    chief = world.actor("street_chief")
    patrol = services.patrol_start(actor=chief, now=MONDAY_10AM)
    assert (patrol.grid_id, patrol.role) == (world.grids[0].pk, "street_chief")
    companion = services.companion_add(
        actor=chief, patrol_id=patrol.pk, user_id=world.actor("grid_worker").user.pk
    )
    assert companion.kind == PatrolCompanion.Kind.GRID_WORKER
    with pytest.raises(RuleViolation):  # a grid worker of another community
        services.companion_add(
            actor=chief, patrol_id=patrol.pk, user_id=world.actor("grid_worker_b").user.pk
        )
    with pytest.raises(PermissionDenied):
        services.patrol_start(actor=world.actor("informant"))


def test_patrols_are_seen_in_scope(world: World) -> None:
    mine = services.patrol_start(actor=world.actor("grid_worker"), now=MONDAY_10AM)
    other = services.patrol_start(actor=world.actor("grid_worker_b"), now=MONDAY_10AM)
    services.companion_add(
        actor=world.actor("grid_worker_b"),
        patrol_id=other.pk,
        user_id=world.actor("dept_cg").user.pk,
    )

    def seen(name: str) -> set[int]:
        return set(selectors.patrols_visible(world.actor(name)).values_list("pk", flat=True))

    assert seen("grid_worker") == seen("community") == seen("street") == {mine.pk}
    assert seen("street_b") == {other.pk}
    assert seen("hub") == seen("leader") == {mine.pk, other.pk}
    assert seen("dept_cg") == {other.pk}
    assert seen("street_chief") == seen("resident") == set()
    with pytest.raises(NotFound):
        selectors.patrol_detail(world.actor("street_b"), mine.pk)


def _walk(world: World, name: str, day: int, *companions: str) -> Patrol:
    actor = world.actor(name)
    at = MONDAY + timedelta(days=day, hours=9)
    patrol = services.patrol_start(actor=actor, now=at)
    for companion in companions:
        services.companion_add(
            actor=actor, patrol_id=patrol.pk, user_id=world.actor(companion).user.pk
        )
    services.patrol_end(actor=actor, patrol_id=patrol.pk, now=at + timedelta(hours=1))
    return patrol


def test_the_weekly_compliance_table(world: World, settings: Any) -> None:
    settings.HUYING_ESCORTS_PER_WEEK = 2
    _walk(world, "grid_worker", -7, "street", "dept_cg")
    _walk(world, "grid_worker", -5, "street_leader")
    _walk(world, "grid_worker", 0, "street")
    _walk(world, "grid_worker", 1, "dept_cg")  # not a street cadre: does not count
    _walk(world, "grid_worker", 2)
    _walk(world, "grid_worker_b", 0, "street_b")
    table = selectors.compliance(world.actor("street"), weeks=2, until=MONDAY.date())
    assert table.street == world.streets[0]
    rows = [(r.worker, r.week, r.patrols, r.accompanied, r.shortfall) for r in table.rows]
    assert rows == [
        ("测试grid_worker", MONDAY.date(), 3, 1, 1),
        ("测试grid_worker", (MONDAY - timedelta(days=7)).date(), 2, 2, 0),
    ]
    assert table.short == 1
    # A community sees its grid workers; another street's table is not the street's to read.
    assert selectors.compliance(world.actor("community"), weeks=2, until=MONDAY.date()).rows
    other = selectors.compliance(world.actor("street_b"), weeks=1, until=MONDAY.date())
    assert [(r.worker, r.accompanied) for r in other.rows] == [("测试grid_worker_b", 1)]
    with pytest.raises(NotFound):
        selectors.compliance(world.actor("street_b"), street_id=world.streets[0].pk)
    hub = selectors.compliance(
        world.actor("hub"), street_id=world.streets[1].pk, weeks=1, until=MONDAY.date()
    )
    assert hub.street == world.streets[1]
    with pytest.raises(PermissionDenied):
        selectors.compliance(world.actor("dept_cg"))
    with pytest.raises(InvalidInput):
        selectors.compliance(world.actor("street"), weeks=0)


def test_a_chief_patrols_from_his_phone_home(world: World) -> None:
    from huying.cases.models import Source
    from huying.cases.tests.test_console import login

    client = login(world, "street_chief")
    assert "/m/patrol/" in client.get("/m/").content.decode()
    assert client.post("/m/patrol/start", {}).status_code == 302
    patrol = Patrol.objects.get()
    case = services.patrol_report(
        actor=world.actor("street_chief"), patrol_id=patrol.pk, title="商户占道"
    )
    assert case.source == Source.STREET_CHIEF and case.patrol_finding.patrol == patrol
    client.post(
        f"/m/patrol/{patrol.pk}/companions", {"user_id": world.actor("grid_worker").user.pk}
    )
    assert patrol.companions.get().kind == PatrolCompanion.Kind.GRID_WORKER


def test_two_batches_at_once_both_land(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other batch lands between this one's read and its write: the compare-and-set
    fails, the batch is merged again onto the other's track, and both stay."""
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw, now=MONDAY_10AM)
    now = MONDAY_10AM + timedelta(hours=1)
    early, late = _points(MONDAY_10AM, 3), _points(MONDAY_10AM, 3, offset=40)
    real_thin = track.thin
    calls: list[int] = []

    def racing(points: Any, **kwargs: Any) -> Any:
        if not calls:
            calls.append(1)
            services.patrol_track(actor=gw, patrol_id=patrol.pk, points=early, now=now)
        return real_thin(points, **kwargs)

    monkeypatch.setattr(track, "thin", racing)
    services.patrol_track(actor=gw, patrol_id=patrol.pk, points=late, now=now)
    stored = Patrol.objects.get(pk=patrol.pk)
    times = [p[2] for p in stored.track]
    assert times[0] == early[0]["at"] and times[-1] == late[-1]["at"]
    assert stored.track_version == 2
