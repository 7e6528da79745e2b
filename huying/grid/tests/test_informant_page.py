"""我的信息员 on the phone: the grid worker lists, enrols and suspends his informants."""

from __future__ import annotations

import pytest
from django.test import Client

from huying.conftest import World
from huying.org.models import Role, RoleGrant

pytestmark = pytest.mark.django_db


def test_enrol_then_suspend_on_the_phone_page(world: World) -> None:
    client = Client()
    client.force_login(world.actor("grid_worker").user)
    page = client.get("/m/informants/")
    assert page.status_code == 200
    assert "我的信息员" in page.content.decode()
    sent = client.post(
        "/m/informants/enrol",
        {"grid_id": world.grids[0].pk, "name": "王大姐", "phone": "139 0000 1111"},
        follow=True,
    )
    assert "已登记信息员：王大姐" in sent.content.decode()
    grant = RoleGrant.objects.get(role=Role.GRID_INFORMANT, user__first_name="王大姐")
    assert "139****1111" in sent.content.decode()
    client.post(f"/m/informants/{grant.pk}/active", follow=True)
    grant.refresh_from_db()
    assert not grant.is_active


def test_a_refusal_is_shown_on_the_form_with_its_status(world: World) -> None:
    client = Client()
    client.force_login(world.actor("grid_worker").user)
    refused = client.post(
        "/m/informants/enrol", {"grid_id": world.grids[0].pk, "name": "王大姐", "phone": "123"}
    )
    assert refused.status_code == 422
    assert "11 位手机号码" in refused.content.decode()
    assert not RoleGrant.objects.filter(user__first_name="王大姐").exists()


def test_not_a_page_for_a_street_or_an_informant(world: World) -> None:
    for who in ("street", "informant"):
        client = Client()
        client.force_login(world.actor(who).user)
        assert client.get("/m/informants/").status_code == 403
