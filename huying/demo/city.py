"""The demo's city: 锦城区 beside a small second district, 青城区, and the city node above
both — so that the district as a tenant can be seen at work: 青城区's people see only
青城区, 锦城区's only 锦城区, and the city's hub supervisor and administrator read both.

青城区 is one street of two communities and four grids east of 锦城区, its own hub and
departments (the demo's list of departments under its own name), its own catalogue (the
demo's items, led by its own departments), and a dozen cases taken through the same services
as the year's: some waiting for triage, some with a department, some closed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from huying.cases import services as case_services
from huying.cases.models import Assignment
from huying.catalogue.models import CatalogueItem
from huying.demo.district import (
    DEFAULT_PUBLISHED_AT,
    DEPARTMENTS,
    MAX_LNG,
    MIN_LAT,
    People,
    build_catalogue,
)
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.org.services import unit_create

K = OrgUnit.Kind

CITY_CODE = "510100"
CITY_NAME = "成都市"
NEIGHBOUR_CODE = "510198"
NEIGHBOUR_NAME = "青城区"
NEIGHBOUR_ABBR = "QC"
#: 青城区 lies east of 锦城区: four grids in a 2 × 2 block.
GRID_SIZE = 0.012

#: The departments with a handler's account (qc_dept_<key>): the items of ``REPORTS`` are
#: led by them.
HANDLED = ("cg", "sw", "hb", "yl", "sj")

#: (title, the item a street triages it as, how far it goes: submitted / called / closed).
REPORTS = (
    ("青城大道路灯不亮", "GL01", "closed"),
    ("文庙街人行道井盖松动", "GL02", "closed"),
    ("学府路渣土车撒漏", "ZF10", "closed"),
    ("文庙街店招违规设置", "ZF09", "closed"),
    ("青城大道违章搭建", "ZF02", "called"),
    ("文庙街油烟扰民", "ZF05", "called"),
    ("学府路商铺无证经营", "ZF12", "called"),
    ("青城社区楼道堆放杂物", None, "submitted"),
    ("青城公园路面破损", None, "submitted"),
    ("学府路共享单车乱停放", None, "submitted"),
)


@dataclass
class DemoCity:
    city: OrgUnit
    district: OrgUnit
    accounts: list[tuple[str, str, str]]
    cases: int


def _square(lng: float, lat: float) -> dict[str, Any]:
    ring = [
        [lng, lat],
        [lng + GRID_SIZE, lat],
        [lng + GRID_SIZE, lat + GRID_SIZE],
        [lng, lat + GRID_SIZE],
        [lng, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _actor(username: str) -> Actor:
    grant = RoleGrant.objects.select_related("user", "unit").get(user__username=username)
    return Actor.from_grant(grant)


def build_city(*, password: str, now: datetime, rng_seed: int = 2026) -> DemoCity:
    """Build the city node and 青城区 beside the demo district, their accounts with the
    demo's password (each hashed on its own, as ``build_district`` does)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    rng = random.Random(rng_seed + 7)
    people = People(rng)
    city = unit_create(kind=K.CITY, code=CITY_CODE, name=CITY_NAME)
    district = unit_create(
        kind=K.DISTRICT, code=NEIGHBOUR_CODE, name=NEIGHBOUR_NAME, abbr=NEIGHBOUR_ABBR
    )
    street = unit_create(
        kind=K.STREET, code=f"{NEIGHBOUR_CODE}001", name="青城街道", parent=district
    )
    grids = []
    for c_no, c_name in enumerate(("文庙", "学府"), start=1):
        community = unit_create(
            kind=K.COMMUNITY,
            code=f"{street.code}{c_no:03d}",
            name=f"{c_name}社区",
            parent=street,
            subtype="社区",
        )
        for g_no in (1, 2):
            grids.append(
                unit_create(
                    kind=K.GRID,
                    code=f"{community.code}{g_no:03d}",
                    name=f"{community.name}第{g_no}网格",
                    parent=community,
                    boundary=_square(
                        MAX_LNG + 0.01 + (c_no - 1) * GRID_SIZE,
                        MIN_LAT + (g_no - 1) * GRID_SIZE,
                    ),
                )
            )
    hub = unit_create(
        kind=K.HUB, code=f"{NEIGHBOUR_CODE}-hub", name="青城区街道呼·部门应办公室", parent=district
    )
    departments = {
        key: unit_create(
            kind=K.DEPARTMENT,
            code=f"{NEIGHBOUR_CODE}-{key}",
            name=name.replace("锦城", "青城"),
            parent=district,
        )
        for key, name in DEPARTMENTS
    }
    _, items = build_catalogue(district, departments, DEFAULT_PUBLISHED_AT)

    people.add("city", Role.HUB_SUPERVISOR, city)
    people.add("cityadmin", Role.ADMIN, city)
    people.add("qc_hub", Role.HUB_DISPATCHER, hub)
    people.add("qc_leader", Role.DISTRICT_LEADER, district)
    people.add("qc_admin", Role.ADMIN, district)
    people.add("qc_street", Role.STREET_CALLER, street)
    for key in HANDLED:
        people.add(f"qc_dept_{key}", Role.DEPT_HANDLER, departments[key])
    residents = [people.add(f"qc_resident{n}", Role.RESIDENT, grids[n - 1]) for n in (1, 2, 3)]
    User = get_user_model()
    User.objects.bulk_update(
        [User(pk=pk, password=make_password(password)) for pk in people.user_ids], ["password"]
    )
    User.objects.filter(username="cityadmin").update(is_staff=True, is_superuser=True)

    made = _cases({i.code: i for i in items}, grids, residents, now=now, rng=rng)
    return DemoCity(city=city, district=district, accounts=people.accounts, cases=made)


