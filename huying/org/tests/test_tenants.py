"""Districts as tenants, the back office (组织管理): a district's administrator sees and edits
its own district's departments, grids, units and sign-ins, none of the next district's (404,
nothing changes); the city's administrator all of them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from huying.conftest import Neighbour, World
from huying.core.errors import InvalidInput, NotFound
from huying.org import services, signin
from huying.org.models import OrgUnit, SignIn


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_districts_administrator_manages_none_of_the_next_ones_units(
    world: World, neighbour: Neighbour
) -> None:
    admin = _client(world, "admin")
    assert "青城区城管局" not in _page(admin, "/manage/org/departments/")
    assert "青城网格" not in _page(admin, "/manage/org/grids/")
    assert "青城街道" not in _page(
        admin, f"/manage/org/departments/{world.departments['cg_unit'].pk}/"
    )
    department, grid = neighbour.department, neighbour.grid
    assert admin.get(f"/manage/org/departments/{department.pk}/").status_code == 404
    assert admin.get(f"/manage/org/grids/{grid.pk}/").status_code == 404
    posted = admin.post(
        f"/manage/org/departments/{department.pk}/",
        {"name": "改名", "code": department.code, "is_active": "on"},
    )
    assert posted.status_code == 404
    with pytest.raises(NotFound):
        services.department_update(
            actor=world.actor("admin"),
            unit=department,
            name="改名",
            code=department.code,
            phone="",
            is_active=True,
            now=timezone.now(),
        )
    assert OrgUnit.objects.get(pk=department.pk).name == "青城区城管局"


def test_a_field_unit_is_stationed_in_its_own_districts_streets_only(
    world: World, neighbour: Neighbour
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.field_unit_create(
            actor=world.actor("admin"),
            department=world.departments["cg"],
            code="D-cg-9",
            name="城管执法九中队",
            now=timezone.now(),
            stationed_in=[neighbour.street.pk],
        )
    assert refused.value.details == {"field": "stationed_in"}
    assert not OrgUnit.objects.filter(code="D-cg-9").exists()


def test_the_citys_administrator_manages_every_district(world: World, neighbour: Neighbour) -> None:
    city = _client(world, "city_admin")
    departments = _page(city, "/manage/org/departments/")
    assert "青城区城管局" in departments and "城管局" in departments
    assert city.get(f"/manage/org/grids/{neighbour.grid.pk}/").status_code == 200
    assert city.get(f"/manage/org/grids/{world.grids[0].pk}/").status_code == 200


def test_the_org_api_lists_the_callers_district(world: World, neighbour: Neighbour) -> None:
    hub = _client(world, "hub")
    names = {u["name"] for u in hub.get("/api/v1/org/units").json()}
    assert "锦城区" in names and not {"青城区", "青城网格", "成都市"} & names
    assert hub.get(f"/api/v1/org/units/{neighbour.grid.pk}").status_code == 404
    everything = {u["name"] for u in _client(world, "city_sup").get("/api/v1/org/units").json()}
    assert {"锦城区", "青城区", "青城网格"} <= everything


def test_the_sign_in_log_shows_a_district_its_own_people(
    world: World, neighbour: Neighbour
) -> None:
    now = timezone.now()
    for who in ("street", "street_q"):
        signin.log_attempt(
            username=who,
            ip="203.0.113.7",
            agent="",
            result=SignIn.Result.FAILURE,
            reason="密码错误",
            now=now,
        )
    ours = _page(_client(world, "admin"), "/manage/org/sign-ins/")
    assert "测试street<" in ours and "测试street_q" not in ours
    assert "测试street_q" in _page(_client(world, "admin_q"), "/manage/org/sign-ins/")
    every = _page(_client(world, "city_admin"), "/manage/org/sign-ins/")
    assert "测试street<" in every and "测试street_q" in every
