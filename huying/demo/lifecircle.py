"""The demo's 十五分钟生活圈: the default kinds, and service points placed so that the
essential kinds reach nearly every community within a 15-minute walk — a greedy cover of the
district's lattice — but for two communities left with a visible gap (``GAPS_FULL``: no
日间照料 within reach of 九眼桥, no 卫生服务站 of 安顺桥; in the small district its last two
communities), plus a few of the other kinds (菜市场, 社会组织服务中心 …). About 70 points in
the full district (37 km²: a 1 km circle covers 3 km², so each essential kind needs about
twenty), all through the services, as the district's administrator."""

from __future__ import annotations

import random
from datetime import datetime

from django.utils import timezone
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from huying.core.geo import distance_m
from huying.demo.district import DemoDistrict
from huying.lifecircle import rules, services
from huying.lifecircle.coverage import lattice
from huying.lifecircle.models import ServiceKind
from huying.onewindow.selectors import window_items
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.org.selectors import grid_at

#: The lattice (metres) the demo covers; coarser than the page's, for speed.
STEP_M = 300
#: Stop adding points of a kind once this share of the lattice is covered.
TARGET = 0.97
#: (community name without its suffix, kind code): the gaps the demo leaves.
GAPS_FULL = (("九眼桥", "elderly"), ("安顺桥", "health"))

WEEKDAYS = {d: ["08:30-12:00", "13:30-17:30"] for d in "12345"}
HOURS = {
    "party": {**WEEKDAYS, "6": ["09:00-12:00"]},
    "health": {d: ["08:00-17:30"] for d in "1234567"},
    "elderly": {d: ["08:00-17:00"] for d in "123456"},
    "market": {d: ["06:00-19:30"] for d in "1234567"},
    "social_org": WEEKDAYS,
    "jobs": WEEKDAYS,
    "childcare": {d: ["07:30-18:00"] for d in "12345"},
    "culture": {d: ["09:00-21:00"] for d in "1234567"},
}
SERVICES = {
    "party": ["党员活动", "居民议事", "一口受理", "法律咨询"],
    "health": ["家庭医生签约", "慢病随访", "预防接种", "中医理疗"],
    "elderly": ["老年助餐", "日间托养", "康复护理", "助浴"],
    "market": ["蔬菜", "肉禽", "水产", "早餐"],
    "social_org": ["社会组织孵化", "志愿服务"],
    "jobs": ["就业登记", "招聘信息", "技能培训"],
    "childcare": ["托育（2–3 岁）", "育儿指导"],
    "culture": ["棋牌", "书法", "广场舞排练"],
}
NAMES = {
    "party": ("{c}党群服务站", "{c}党群服务点"),
    "health": ("{c}卫生服务站", "{s}社区卫生服务中心"),
    "elderly": ("{c}日间照料中心", "{c}长者照护之家"),
    "market": ("{b}菜市场", "{b}便民菜店"),
    "social_org": ("{s}社会组织服务中心",),
    "jobs": ("{s}就业服务站",),
    "childcare": ("{b}托育园",),
    "culture": ("{c}文体活动室",),
}


def _admin(demo: DemoDistrict) -> Actor:
    grant = RoleGrant.objects.select_related("user", "unit").get(
        role=Role.ADMIN, unit=demo.district, is_active=True
    )
    return Actor.from_grant(grant)


def _base(name: str) -> str:
    return name.removesuffix("社区").removesuffix("村")


