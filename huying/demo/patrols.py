"""The demo's grid duty lists and three months of patrols (三陪同), written in bulk.

The district template (a few catalogue items and the street's own duties) is copied to every
grid through ``grid.duties.duties_copy``. Then each grid worker walks a few times a week:
each patrol has its checklist ticked (a duty or two left for another day), a track inside
the grid, and sometimes companions — a street cadre of the street, now and then an officer of
a unit stationed in the street. Most grid workers get their two accompanied patrols a week;
one in four often falls short, so the compliance table has something to show. Chiefs walk
every other morning, now and then with the grid worker of their road segment."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from huying.core.rows import insert_rows
from huying.demo.district import DemoDistrict
from huying.grid.duties import duties_copy
from huying.grid.models import DutyTemplate, GridDuty, Patrol, PatrolCompanion, PatrolDuty
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.roads.models import Duty, SegmentPerson

#: The catalogue items that are duties of every grid (by name, where the catalogue has them).
TEMPLATE_ITEMS = ("占道经营", "乱堆乱放", "井盖缺失", "违规张贴小广告")
TEMPLATE_DUTIES = (
    "矛盾纠纷排查",
    "消防通道、楼道堆物检查",
    "独居老人、困难家庭走访",
    "门前三包落实情况",
    "出租房屋、流动人口信息核对",
)
WEEKS = 13


def build_patrols(district: DemoDistrict, *, year_end: datetime, rng_seed: int) -> int:
    rng = random.Random(rng_seed + 13)
    position = 0
    wanted = {item.name: item for item in district.items}
    lines = [wanted[name] for name in TEMPLATE_ITEMS if name in wanted] or district.items[:3]
    for item in lines:
        position += 1
        DutyTemplate.objects.create(
            district=district.district, position=position, item=item, text=item.name
        )
    for text in TEMPLATE_DUTIES:
        position += 1
        DutyTemplate.objects.create(district=district.district, position=position, text=text)
    duties_copy(district=district.district, now=year_end)

    grids = {g.pk: g for g in district.grids}
    grants = list(
        RoleGrant.objects.filter(
            role__in=(
                Role.GRID_WORKER,
                Role.STREET_CALLER,
                Role.STREET_LEADER,
                Role.GRID_CENTRE,
                Role.DEPT_HANDLER,
                Role.STREET_CHIEF,
            ),
            is_active=True,
        ).select_related("unit")
    )
    cadres: dict[int, list[RoleGrant]] = {}
    for g in grants:
        if g.role in (Role.STREET_CALLER, Role.STREET_LEADER, Role.GRID_CENTRE):
            cadres.setdefault(g.unit_id, []).append(g)
    # The enforcement officers of each street: the people of the units stationed there.
    stations = OrgUnit.stationed_in.through.objects.values_list("from_orgunit_id", "to_orgunit_id")
    streets_of_unit: dict[int, list[int]] = {}
    for unit_id, station in stations:
        streets_of_unit.setdefault(unit_id, []).append(station)
    officers: dict[int, list[RoleGrant]] = {}
    for g in grants:
        if g.role == Role.DEPT_HANDLER:
            for station in streets_of_unit.get(g.unit_id, []):
                officers.setdefault(station, []).append(g)
    workers = [g for g in grants if g.role == Role.GRID_WORKER and g.unit_id in grids]
    chiefs = [g for g in grants if g.role == Role.STREET_CHIEF and g.unit_id in grids]
    # A chief walks with a grid worker of his own segments (街长制), when he has one.
    worker_grant = {g.user_id: g for g in workers}
    segment_workers: dict[int, list[int]] = {}
    for segment_id, user_id in SegmentPerson.objects.filter(
        duty=Duty.GRID_WORKER, user__isnull=False
    ).values_list("segment_id", "user_id"):
        segment_workers.setdefault(segment_id, []).append(user_id)
    partner: dict[int, RoleGrant] = {}
    for segment_id, chief_id in SegmentPerson.objects.filter(
        duty__in=(Duty.PARTY_CHIEF, Duty.MERCHANT_CHIEF), user__isnull=False
    ).values_list("segment_id", "user_id"):
        for user_id in segment_workers.get(segment_id, []):
            if user_id in worker_grant:
                partner.setdefault(chief_id, worker_grant[user_id])
    duties: dict[int, list[GridDuty]] = {}
    for duty in GridDuty.objects.filter(is_active=True).order_by("position"):
        duties.setdefault(duty.grid_id, []).append(duty)
    street_of_community = {c.pk: c.parent_id for c in district.communities}
    street_of = {g.pk: street_of_community.get(g.parent_id or 0) for g in district.grids}

    today = timezone.localtime(year_end).date()
    monday = today - timedelta(days=today.weekday())
    tz = timezone.get_current_timezone()
    patrols: list[Patrol] = []
    plans: list[tuple[list[GridDuty], list[RoleGrant]]] = []

    def walk(grant: RoleGrant, role: str, start: datetime, companions: list[RoleGrant]) -> None:
        grid = grids[grant.unit_id]
        minutes = rng.randint(50, 110)
        patrols.append(
            Patrol(
                worker_id=grant.user_id,
                grid=grid,
                role=role,
                started_at=start,
                ended_at=start + timedelta(minutes=minutes),
                note=rng.choice(("", "", "正常", "已提醒商户整改", "楼道堆物已清理")),
                track=_track(grid, start, minutes, rng),
            )
        )
        plans.append((duties.get(grid.pk, []), companions))

    for index, grant in enumerate(workers):
        street_id = street_of.get(grant.unit_id)
        street_cadres = cadres.get(street_id, []) if street_id else []
        street_officers = officers.get(street_id, []) if street_id else []
        lagging = index % 4 == 1
        for week in range(WEEKS):
            first = monday - timedelta(weeks=week)
            days = [d for d in range(5) if first + timedelta(days=d) < today]
            if not days:
                continue
            walked = rng.sample(days, k=min(len(days), rng.randint(3, 4)))
            escorted = rng.choice((0, 1, 1)) if lagging else rng.choice((2, 2, 3))
            for n, day in enumerate(sorted(walked)):
                start = datetime.combine(
                    first + timedelta(days=day), datetime.min.time(), tzinfo=tz
                ) + timedelta(hours=rng.choice((8, 9, 14, 15)), minutes=rng.randint(0, 50))
                people = []
                if n < escorted and street_cadres:
                    people.append(rng.choice(street_cadres))
                if street_officers and rng.random() < 0.15:
                    people.append(rng.choice(street_officers))
                walk(grant, Role.GRID_WORKER, start, people)
    for chief in chiefs:
        worker = partner.get(chief.user_id)
        for day in range(0, WEEKS * 7, 2):
            date = today - timedelta(days=day + 1)
            start = datetime.combine(date, datetime.min.time(), tzinfo=tz) + timedelta(hours=7)
            walk(chief, Role.STREET_CHIEF, start, [worker] if worker and day % 3 == 0 else [])

    Patrol.objects.bulk_create(patrols, batch_size=500)
    checklist: list[tuple[Any, ...]] = []
    companions: list[PatrolCompanion] = []
    for patrol, (grid_duties, people) in zip(patrols, plans, strict=True):
        for duty in grid_duties:
            done = rng.random() < 0.85
            note = "" if done or rng.random() < 0.5 else "下次巡查补查"
            checklist.append((patrol.pk, duty.pk, duty.position, duty.text, done, note))
        for person in people:
            companions.append(
                PatrolCompanion(
                    patrol=patrol,
                    user_id=person.user_id,
                    kind=_kind(person.role),
                    role=person.role,
                    unit_id=person.unit_id,
                    added_at=patrol.started_at + timedelta(minutes=2),
                )
            )
    # Some 90,000 checklist lines in the full demo: the ORM's bulk insert's per-value
    # preparation took most of this step's time.
    insert_rows(PatrolDuty, ("patrol_id", "duty_id", "position", "text", "done", "note"), checklist)
    PatrolCompanion.objects.bulk_create(companions, batch_size=2000, ignore_conflicts=True)
    return len(patrols)


def _kind(role: str) -> str:
    if role == Role.DEPT_HANDLER:
        return PatrolCompanion.Kind.ENFORCEMENT
    if role == Role.GRID_WORKER:
        return PatrolCompanion.Kind.GRID_WORKER
    return PatrolCompanion.Kind.STREET_CADRE


def _track(grid: Any, start: datetime, minutes: int, rng: random.Random) -> list[Any]:
    """A walk of a dozen straight legs inside the grid's bounding box, drawn as a thinned track
    looks (a vertex where the walker turned): thinning thousands of raw points would cost the
    demo more than everything else it writes here."""
    if grid.min_lat is None:
        return []
    legs = rng.randint(8, 16)
    lat = rng.uniform(grid.min_lat, grid.max_lat)
    lng = rng.uniform(grid.min_lng, grid.max_lng)
    heading = rng.uniform(0, 2 * math.pi)
    seconds = minutes * 60 / legs
    step = 1.2e-5 * seconds  # about 1.3 m/s, in degrees
    t0 = start.timestamp()
    points = [[round(lat, 6), round(lng, 6), t0]]
    for leg in range(1, legs + 1):
        heading += rng.uniform(-1.6, 1.6)
        lat = min(max(lat + step * math.cos(heading), grid.min_lat), grid.max_lat)
        lng = min(max(lng + step * math.sin(heading), grid.min_lng), grid.max_lng)
        points.append([round(lat, 6), round(lng, 6), t0 + leg * seconds])
    return points
