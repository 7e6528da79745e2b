"""The 统计 page and the wall screen: who gets them, and what they carry for dashboard.js."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from huying.conftest import World


def page(world: World, name: str, url: str) -> tuple[int, str]:
    client = Client()
    client.force_login(world.actor(name).user)
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(
    ("name", "scope"),
    [("hub", "district"), ("leader", "district"), ("street", "street"), ("dept_cg", "department")],
)
def test_dashboard_and_wall_for_each_role_with_figures(world: World, name: str, scope: str) -> None:
    for url in ("/reports/", "/reports/wall/"):
        status, html = page(world, name, url)
        assert status == 200, url
        config = json.loads(
            html.split('id="dashboard-config" type="application/json">')[1].split("</script>")[0]
        )
        assert config["scope"] == scope
        assert config["api"] == "/api/v1/dashboard/"
        assert config["grant"] == world.actor(name).grant_id
        # Tiles that are an indicator's part drill down by the scope's own group.
        drill = config["drill"]
        assert drill is None if scope == "department" else drill["by"] == scope
    # The nav shows the page to those who have one.
    assert 'href="/reports/"' in page(world, name, "/cases/")[1]


@pytest.mark.parametrize("name", ["resident", "grid_worker", "community"])
def test_roles_without_figures_get_no_dashboard(world: World, name: str) -> None:
    assert page(world, name, "/reports/")[0] == 404
    assert page(world, name, "/reports/wall/")[0] == 404


def test_the_wall_refreshes_itself_and_the_dashboard_does_not(world: World) -> None:
    _, wall = page(world, "hub", "/reports/wall/")
    _, dash = page(world, "hub", "/reports/")
    assert '"refresh": 60' in wall and '"refresh": 0' in dash
    assert 'class="wall"' in wall


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get("/reports/")
    assert response.status_code == 302 and "/login/" in response["Location"]
