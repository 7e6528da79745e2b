"""The demo's 街长制: a few roads in the first streets cut into responsibility segments, each
with its grid worker, a party-member and a merchant street chief, and the enforcement and
greening contacts, so that every board has something to show (page, A3 PDF, QR code).

The demo's memorable chief (``chief1``) is the party-member chief of 锦华路's first segment."""

from __future__ import annotations

import random

from django.utils import timezone
from shapely.geometry import LineString, shape
from shapely.geometry.base import BaseGeometry

from huying.demo.district import COMMON_SURNAMES, GIVEN_NAMES, DemoDistrict
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.org.services import grant_role, person_create
from huying.roads.models import Duty
from huying.roads.services import person_add, road_create, segment_create

#: Per street: (road, runs east-west?, where across the street (0–1), segments).
LAYOUT = (
    (("锦华路", True, 0.3, 3), ("东大街", True, 0.8, 2), ("望平街", False, 0.5, 2)),
    (("水碾河路", True, 0.5, 2),),
)
SHOPS = ("便民超市", "五金店", "早餐店", "药房", "水果店", "理发店", "面馆", "茶铺", "花店")
DUTIES = (
    "每日早晚巡查责任路段；劝导占道经营、乱堆乱放；发现问题能处理的及时处理，"
    "不能处理的拍照上报网格员。"
)


def _phone(rng: random.Random) -> str:
    return f"028-8{rng.randrange(1_000_000, 9_999_999)}"


def _name(rng: random.Random) -> str:
    return rng.choice(COMMON_SURNAMES) + rng.choice(GIVEN_NAMES)


def _within(line: LineString, area: BaseGeometry) -> list[tuple[float, float]]:
    """The longest piece of ``line`` inside ``area`` (a street's edge is not straight)."""
    inside = line.intersection(area)
    pieces = list(getattr(inside, "geoms", [inside]))
    longest = max(pieces, key=lambda p: p.length)
    return [(round(x, 6), round(y, 6)) for x, y in longest.coords]


def _worker_of(grid: OrgUnit) -> int | None:
    grant = RoleGrant.objects.filter(role=Role.GRID_WORKER, unit=grid).order_by("pk").first()
    return grant.user_id if grant else None


def build_roads(district: DemoDistrict, *, password: str, rng_seed: int = 2026) -> int:
    """Build them through the services (as the street's staff would); returns the segments."""
    rng = random.Random(rng_seed)
    now = timezone.now()
    admin = Actor.from_grant(RoleGrant.objects.get(user__username="admin", role=Role.ADMIN))
    chief1 = RoleGrant.objects.filter(user__username="chief1", role=Role.STREET_CHIEF).first()
    cg, hb = district.departments["cg"], district.departments["hb"]
    count = 0
    for street, roads in zip(district.streets, LAYOUT, strict=False):
        area = shape(district.boundaries[street.code])
        inner = area.buffer(-0.0002)  # ~20 m in from the (hand-drawn) edge
        minx, miny, maxx, maxy = area.bounds
        for r, (road_name, east_west, across, pieces) in enumerate(roads, start=1):
            road = road_create(actor=admin, street_id=street.pk, name=road_name, now=now)
            for n in range(pieces):
                a, b = 0.04 + 0.92 * n / pieces, 0.04 + 0.92 * (n + 1) / pieces
                if east_west:
                    y = miny + across * (maxy - miny)
                    ends = [(minx + a * (maxx - minx), y), (minx + b * (maxx - minx), y)]
                else:
                    x = minx + across * (maxx - minx)
                    ends = [(x, miny + a * (maxy - miny)), (x, miny + b * (maxy - miny))]
                ends = _within(LineString(ends), inner)
                code = f"{street.code[-3:]}-{r:02d}{n + 1:02d}"
                segment = segment_create(
                    actor=admin,
                    road=road,
                    code=code,
                    name=f"第{n + 1}段",
                    line={"type": "LineString", "coordinates": [list(p) for p in ends]},
                    patrol_range=f"{road_name}第{n + 1}段两侧人行道、门前及绿化带",
                    duties=DUTIES,
                    now=now,
                )
                count += 1
                mid = LineString(ends).interpolate(0.5, normalized=True)
                grid = next(
                    g for g in district.grids if g.boundary and shape(g.boundary).covers(mid)
                )
                worker = _worker_of(grid)
                if worker is not None:
                    person_add(
                        actor=admin,
                        segment=segment,
                        duty=Duty.GRID_WORKER,
                        user_id=worker,
                        public_phone=_phone(rng),
                        now=now,
                    )
                if chief1 is not None and count == 1:
                    party = chief1.user
                else:
                    party = person_create(
                        username=f"pc_{code}", full_name=_name(rng), password=password
                    )
                    grant_role(user=party, role=Role.STREET_CHIEF, unit=grid)
                merchant = person_create(
                    username=f"mc_{code}", full_name=_name(rng), password=password
                )
                grant_role(user=merchant, role=Role.STREET_CHIEF, unit=grid)
                person_add(
                    actor=admin,
                    segment=segment,
                    duty=Duty.PARTY_CHIEF,
                    user_id=party.pk,
                    public_phone=_phone(rng),
                    now=now,
                )
                person_add(
                    actor=admin,
                    segment=segment,
                    duty=Duty.MERCHANT_CHIEF,
                    user_id=merchant.pk,
                    shop_name=f"{merchant.first_name[0]}记{rng.choice(SHOPS)}",
                    shop_address=f"{road_name}{rng.randrange(1, 200)}号",
                    public_phone=_phone(rng),
                    now=now,
                )
                person_add(
                    actor=admin,
                    segment=segment,
                    duty=Duty.ENFORCEMENT,
                    name=_name(rng),
                    unit_id=cg.pk,
                    public_phone=_phone(rng),
                    now=now,
                )
                person_add(
                    actor=admin,
                    segment=segment,
                    duty=Duty.GREENING,
                    name=_name(rng),
                    unit_id=hb.pk,
                    public_phone=_phone(rng),
                    now=now,
                )
    return count
