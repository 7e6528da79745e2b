"""The first minute on the phone: a resident reports with no account (their number proved by a
text-message code) and later signs in the same way; the point is placed on the district's own
outlines; a receipt says what comes next; a grid worker's day stays on the phone pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.test import Client

from huying.cases.models import Case, CaseState
from huying.cases.tests.helpers import case_in_state
from huying.cases.tests.test_console import login
from huying.catalogue.models import CatalogueItem, Level
from huying.conftest import SENT_TEXTS as SENT
from huying.conftest import Neighbour, World, texted_code
from huying.org.models import OrgUnit, PhoneAccount, PhoneCode, Role, RoleGrant

pytestmark = pytest.mark.django_db

PHONE = "13700001111"


@pytest.fixture(autouse=True)
def _texts(texts: list[tuple[str, str]]) -> None:
    """Texts are kept in ``SENT`` (``huying.conftest.texts``), not sent."""


def _sign_in(client: Client, next_url: str = "/m/report") -> Any:
    page = client.post("/m/login", {"phone": PHONE, "action": "send", "next": next_url})
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    code = texted_code(SENT)
    return client.post("/m/login", {"phone": PHONE, "code": code, "next": next_url})


def test_a_visitor_reports_with_no_account_and_signs_in_later_the_same_way(
    world: World,
) -> None:
    client = Client()
    # The login page's resident link leads to the report, which asks for the number first.
    assert 'href="/m/report"' in client.get("/login/").content.decode()
    asked = client.get("/m/report")
    assert asked.status_code == 302 and asked["Location"] == "/m/login?next=/m/report"
    assert "获取验证码" in client.get(asked["Location"]).content.decode()
    signed = _sign_in(client)
    assert signed.status_code == 302 and signed["Location"] == "/m/report"
    form = client.get("/m/report").content.decode()
    assert f'value="{PHONE}"' in form  # the number they proved, to be called back on
    lat, lng = world.point_in(0)
    sent = client.post(
        "/m/report", {"title": "楼道灯坏了", "lat": lat, "lng": lng, "reporter_phone": PHONE}
    )
    case = Case.objects.get(title="楼道灯坏了")
    assert sent["Location"] == f"/m/c/{case.number}/sent"
    assert case.reporter_id == PhoneAccount.objects.get(phone=PHONE).user_id
    # Another day, another phone: the same number signs in to 我的反映.
    PhoneCode.objects.update(created_at=F("created_at") - timedelta(days=1))
    other = Client()
    assert _sign_in(other, "/m/").status_code == 302
    assert case.number in other.get("/m/").content.decode()


def test_a_wrong_code_signs_nobody_in(world: World) -> None:
    client = Client()
    client.post("/m/login", {"phone": PHONE, "action": "send"})
    code = int(texted_code(SENT))
    refused = client.post("/m/login", {"phone": PHONE, "code": f"{(code + 1) % 10**6:06d}"})
    assert refused.status_code == 422
    assert "验证码不正确或已失效" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_bad_number_is_refused_on_the_page(world: World) -> None:
    refused = Client().post("/m/login", {"phone": "123", "action": "send"})
    assert refused.status_code == 422
    assert "请输入 11 位手机号码" in refused.content.decode() and not SENT


def test_next_never_leaves_the_site(world: World) -> None:
    response = _sign_in(Client(), "https://evil.example/")
    assert response["Location"] == "/m/"


def test_the_receipt_says_the_number_what_comes_next_and_when(world: World) -> None:
    client = login(world, "resident")
    lat, lng = world.point_in(0)
    item = world.items[Level.GENERAL]
    response = client.post(
        "/m/report", {"title": "井盖松动", "lat": lat, "lng": lng, "item_id": item.pk}, follow=True
    )
    page = response.content.decode()
    case = Case.objects.get(title="井盖松动")
    assert f"data-number>{case.number}<" in page
    assert "接下来" in page
    assert f"一般在 {item.handle_limit} 个工作日内办理完毕" in page
    assert f'href="/m/c/{case.number}"' in page  # 查看进度


def test_category_hints_come_from_the_server_and_use_every_keyword(world: World) -> None:
    """Keywords are entered with commas and 顿号, not only spaces (the hint saw none); the
    page asks the server's suggestion instead of matching in the browser."""
    item = world.items[Level.GENERAL]
    CatalogueItem.objects.filter(pk=item.pk).update(keywords="井盖，下水道、污水 积水,路灯")
    client = login(world, "resident")
    page = client.get("/m/report").content.decode()
    assert 'data-url="/api/v1/triage/suggest"' in page and "item-keywords" not in page
    for text in ("门口井盖松了", "下水道冒水", "一下雨就积水"):
        answer = client.post(
            "/api/v1/triage/suggest", {"title": text}, content_type="application/json"
        ).json()
        assert answer["items"][0]["item_id"] == item.pk, text


