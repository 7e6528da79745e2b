"""The pages: a window accepts from the item search and checklist, a refusal changes nothing
and says why in Chinese, the application page moves it on for whoever holds it, and the
resident browses items and finds the application with the receipt's number and code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huying.conftest import World
from huying.core.tests.images import png
from huying.onewindow.models import Application, ApplicationState, ServiceItem
from huying.onewindow.tests.helpers import MATERIALS, accept, item

pytestmark = pytest.mark.django_db


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def test_the_window_searches_and_accepts_with_photos(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    made = item(world)
    item(world, code="FW002", name="残疾人补贴", published=False)
    client = _client(world, "community")
    found = client.get("/onewindow/", {"q": "优待"}).content.decode()
    assert "老年优待证" in found and "残疾人补贴" not in found
    form = client.get("/onewindow/", {"item": made.pk}).content.decode()
    assert all(m in form for m in MATERIALS) and "5 个工作日" in form
    answer = client.post(
        "/onewindow/",
        {
            "item": made.pk,
            "resident_name": "张桂兰",
            "resident_phone": "13800001234",
            "materials_checked": MATERIALS,
            "files": [SimpleUploadedFile("身份证.png", png(), content_type="image/png")],
        },
    )
    app = Application.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/onewindow/applications/{app.pk}/"
    page = client.get(answer["Location"]).content.decode()
    assert app.number in page and app.track_code in page and "身份证.png" in page
    photo = client.get(f"/onewindow/photos/{app.photos.get().pk}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert (
        _client(world, "dept_sw").get(f"/onewindow/photos/{app.photos.get().pk}/").status_code
        == 404
    )


def test_missing_materials_are_told_and_nothing_is_accepted(world: World) -> None:
    made = item(world)
    page = _client(world, "community").post(
        "/onewindow/",
        {
            "item": made.pk,
            "resident_name": "张桂兰",
            "resident_phone": "13800001234",
            "materials_checked": ["身份证"],
        },
    )
    assert page.status_code == 200
    assert "材料不齐，请一次性告知申请人补齐：户口簿、1 寸照片" in page.content.decode()
    assert not Application.objects.exists()


def test_the_application_moves_from_window_to_department(world: World) -> None:
    app = accept(world, item(world))
    window = _client(world, "community")
    page = window.get(f"/onewindow/applications/{app.pk}/").content.decode()
    assert "转城管局办理" in page
    assert _client(world, "dept_cg").get(f"/onewindow/applications/{app.pk}/").status_code == 404
    window.post(f"/onewindow/applications/{app.pk}/pass/", {"version": app.version})
    app.refresh_from_db()
    assert app.state == ApplicationState.PASSED
    stale = window.post(f"/onewindow/applications/{app.pk}/pass/", {"version": app.version - 1})
    assert "已被他人处理" in window.get(stale["Location"]).content.decode()
    dept = _client(world, "dept_cg")
    assert app.number in dept.get("/onewindow/").content.decode()
    dept.post(
        f"/onewindow/applications/{app.pk}/decide/",
        {"version": app.version, "outcome": "refuse", "reason": "户籍不在本区"},
    )
    app.refresh_from_db()
    assert (app.state, app.reason) == (ApplicationState.REFUSED, "户籍不在本区")


def test_the_proxy_records_a_hand_over_from_the_page(world: World) -> None:
    app = accept(world, item(world), proxy_reason="残疾，行动不便")
    client = _client(world, "community")
    client.post(
        f"/onewindow/applications/{app.pk}/handover/",
        {"version": app.version, "note": "材料已交服务站窗口"},
    )
    page = client.get(f"/onewindow/applications/{app.pk}/").content.decode()
    assert "上门代办受理" in page and "代办交接" in page and "材料已交服务站窗口" in page


@pytest.mark.parametrize("who", ["resident", "grid_worker", "grid_centre"])
def test_the_window_is_absent_for_others(world: World, who: str) -> None:
    assert _client(world, who).get("/onewindow/").status_code == 404


def test_residents_browse_published_items_without_signing_in(world: World) -> None:
    made = item(world, fee="10")
    unpublished = item(world, code="FW002", name="残疾人补贴", published=False)
    page = Client().get("/onewindow/m/", {"q": "优待"}).content.decode()
    assert "老年优待证" in page and "残疾人补贴" not in page
    detail = Client().get(f"/onewindow/m/items/{made.pk}/").content.decode()
    assert all(m in detail for m in MATERIALS) and "10.00 元" in detail
    assert Client().get(f"/onewindow/m/items/{unpublished.pk}/").status_code == 404


def test_the_resident_looks_up_by_number_code_and_phone(world: World) -> None:
    app = accept(world, item(world))
    page = Client().get(
        "/onewindow/m/track", {"number": app.number, "code": app.track_code, "phone": "1234"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "窗口已受理" in text and "服务站窗口已受理" in text
    assert "测试community" not in text  # never who handled it
    wrong = Client().get(
        "/onewindow/m/track", {"number": app.number, "code": app.track_code, "phone": "0000"}
    )
    assert wrong.status_code == 404 and "未找到该申请" in wrong.content.decode()


def test_the_window_shows_who_can_handle_what(world: World) -> None:
    made = item(world)
    item(world, code="FW002", name="居住证")
    leader = _client(world, "street_leader")
    staff = world.actor("community").user
    answer = leader.post(
        "/onewindow/qualifications/",
        {"person_id": staff.pk, "item_id": made.pk, "passed_on": "2026-03-02"},
    )
    assert answer.status_code == 302
    assert "2026-03-02" in leader.get("/onewindow/qualifications/").content.decode()
    page = _client(world, "community").get("/onewindow/").content.decode()
    skills = page.split("全岗位通")[1].split("</section>")[0]
    assert "测试community" in skills and "老年优待证" in skills
    assert "今日在岗人员均未通过测试的事项：居住证" in skills
    assert _client(world, "community").get("/onewindow/qualifications/").status_code == 404


def test_the_district_adds_edits_and_publishes_an_item(world: World) -> None:
    admin = _client(world, "admin")
    made = admin.post(
        "/onewindow/items/",
        {
            "code": "FW010",
            "name": "残疾人补贴",
            "materials": "身份证\n残疾人证\n\n",
            "time_limit": "15",
            "fee": "0",
            "department_id": world.departments["sw"].pk,
            "station_accepts": "on",
        },
    )
    saved = ServiceItem.objects.get()
    assert made["Location"] == f"/onewindow/items/{saved.pk}/"
    assert (saved.materials, saved.published) == (["身份证", "残疾人证"], False)
    edit = {
        "save": "1",
        "version": saved.version,
        "name": "困难残疾人生活补贴",
        "materials": "身份证\n残疾人证",
        "time_limit": "10",
        "fee": "0",
        "department_id": world.departments["sw"].pk,
    }
    admin.post(f"/onewindow/items/{saved.pk}/", edit)
    saved.refresh_from_db()
    assert (saved.name, saved.time_limit, saved.station_accepts) == (
        "困难残疾人生活补贴",
        10,
        False,
    )
    stale = admin.post(f"/onewindow/items/{saved.pk}/", {"publish": "1", "version": 1})
    assert "已被他人修改" in stale.content.decode()
    admin.post(f"/onewindow/items/{saved.pk}/", {"publish": "1", "version": saved.version})
    assert ServiceItem.objects.get().published
    assert "困难残疾人生活补贴" in Client().get("/onewindow/m/").content.decode()


@pytest.mark.parametrize("who", ["community", "street_leader", "hub"])
def test_only_the_district_manages_items(world: World, who: str) -> None:
    assert _client(world, who).get("/onewindow/items/").status_code == 404


def test_the_street_reads_figures_per_station(world: World) -> None:
    accept(world, item(world), proxy_reason="高龄")
    page = _client(world, "street").get("/onewindow/").content.decode()
    figures = page.split("各服务站受理情况")[1].split("</table>")[0]
    assert "第1社区" in figures
    assert "受理服务申请" not in page  # the street reads, the window accepts
