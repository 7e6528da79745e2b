"""The grid ladder in the demo district: informants enrolled on the grids (about the target
per grid worker on some, fewer on others, so 网格覆盖 shows gaps) and the last months'
informant and street-chief reports through the services — most settled on the spot by the
grid worker, some raised to the community or the street, some a chief's own fix."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from huying.cases import services
from huying.cases.models import CaseState
from huying.demo.district import DemoDistrict
from huying.demo.photos import scene
from huying.org.actors import actor_for
from huying.org.models import PhoneAccount, Role, RoleGrant
from huying.org.selectors import grants_changed

#: What informants and chiefs see on their walks.
PROBLEMS = (
    "人行道上堆放建筑垃圾",
    "路灯不亮",
    "共享单车乱停放堵住盲道",
    "店外占道经营",
    "井盖松动",
    "绿化带内垃圾未清理",
    "小广告张贴在电杆上",
    "下水道口堵塞积水",
)


@dataclass(frozen=True)
class LadderStats:
    informants: int
    reports: int
    settled: int
    raised: int
    fixed: int


def build_ladder(
    district: DemoDistrict, *, year_end: datetime, rng_seed: int, months: int = 3
) -> LadderStats:
    rng = random.Random(rng_seed + 13)
    target = settings.HUYING_INFORMANTS_PER_WORKER
    workers = RoleGrant.objects.filter(
        role=Role.GRID_WORKER, unit__in=district.grids, is_active=True
    ).values_list("unit_id", "user_id")
    per_grid: dict[int, list[int]] = {}
    for grid_id, user_id in workers:
        per_grid.setdefault(grid_id, []).append(user_id)
    # Every third grid has its full complement; the others are short by a varying amount.
    plan: dict[int, int] = {}
    for i, grid in enumerate(district.grids):
        staff = len(per_grid.get(grid.pk, []))
        plan[grid.pk] = staff * target if i % 3 == 0 else rng.randint(0, staff * target // 2)
    informants = _enrol(plan, year_end)
    return _reports(district, per_grid, informants, year_end=year_end, rng=rng, months=months)


def _enrol(plan: dict[int, int], now: datetime) -> dict[int, list[int]]:
    """Informants in bulk: a user (no password: they sign in by text), a phone account and a
    grant each. Numbers 170xxxxxxxx (a range the demo uses only here)."""
    User = get_user_model()
    unusable = make_password(None)
    people: list[tuple[int, str]] = []
    serial = 0
    for grid_id, count in plan.items():
        for _n in range(count):
            serial += 1
            people.append((grid_id, f"170{serial:08d}"))
    users = User.objects.bulk_create(
        [
            User(username=f"m{phone}", first_name=f"信息员{phone[-4:]}", password=unusable)
            for _grid, phone in people
        ],
        batch_size=1000,
    )
    if users and users[0].pk is None:  # a database that does not return ids
        by_name = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        for u in users:
            u.pk = by_name[u.username]
    PhoneAccount.objects.bulk_create(
        [
            PhoneAccount(user_id=u.pk, phone=phone, created_at=now)
            for u, (_grid, phone) in zip(users, people, strict=True)
        ],
        batch_size=1000,
    )
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(user_id=u.pk, role=Role.GRID_INFORMANT, unit_id=grid)
            for u, (grid, _phone) in zip(users, people, strict=True)
        ],
        batch_size=1000,
    )
    grants_changed()
    out: dict[int, list[int]] = {}
    for u, (grid, _phone) in zip(users, people, strict=True):
        out.setdefault(grid, []).append(u.pk)
    return out


def _reports(
    district: DemoDistrict,
    per_grid: dict[int, list[int]],
    informants: dict[int, list[int]],
    *,
    year_end: datetime,
    rng: random.Random,
    months: int,
) -> LadderStats:
    User = get_user_model()
    chiefs = dict(
        RoleGrant.objects.filter(role=Role.STREET_CHIEF, is_active=True).values_list(
            "unit_id", "user_id"
        )
    )
    grids = {g.pk: g for g in district.grids}
    busy = [g for g in informants if informants[g] and per_grid.get(g)][:12]
    reports = settled = raised = fixed = 0
    for day in range(months * 30, 0, -3):
        moment = year_end - timedelta(days=day, hours=rng.randint(0, 6))
        for grid_id in rng.sample(busy, min(2, len(busy))):
            reporter = User.objects.get(pk=rng.choice(informants[grid_id]))
            worker = actor_for(User.objects.get(pk=per_grid[grid_id][0]))
            point = _centre(grids[grid_id].boundary)
            case = services.case_submit(
                actor=actor_for(reporter),
                title=rng.choice(PROBLEMS),
                lat=point[0],
                lng=point[1],
                now=moment,
            )
            reports += 1
            if case.state != CaseState.AT_GRID:
                continue
            later = moment + timedelta(hours=2)
            roll = rng.random()
            if roll < 0.7:
                services.case_grid_settle(
                    actor=worker, case_id=case.pk, result="已现场处理", now=later
                )
                settled += 1
            elif roll < 0.85:
                services.case_raise(
                    actor=worker, case_id=case.pk, to="community", reason="需社区协调", now=later
                )
                raised += 1
            elif roll < 0.95:
                services.case_raise(
                    actor=worker, case_id=case.pk, to="street", reason="需部门处理", now=later
                )
                raised += 1
        if day % 15 == 0:
            for grid_id, chief in list(chiefs.items())[:1]:
                if grid_id not in grids:
                    continue
                point = _centre(grids[grid_id].boundary)
                services.case_report_fixed(
                    actor=actor_for(User.objects.get(pk=chief)),
                    title="井盖松动",
                    result="已垫稳井盖",
                    before=[scene(rng, fixed=False, name="before.jpg")],
                    after=[scene(rng, fixed=True, name="after.jpg")],
                    lat=point[0],
                    lng=point[1],
                    now=moment,
                )
                fixed += 1
    return LadderStats(sum(map(len, informants.values())), reports, settled, raised, fixed)


def _centre(boundary: object) -> tuple[float, float]:
    ring = boundary["coordinates"][0]  # type: ignore[index]
    lng = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    return lat, lng
