"""Shared fixtures: a small district with every role, built through the org services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from huying.catalogue.models import CatalogueItem, Level, LimitUnit
from huying.catalogue.services import (
    catalogue_class_create,
    catalogue_create,
    catalogue_item_create,
    catalogue_publish,
)
from huying.core.services import calendar_year_confirm
from huying.core.workcalendar import invalidate_calendar
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role
from huying.org.selectors import grants_changed, grid_index
from huying.org.services import grant_role, person_create, unit_create

K = OrgUnit.Kind
SH = ZoneInfo("Asia/Shanghai")

#: A Tuesday morning with no holiday near it.
MONDAY_10AM = datetime(2026, 3, 10, 10, 0, tzinfo=SH)


def square(lng: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
        ],
    }


@dataclass
class World:
    district: OrgUnit
    hub: OrgUnit
    streets: list[OrgUnit]
    communities: list[OrgUnit]
    grids: list[OrgUnit]
    departments: dict[str, OrgUnit]
    items: dict[int, CatalogueItem]
    actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, name: str) -> Actor:
        return self.actors[name]

    def point_in(self, grid_index: int) -> tuple[float, float]:
        """(lat, lng) at the centre of a grid."""
        ring = self.grids[grid_index].boundary["coordinates"][0]  # type: ignore[index]
        return ring[0][1] + 0.005, ring[0][0] + 0.005


def build_world() -> World:
    district = unit_create(kind=K.DISTRICT, code="510199", name="锦城区", abbr="JJ")
    hub = unit_create(kind=K.HUB, code="HUB", name="呼应办", parent=district)
    streets, communities, grids = [], [], []
    for s in range(2):
        street = unit_create(
            kind=K.STREET, code=f"510199{s + 1:03d}", name=f"第{s + 1}街道", parent=district
        )
        streets.append(street)
        community = unit_create(
            kind=K.COMMUNITY, code=f"{street.code}001", name=f"第{s + 1}社区", parent=street
        )
        communities.append(community)
        for g in range(2):
            grids.append(
                unit_create(
                    kind=K.GRID,
                    code=f"{community.code}{g + 1:03d}",
                    name=f"网格{s + 1}-{g + 1}",
                    parent=community,
                    boundary=square(104.0 + 0.01 * (2 * s + g), 30.6),
                )
            )
    departments = {
        key: unit_create(kind=K.DEPARTMENT, code=f"D-{key}", name=name, parent=district)
        for key, name in [
            ("cg", "城管局"),
            ("sw", "水务局"),
            ("hb", "生态环境局"),
            ("jt", "交通局"),
        ]
    }
    departments["cg_unit"] = unit_create(
        kind=K.FIELD_UNIT, code="D-cg-1", name="城管执法一中队", parent=departments["cg"]
    )
    cat = catalogue_create(version=1, name="测试清单")
    klass = catalogue_class_create(catalogue=cat, code="A", name="综合执法")
    specs = {
        Level.SIMPLE: ("占道经营", None, (), 1, 3),
        Level.GENERAL: ("路灯不亮", "cg", (), 1, 5),
        Level.COMPLEX: ("排水口水质污染", "sw", ("hb",), 1, 10),
        Level.MAJOR: ("燃气泄漏", "cg", ("jt",), 30, 72),
    }
    items: dict[int, CatalogueItem] = {}
    for level, (name, lead, co, rin, handle) in specs.items():
        major = level == Level.MAJOR
        items[level] = catalogue_item_create(
            klass=klass,
            code=f"A{level}",
            name=name,
            default_level=level,
            lead_department=departments[lead] if lead else None,
            co_departments=[departments[c] for c in co],
            report_in_limit=rin,
            report_in_unit=LimitUnit.MINUTES if major else LimitUnit.WORKING_DAYS,
            handle_limit=handle,
            handle_unit=LimitUnit.HOURS if major else LimitUnit.WORKING_DAYS,
        )
    catalogue_publish(catalogue=cat, now=MONDAY_10AM)
    world = World(district, hub, streets, communities, grids, departments, items)
    placements = {
        "resident": (Role.RESIDENT, communities[0]),
        "resident2": (Role.RESIDENT, communities[0]),
        "grid_worker": (Role.GRID_WORKER, grids[0]),
        "grid_worker_b": (Role.GRID_WORKER, grids[2]),
        "grid_leader": (Role.GRID_LEADER, communities[0]),
        "community": (Role.COMMUNITY_STAFF, communities[0]),
        "street": (Role.STREET_CALLER, streets[0]),
        "street_leader": (Role.STREET_LEADER, streets[0]),
        "street_b": (Role.STREET_CALLER, streets[1]),
        "hub": (Role.HUB_DISPATCHER, hub),
        "hub_sup": (Role.HUB_SUPERVISOR, hub),
        "dept_cg": (Role.DEPT_HANDLER, departments["cg"]),
        "dept_cg_unit": (Role.DEPT_HANDLER, departments["cg_unit"]),
        "dept_cg_leader": (Role.DEPT_LEADER, departments["cg"]),
        "dept_sw": (Role.DEPT_HANDLER, departments["sw"]),
        "dept_hb": (Role.DEPT_HANDLER, departments["hb"]),
        "dept_jt": (Role.DEPT_HANDLER, departments["jt"]),
        "leader": (Role.DISTRICT_LEADER, district),
        "admin": (Role.ADMIN, district),
    }
    for name, (role, unit) in placements.items():
        user = person_create(username=name, full_name=f"测试{name}")
        world.actors[name] = Actor.from_grant(grant_role(user=user, role=role, unit=unit))
    return world


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Ids repeat across tests; nothing cached in one may leak into the next."""
    grid_index.invalidate()
    grants_changed()
    cache.clear()
    invalidate_calendar()  # the calendar caches overrides and confirmed years per process
    yield
    grid_index.invalidate()
    invalidate_calendar()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request in English leaves English active in this thread (LocaleMiddleware activates
    a language per request and never deactivates it): later tests start in the default."""
    yield
    translation.deactivate()


def confirm_calendar_years(*years: int) -> None:
    """Confirm years chinese_calendar does not cover (Monday–Friday, nothing entered), for a
    test whose deadlines reach past 2026 (the pinned package's last year)."""
    for year in years:
        calendar_year_confirm(actor=None, year=year, note="测试数据：按周一至周五", now=MONDAY_10AM)


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
