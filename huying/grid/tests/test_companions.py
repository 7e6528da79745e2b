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
from huying.org.models import Role
from huying.org.services import grant_role, person_create

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


def _stationed(world: World, *streets: int) -> None:
    """城管执法一中队 (``dept_cg_unit``'s unit) stationed in these streets."""
    world.departments["cg_unit"].stationed_in.set([world.streets[i] for i in streets])


def _chiefs_segment(world: World) -> None:
    """A segment of street 1 with the street chief and ``grid_worker`` answering for it."""
    from huying.roads import services as roads
    from huying.roads.models import Duty
    from huying.roads.tests.test_services import NOW, make_road, make_segment

    segment = make_segment(world, make_road(world))
    for duty, who in ((Duty.PARTY_CHIEF, "street_chief"), (Duty.GRID_WORKER, "grid_worker")):
        roads.person_add(
            actor=world.actor("street"),
            segment=segment,
            duty=duty,
            user_id=world.actor(who).user.pk,
            now=NOW,
        )


def _other_grid_worker(world: World) -> Any:
    """A grid worker of street 1 on no segment (the world's other one is of street 2)."""
    user = person_create(username="gw_other", full_name="测试gw_other")
    grant_role(user=user, role=Role.GRID_WORKER, unit=world.grids[1])
    return user


def test_companions_are_staff_of_the_right_kind(world: World) -> None:
    _stationed(world, 0)
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw, now=MONDAY_10AM)

    def add(name: str) -> PatrolCompanion:
        return services.companion_add(
            actor=gw, patrol_id=patrol.pk, user_id=world.actor(name).user.pk
        )

    assert add("street").kind == PatrolCompanion.Kind.STREET_CADRE
    assert add("grid_centre").kind == PatrolCompanion.Kind.STREET_CADRE
    assert add("dept_cg_unit").kind == PatrolCompanion.Kind.ENFORCEMENT
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


@pytest.mark.parametrize(
    ("who", "error", "message"),
    [
        ("resident", InvalidInput, "「测试resident」不是工作人员，不能登记为陪同人"),
        ("informant", InvalidInput, "「测试informant」不是工作人员，不能登记为陪同人"),
        ("street_chief", InvalidInput, "「测试street_chief」不是工作人员，不能登记为陪同人"),
        # A cadre of another street.
        ("street_b", RuleViolation, "是第2街道的干部，不是第1街道的，不能作为街道干部陪同"),
        # A department's own staff, not a unit stationed in the street.
        ("dept_cg", RuleViolation, "所在的城管局不是派驻第1街道的派驻机构"),
        ("dept_cg_leader", RuleViolation, "所在的城管局不是派驻第1街道的派驻机构"),
        # A field unit stationed in another street only.
        ("dept_cg_unit", RuleViolation, "所在的城管执法一中队不是派驻第1街道的派驻机构"),
        # Grid workers accompany street chiefs, not each other; nor does the hub walk.
        ("grid_worker_b", RuleViolation, "陪同人须是本街道干部或派驻本街道的派驻机构人员"),
        ("hub", RuleViolation, "陪同人须是本街道干部或派驻本街道的派驻机构人员"),
    ],
)
def test_a_companion_of_the_wrong_kind_is_refused_with_the_reason_and_nothing_is_saved(
    world: World, who: str, error: type[Exception], message: str
) -> None:
    _stationed(world, 1)
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw, now=MONDAY_10AM)
    with pytest.raises(error, match=message):
        services.companion_add(actor=gw, patrol_id=patrol.pk, user_id=world.actor(who).user.pk)
    assert not PatrolCompanion.objects.exists()


def test_a_street_chief_walks_on_his_own_and_his_segments_grid_worker_may_accompany_him(
    world: World,
) -> None:
    chief = world.actor("street_chief")
    patrol = services.patrol_start(actor=chief, now=MONDAY_10AM)
    assert (patrol.grid_id, patrol.role) == (world.grids[0].pk, "street_chief")
    gw = world.actor("grid_worker").user
    with pytest.raises(RuleViolation, match="不是这位街长责任路段上的网格员"):
        services.companion_add(actor=chief, patrol_id=patrol.pk, user_id=gw.pk)  # no segment yet
    _chiefs_segment(world)
    other = _other_grid_worker(world)
    candidates = selectors.companion_candidates(patrol)
    assert [pk for pk, _name in candidates["网格员"]] == [gw.pk]
    for user_id, message in (
        (other.pk, "「测试gw_other」不是这位街长责任路段上的网格员"),  # same street, other segment
        (world.actor("grid_worker_b").user.pk, "不是这位街长责任路段上的网格员"),
        (world.actor("grid_leader").user.pk, "陪同街长的也可以是其责任路段上的网格员"),
    ):
        with pytest.raises(RuleViolation, match=message):
            services.companion_add(actor=chief, patrol_id=patrol.pk, user_id=user_id)
    assert not PatrolCompanion.objects.exists()
    companion = services.companion_add(actor=chief, patrol_id=patrol.pk, user_id=gw.pk)
    assert companion.kind == PatrolCompanion.Kind.GRID_WORKER
    with pytest.raises(PermissionDenied):
        services.patrol_start(actor=world.actor("informant"))


def test_the_phone_offers_only_who_may_walk_along(world: World) -> None:
    _stationed(world, 0)
    patrol = services.patrol_start(actor=world.actor("grid_worker"), now=MONDAY_10AM)
    candidates = selectors.companion_candidates(patrol)
    names = {kind: [name for _pk, name in people] for kind, people in candidates.items()}
    assert names == {
        "街道干部": [
            "测试grid_centre（第1街道）",
            "测试street（第1街道）",
            "测试street_leader（第1街道）",
        ],
        "驻街执法部门": ["测试dept_cg_unit（城管执法一中队）"],
    }
    _stationed(world, 1)
    assert selectors.companion_candidates(patrol)["驻街执法部门"] == []


def test_patrols_are_seen_in_scope(world: World) -> None:
    _stationed(world, 1)
    mine = services.patrol_start(actor=world.actor("grid_worker"), now=MONDAY_10AM)
    other = services.patrol_start(actor=world.actor("grid_worker_b"), now=MONDAY_10AM)
    services.companion_add(
        actor=world.actor("grid_worker_b"),
        patrol_id=other.pk,
        user_id=world.actor("dept_cg_unit").user.pk,
    )

    def seen(name: str) -> set[int]:
        return set(selectors.patrols_visible(world.actor(name)).values_list("pk", flat=True))

    assert seen("grid_worker") == seen("community") == seen("street") == {mine.pk}
    assert seen("street_b") == {other.pk}
    assert seen("hub") == seen("leader") == {mine.pk, other.pk}
    assert seen("dept_cg_unit") == {other.pk} and seen("dept_cg") == set()
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
    _stationed(world, 0)
    _walk(world, "grid_worker", -7, "street", "dept_cg_unit")
    _walk(world, "grid_worker", -5, "street_leader")
    _walk(world, "grid_worker", 0, "street")
    _walk(world, "grid_worker", 1, "dept_cg_unit")  # not a street cadre: does not count
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

    _chiefs_segment(world)
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
