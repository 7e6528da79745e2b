"""The pages: the keepers' page places a point from the form (a refused one stays on the
form), others' pages are 404, the coverage table and drill-down, and 身边的服务 without
signing in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from huying.conftest import World
from huying.lifecircle.models import ServiceKind, ServicePoint
from huying.lifecircle.tests.helpers import kinds, point

pytestmark = pytest.mark.django_db


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _form(**kw: Any) -> dict[str, Any]:
    return {
        "name": "第一社区日间照料站",
        "kind_id": ServiceKind.objects.get(code="elderly").pk,
        "address": "示范路 9 号",
        "lat": "30.605",
        "lng": "104.012",
        "coords": "wgs84",
        "hours_1": "08:00-11:30，13:00-17:00",
        "hours_6": "",
        "services": "助餐\n日托",
        **kw,
    }


def test_a_street_adds_a_point_on_its_page(world: World) -> None:
    kinds()
    client = _client(world, "street")
    assert client.get("/lifecircle/").status_code == 200
    response = client.post("/lifecircle/", _form())
    assert response.status_code == 302
    made = ServicePoint.objects.get()
    assert made.hours["1"] == [["08:00", "11:30"], ["13:00", "17:00"]]
    assert made.services == ["助餐", "日托"]
    page = client.get(f"/lifecircle/points/{made.pk}/")
    assert page.status_code == 200 and "第一社区日间照料站" in page.content.decode()


def test_a_refused_point_stays_on_the_form(world: World) -> None:
    kinds()
    response = _client(world, "street_b").post("/lifecircle/", _form())
    assert response.status_code == 422
    assert "不在你管理的范围内" in response.content.decode()
    assert not ServicePoint.objects.exists()


@pytest.mark.parametrize("who", ["resident", "community", "dept_cg", "hub"])
def test_the_keepers_page_does_not_exist_for_others(world: World, who: str) -> None:
    kinds()
    made = point(world, at=(30.605, 104.005))
    client = _client(world, who)
    assert client.get("/lifecircle/").status_code == 404
    assert client.get(f"/lifecircle/points/{made.pk}/").status_code == 404


def test_another_streets_point_page_is_404(world: World) -> None:
    kinds()
    made = point(world, at=(30.605, 104.005))
    assert _client(world, "street_b").get(f"/lifecircle/points/{made.pk}/").status_code == 404
    assert (
        _client(world, "street_b")
        .post(f"/lifecircle/points/{made.pk}/delete", {"version": 1})
        .status_code
        == 404
    )
    assert ServicePoint.objects.exists()


def test_coverage_table_and_drill_down(world: World) -> None:
    kinds()
    point(world, at=(30.605, 104.001))
    client = _client(world, "street")
    table = client.get("/lifecircle/coverage/").content.decode()
    assert "第1社区" in table and "第2社区" not in table and "0%" in table
    page = client.get(f"/lifecircle/coverage/{world.communities[0].pk}/?kind=health")
    assert page.status_code == 200 and "红色区域" in page.content.decode()
    assert client.get(f"/lifecircle/coverage/{world.communities[1].pk}/").status_code == 404
    assert _client(world, "resident").get("/lifecircle/coverage/").status_code == 404


def test_only_the_district_edits_kinds(world: World) -> None:
    kinds()
    assert _client(world, "street").get("/lifecircle/kinds/").status_code == 404
    client = _client(world, "admin")
    childcare = ServiceKind.objects.get(code="childcare")
    client.post(
        "/lifecircle/kinds/",
        {"kind": childcare.pk, "version": 1, "name": "托育点", "essential": "on"},
    )
    childcare.refresh_from_db()
    assert childcare.essential


def test_nearby_for_a_resident_without_signing_in(world: World) -> None:
    kinds()
    point(world, at=(30.605, 104.005), hours={d: ["00:00-24:00"] for d in "1234567"})
    page = Client().get("/m/nearby", {"lat": "30.605", "lng": "104.006", "coords": "wgs84"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "第一社区卫生服务站" in body and "营业中" in body and "步行约 1 分钟" in body
    by_community = Client().get("/m/nearby", {"community": world.communities[0].pk})
    assert "第一社区卫生服务站" in by_community.content.decode()
    far = Client().get("/m/nearby", {"community": str(world.communities[1].pk), "kind": "health"})
    assert "没有找到" in far.content.decode()
    assert Client().get("/m/nearby").status_code == 200
