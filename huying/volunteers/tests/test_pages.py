"""The pages: the community desk reviews and registers, a refused action says why in
Chinese and changes nothing, the phone takes a need from post to confirmation, the figures
download as workbooks, and whatever is out of scope is a 404."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.conftest import World
from huying.volunteers.models import OrderState, PointsEntry, ServiceOrder, Volunteer
from huying.volunteers.tests.helpers import confirmed, posted, rule, volunteer

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_desk_lists_waiting_needs_and_publishes(world: World) -> None:
    order = posted(world)
    staff = _client(world.actor("community").user)
    page = staff.get("/volunteers/").content.decode()
    assert order.number in page and "待审核的需求" in page
    answer = staff.post(
        f"/volunteers/orders/{order.pk}/publish",
        {"version": order.version, "next": "/volunteers/"},
        follow=True,
    )
    assert "已发布" in answer.content.decode()
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.PUBLISHED


def test_a_refused_action_says_why_and_changes_nothing(world: World) -> None:
    order = posted(world)
    staff = _client(world.actor("community").user)
    answer = staff.post(f"/volunteers/orders/{order.pk}/refuse", {"reason": ""}, follow=True)
    assert "请填写不予受理的理由" in answer.content.decode()
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.POSTED
    assert staff.post(f"/volunteers/orders/{order.pk}/explode").status_code == 404


def test_out_of_scope_is_404(world: World) -> None:
    order = posted(world)
    other = _client(world.actor("street_b").user)
    assert other.get(f"/volunteers/orders/{order.pk}/").status_code == 404
    assert other.post(f"/volunteers/orders/{order.pk}/publish").status_code == 404
    resident2 = _client(world.actor("resident2").user)
    assert resident2.get(f"/m/volunteers/orders/{order.pk}/").status_code == 404
    assert _client(world.actor("dept_cg").user).get("/volunteers/").status_code == 404
    v = volunteer(world)
    assert other.get(f"/volunteers/people/{v.pk}/").status_code == 404


def test_the_community_registers_a_party_member_and_corrects_points(world: World) -> None:
    staff = _client(world.actor("community").user)
    answer = staff.post(
        "/volunteers/people/",
        {"name": "刘党员", "phone": "13812345678", "kind": "party_member", "employer": ""},
        follow=True,
    )
    assert "请填写工作单位" in answer.content.decode()
    assert not Volunteer.objects.exists()
    staff.post(
        "/volunteers/people/",
        {"name": "刘党员", "phone": "13812345678", "kind": "party_member", "employer": "区财政局"},
    )
    v = Volunteer.objects.get()
    page = staff.get(f"/volunteers/people/{v.pk}/").content.decode()
    assert "区财政局" in page and "更正积分" in page
    staff.post(f"/volunteers/people/{v.pk}/correct", {"points": "3", "reason": "补记活动积分"})
    assert PointsEntry.objects.get().points == 3
    assert "补记活动积分" in staff.get(f"/volunteers/people/{v.pk}/").content.decode()


def test_the_phone_path_post_take_check_confirm(world: World) -> None:
    rule()
    v = volunteer(world)
    resident = _client(world.actor("resident").user)
    form = resident.get("/m/volunteers/post").content.decode()
    assert "第1社区" in form
    answer = resident.post(
        "/m/volunteers/post",
        {
            "title": "代购药品",
            "community_id": world.communities[0].pk,
            "place": "幸福小区 3 栋",
            "wanted_at": "2030-01-02T09:30",
            "wanted_count": "1",
        },
    )
    order = ServiceOrder.objects.get()
    assert answer.status_code == 302 and order.wanted_at.hour == 1  # 09:30 Beijing is 01:30 UTC
    _client(world.actor("community").user).post(f"/volunteers/orders/{order.pk}/publish")
    taker = _client(v.user)
    assert "代购药品" in taker.get("/m/volunteers/").content.decode()
    taker.post(f"/volunteers/orders/{order.pk}/take")
    taker.post(f"/volunteers/orders/{order.pk}/check_in", {"place": "3 栋"})
    taker.post(f"/volunteers/orders/{order.pk}/check_out", {"place": "3 栋"})
    assert ServiceOrder.objects.get().state == OrderState.DONE
    page = resident.get(f"/m/volunteers/orders/{order.pk}/").content.decode()
    assert "确认服务" in page
    resident.post(
        f"/volunteers/orders/{order.pk}/confirm",
        {"rating": "5", "version": ServiceOrder.objects.get().version},
    )
    assert ServiceOrder.objects.get().state == OrderState.CONFIRMED
    assert "我的积分" in taker.get("/m/volunteers/points").content.decode()


def test_a_phone_post_with_bad_input_keeps_the_form(world: World) -> None:
    resident = _client(world.actor("resident").user)
    answer = resident.post(
        "/m/volunteers/post",
        {
            "title": "代购药品",
            "community_id": world.communities[0].pk,
            "place": "",
            "wanted_at": "2030-01-02T09:30",
        },
    )
    assert answer.status_code == 200 and "请填写服务地点" in answer.content.decode()
    assert 'value="代购药品"' in answer.content.decode()
    assert not ServiceOrder.objects.exists()


def test_a_resident_applies_on_the_phone(world: World) -> None:
    resident = _client(world.actor("resident").user)
    assert "申请成为志愿者" in resident.get("/m/volunteers/").content.decode()
    resident.post(
        "/m/volunteers/apply",
        {
            "name": "陈",
            "phone": "13500000001",
            "community_id": world.communities[0].pk,
            "kind": "resident",
        },
    )
    assert "等待社区审核" in resident.get("/m/volunteers/").content.decode()
    staff = _client(world.actor("community").user)
    assert "志愿者申请" in staff.get("/volunteers/").content.decode()


def test_a_case_page_of_orders(world: World) -> None:
    closed = case_in_state(world, CaseState.CLOSED)
    street = _client(world.actor("street").user)
    page = street.get(f"/volunteers/cases/{closed.pk}/").content.decode()
    assert closed.number in page and "由此事件发起志愿服务" in page
    street.post(
        f"/volunteers/cases/{closed.pk}/",
        {
            "title": "上门看望",
            "place": "3 栋",
            "wanted_at": "2030-01-02T09:30",
            "contact_name": "王阿姨",
        },
    )
    order = ServiceOrder.objects.get()
    assert order.case_id == closed.pk
    assert order.number in street.get(f"/volunteers/cases/{closed.pk}/").content.decode()
    # The case's own page lists it too.
    case_page = street.get(f"/cases/{closed.pk}/").content.decode()
    assert "由此发起的志愿服务" in case_page and f"{order.number}（待审核）" in case_page
    assert (
        closed.number
        in _client(world.actor("community").user)
        .get(f"/volunteers/orders/{order.pk}/")
        .content.decode()
    )
    assert (
        _client(world.actor("street_b").user).get(f"/volunteers/cases/{closed.pk}/").status_code
        == 404
    )


def test_figures_pages_and_workbooks(world: World) -> None:
    rule()
    confirmed(world, [volunteer(world, "甲", kind="party_member", employer="区财政局")])
    street = _client(world.actor("street").user)
    assert "甲" in street.get("/volunteers/rankings/", {"month": "2026-03"}).content.decode()
    page = street.get("/volunteers/report/", {"month": "2026-03"}).content.decode()
    assert "第1社区" in page and "区财政局" in page
    book = street.get("/volunteers/report.xlsx", {"month": "2026-03"})
    rows = list(load_workbook(BytesIO(b"".join(book.streaming_content))).active.values)  # type: ignore[attr-defined]
    assert rows[1][:3] == ("第1社区", 1, 1)
    employers = street.get("/volunteers/employers.xlsx", {"month": "2026-03"})
    rows = list(load_workbook(BytesIO(b"".join(employers.streaming_content))).active.values)  # type: ignore[attr-defined]
    assert rows[1][:2] == ("区财政局", "甲")
    assert street.get("/volunteers/rankings/", {"unit": world.communities[1].pk}).status_code == 404
    assert _client(world.actor("hub").user).get("/volunteers/report/").status_code == 200


def test_the_desk_finds_a_case_by_its_number_and_makes_teams(world: World) -> None:
    closed = case_in_state(world, CaseState.CLOSED)
    staff = _client(world.actor("community").user)
    found = staff.get("/volunteers/cases/", {"number": closed.number})
    assert found.status_code == 302 and found["Location"] == f"/volunteers/cases/{closed.pk}/"
    missing = staff.get("/volunteers/cases/", {"number": "JJ-00000000-00000"}, follow=True)
    assert "没有找到该编号的事件" in missing.content.decode()
    staff.post("/volunteers/teams/new", {"name": "三色志愿服务队", "colour": "blue"})
    assert "三色志愿服务队" in staff.get("/volunteers/people/").content.decode()
    assert (
        _client(world.actor("street").user).post("/volunteers/teams/new", {"name": "x"}).status_code
        == 404
    )