def test_the_base_map_is_the_district_drawn_from_its_own_polygons(world: World) -> None:
    body = login(world, "resident").get("/m/base.json").json()
    kinds = [f["properties"]["kind"] for f in body["features"]]
    assert kinds.count("grid") == len(world.grids)
    assert "street" in kinds and "community" in kinds
    assert kinds.index("street") < kinds.index("grid")  # drawn under the grids


def test_where_names_the_street_community_and_grid_of_a_point(world: World) -> None:
    client = login(world, "resident")
    lat, lng = world.point_in(0)
    grid = world.grids[0]
    community = OrgUnit.objects.get(children=grid)
    street = OrgUnit.objects.get(children=community)
    names = client.get(f"/m/where?lat={lat}&lng={lng}&coords=wgs84").json()
    assert names == {"street": street.name, "community": community.name, "grid": grid.name}
    outside = client.get("/m/where?lat=0&lng=0").json()
    assert outside == {"street": "", "community": "", "grid": ""}
    assert client.get("/m/where?lat=x&lng=1").status_code == 422
    assert Client().get(f"/m/where?lat={lat}&lng={lng}").status_code == 302


def test_a_grid_worker_handles_a_task_and_stays_on_the_phone(world: World) -> None:
    case = case_in_state(world, CaseState.SELF_HANDLING)
    client = login(world, "grid_worker")
    home = client.get("/m/").content.decode()
    assert f'href="/m/c/{case.number}"' in home
    task = client.get(f"/m/c/{case.number}")
    page = task.content.decode()
    assert task.status_code == 200
    # The action comes first: before the description and the trail.
    assert page.index('data-action="complete_self"') < page.index("办理轨迹")
    assert f'name="next" value="/m/c/{case.number}"' in page
    done = client.post(
        f"/cases/{case.pk}/act/complete_self",
        {
            "c-complete_self-expected_version": case.version,
            "c-complete_self-result": "已清理",
            "next": f"/m/c/{case.number}",
        },
    )
    assert done.status_code == 302 and done["Location"] == f"/m/c/{case.number}"
    after = client.get(done["Location"]).content.decode()
    assert "已处置完毕" in after
    # A next outside the phone pages is ignored.
    other = case_in_state(world, CaseState.SELF_HANDLING)
    back = client.post(
        f"/cases/{other.pk}/act/complete_self",
        {
            "c-complete_self-expected_version": other.version,
            "c-complete_self-result": "已清理",
            "next": "https://evil.example/m/",
        },
    )
    assert back["Location"] == f"/cases/{other.pk}/"


def test_a_patrol_finding_ends_on_a_phone_receipt_with_continue(world: World) -> None:
    client = login(world, "grid_worker")
    client.post("/m/patrol/start", {})
    patrol_page = client.get("/m/").content.decode()
    patrol_id = re.search(r"/m/report\?patrol=(\d+)", patrol_page).group(1)  # type: ignore[union-attr]
    lat, lng = world.point_in(0)
    response = client.post(
        "/m/report", {"title": "占道经营", "lat": lat, "lng": lng, "patrol": patrol_id}, follow=True
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/sent")
    assert "继续巡查" in page and 'href="/m/patrol/"' in page
    assert "查询码" not in page  # the receipt code is the reporter's, not the worker's


def test_where_there_are_several_districts_a_new_resident_says_which(
    world: World, neighbour: Neighbour
) -> None:
    client = Client()
    page = client.post("/m/login", {"phone": PHONE, "action": "send"})
    assert 'name="district_id"' in page.content.decode()
    code = texted_code(SENT)
    unchosen = client.post("/m/login", {"phone": PHONE, "code": code})
    assert unchosen.status_code == 422 and "请选择所在的区" in unchosen.content.decode()
    signed_in = client.post(
        "/m/login", {"phone": PHONE, "code": code, "district_id": neighbour.district.pk}
    )
    assert signed_in.status_code == 302
    grant = RoleGrant.objects.get(user__phone_account__phone=PHONE)
    assert grant.role == Role.RESIDENT and grant.unit_id == neighbour.district.pk