def _cases(
    items: dict[str, CatalogueItem],
    grids: list[OrgUnit],
    residents: list[Any],
    *,
    now: datetime,
    rng: random.Random,
) -> int:
    street = _actor("qc_street")
    start = now - timedelta(days=20)
    for n, (title, code, fate) in enumerate(REPORTS):
        at = start + timedelta(days=2 * n, hours=rng.randint(0, 6))
        grid = grids[n % len(grids)]
        ring = grid.boundary["coordinates"][0]  # type: ignore[index]
        reporter = Actor.from_grant(
            RoleGrant.objects.select_related("user", "unit").get(user=residents[n % 3])
        )
        case = case_services.case_submit(
            actor=reporter,
            title=title,
            description=f"{title}，请尽快处理。",
            lat=ring[0][1] + GRID_SIZE / 2,
            lng=ring[0][0] + GRID_SIZE / 2,
            now=at,
        )
        if code is None:
            continue
        item = items[code]
        at += timedelta(hours=1)
        case_services.case_triage(actor=street, case_id=case.pk, item_id=item.pk, now=at)
        case_services.case_call(actor=street, case_id=case.pk, now=at)
        if fate == "called":
            continue
        a = Assignment.objects.select_related("department").get(case=case)
        dept = Actor.from_grant(
            RoleGrant.objects.select_related("user", "unit").get(
                unit=a.department, role=Role.DEPT_HANDLER
            )
        )
        at += timedelta(hours=2)
        case_services.assignment_report_in(actor=dept, assignment_id=a.pk, now=at)
        case_services.assignment_accept(actor=dept, assignment_id=a.pk, now=at)
        at += timedelta(days=1)
        case_services.assignment_submit_result(
            actor=dept, assignment_id=a.pk, result="已处理完毕，现场恢复正常", now=at
        )
        at += timedelta(hours=3)
        case_services.case_verify(actor=street, case_id=case.pk, passed=True, now=at)
        case_services.case_follow_up(
            actor=street, case_id=case.pk, satisfaction="satisfied", now=at
        )
    return len(REPORTS)