def build_lifecircle(
    demo: DemoDistrict, *, now: datetime | None = None, rng_seed: int = 2026
) -> dict[str, int]:
    now = now or timezone.now()
    rng = random.Random(rng_seed)
    admin = _admin(demo)
    services.kind_defaults_install(actor=admin, now=now)
    kinds = {k.code: k for k in ServiceKind.objects.all()}
    areas: dict[int, BaseGeometry] = {}
    for community in demo.communities:
        grids = OrgUnit.objects.filter(
            kind=OrgUnit.Kind.GRID, is_active=True, path__startswith=community.path
        ).values_list("boundary", flat=True)
        areas[community.pk] = unary_union([shape(b) for b in grids if b])
    # Every lattice cell of the district, with its community.
    cells: list[tuple[float, float, OrgUnit]] = []
    for community in demo.communities:
        for sample in lattice(areas[community.pk], STEP_M):
            cells.append((sample.lat, sample.lng, community))
    reach = rules.reach_m(rules.circle_minutes())
    # Which cells a point at each cell's centre reaches (the candidate sites).
    reaches = [
        frozenset(
            j
            for j, (lat2, lng2, _) in enumerate(cells)
            if abs(lat - lat2) < 0.012
            and abs(lng - lng2) < 0.014
            and distance_m((lat, lng), (lat2, lng2)) <= reach
        )
        for lat, lng, _ in cells
    ]
    by_name = {_base(c.name): c for c in demo.communities}
    if all(name in by_name for name, _ in GAPS_FULL):
        gaps = [(by_name[name], kind) for name, kind in GAPS_FULL]
    else:  # the small district
        gaps = list(zip(demo.communities[-2:], ("elderly", "health"), strict=False))
    items = [i.pk for i in window_items(f"/{demo.district.pk}/")[:6]]
    made = {"points": 0, "gaps": len(gaps)}
    counter: dict[tuple[int, str], int] = {}
    essential = [k for k in ("party", "health", "elderly", "market") if kinds[k].essential]
    for code in essential:
        gap_cells = {
            j for j, (_, _, c) in enumerate(cells) if any(g == c and k == code for g, k in gaps)
        }
        wanted = set(range(len(cells))) - gap_cells
        sites = [i for i in range(len(cells)) if not reaches[i] & gap_cells]
        covered: set[int] = set()
        while len(covered) < TARGET * len(wanted):
            best = max(sites, key=lambda i: (len(reaches[i] - covered), -i))
            if not reaches[best] - covered:
                break
            covered |= reaches[best]
            _place(admin, now, rng, cells[best], code, kinds, counter, items)
            made["points"] += 1
    # A few of the other kinds: one per street of each.
    streets: dict[int, list[tuple[float, float, OrgUnit]]] = {}
    for site in cells:
        streets.setdefault(site[2].parent_id or 0, []).append(site)
    for code in ("market", "social_org", "jobs", "childcare", "culture"):
        every = 1 if code == "market" else 2 if code == "social_org" else 4
        for street_cells in list(streets.values())[::every]:
            _place(admin, now, rng, rng.choice(street_cells), code, kinds, counter, items)
            made["points"] += 1
    return made


def _place(
    admin: Actor,
    now: datetime,
    rng: random.Random,
    cell: tuple[float, float, OrgUnit],
    code: str,
    kinds: dict[str, ServiceKind],
    counter: dict[tuple[int, str], int],
    items: list[int],
) -> None:
    lat, lng, community = cell
    # Jitter within the cell, staying in the community's grids.
    for _ in range(10):
        at = (lat + rng.uniform(-0.0008, 0.0008), lng + rng.uniform(-0.0009, 0.0009))
        found = grid_at(*at)
        if found is not None and found.parent_id == community.pk:
            lat, lng = at
            break
    n = counter.get((community.pk, code), 0)
    counter[(community.pk, code)] = n + 1
    patterns = NAMES[code]
    street = community.parent.name if community.parent else ""
    name = patterns[min(n, len(patterns) - 1)].format(
        c=community.name, b=_base(community.name), s=_base(street.removesuffix("街道"))
    )
    if n >= len(patterns):
        name += f"（{n + 1}）"
    road = f"{_base(community.name)}路"
    services.point_create(
        actor=admin,
        now=now,
        name=name,
        kind_id=kinds[code].pk,
        address=f"{street}{road} {rng.randint(1, 180)} 号",
        lat=round(lat, 6),
        lng=round(lng, 6),
        hours=HOURS[code],
        follows_calendar=code in ("party", "social_org", "jobs"),
        phone=f"028-8{rng.randint(1000000, 9999999)}",
        services=SERVICES[code],
        item_ids=items if code == "party" else [],
    )
