"""Where a sign-in lands: grid and community staff on the phone pages, the others on the
workbench, unless the sign-in was asked for a page (``next``)."""

from __future__ import annotations

import pytest
from django.test import Client

from huying.conftest import World

pytestmark = pytest.mark.django_db

PASSWORD = "landing-test-pw"


def sign_in(world: World, name: str, next_url: str = "") -> list[str]:
    user = world.actor(name).user
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    data = {"username": user.username, "password": PASSWORD, "next": next_url}
    response = Client().post("/login/", data, follow=True)
    assert response.status_code == 200
    return [url for url, _ in response.redirect_chain]


@pytest.mark.parametrize("who", ["grid_worker", "grid_leader", "community"])
def test_field_staff_land_on_their_phone_pages(world: World, who: str) -> None:
    assert sign_in(world, who)[-1] == "/m/"


@pytest.mark.parametrize("who", ["hub", "street", "dept_cg", "leader", "admin"])
def test_office_staff_land_on_the_workbench(world: World, who: str) -> None:
    assert sign_in(world, who)[-1] == "/"


def test_a_page_asked_for_wins(world: World) -> None:
    assert sign_in(world, "grid_worker", "/cases/map/") == ["/cases/map/"]


def test_the_desktop_menu_leads_field_staff_to_the_phone_pages(world: World) -> None:
    field, office = Client(), Client()
    field.force_login(world.actor("grid_leader").user)
    office.force_login(world.actor("street").user)
    link = '<a href="/m/">手机端</a>'
    assert link in field.get("/cases/").content.decode()
    assert link not in office.get("/cases/").content.decode()
