"""一口受理 in a real browser: a station's window finds 老年优待证, checks its materials off and
accepts it; the application page passes it to the department; the resident reads the item
on the phone and finds the application with the receipt. Screenshots:
``onewindow-window-1400px.png``, ``onewindow-window-390px.png``,
``onewindow-application-1400px.png``, ``onewindow-items-390px.png``,
``onewindow-item-390px.png``, ``onewindow-status-390px.png``; the street's 全岗位通 page
``onewindow-qualifications-1400px.png`` and the window's who-can-do-what
``onewindow-skills-1400px.png``, ``onewindow-skills-390px.png``; the 12349 operator's page
``onewindow-calls-1400px.png``, ``onewindow-calls-390px.png``; the duty roster and the
window's refusal of an unqualified accept ``onewindow-roster-{1400,390}px.png``,
``onewindow-unqualified-1400px.png``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.conftest import World
from huying.onewindow import services
from huying.onewindow.models import Application, ApplicationState
from huying.onewindow.tests.helpers import MATERIALS, item
from huying.org.models import Role
from huying.org.services import grant_role, person_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_window_accepts_and_the_resident_follows_it(
    world: World, login: Callable[..., Page], browser: Browser, live_server: Any
) -> None:
    made = item(world)
    item(world, code="FW002", name="居住证", materials=["身份证", "居住登记凭证"], time_limit=10)
    page = login("community", next_url="/onewindow/")
    expect(page.locator("h1")).to_have_text("一口受理")
    page.fill("#item-q", "优待")
    with page.expect_navigation():
        page.get_by_role("button", name="查找").click()
    with page.expect_navigation():
        page.get_by_role("link", name="老年优待证").click()
    page.fill("#id_resident_name", "张桂兰")
    page.fill("#id_resident_phone", "13800001234")
    page.get_by_label("身份证").check()
    with page.expect_navigation():
        page.get_by_role("button", name="受理").click()
    expect(page.locator(".messages")).to_contain_text("材料不齐")
    for material in MATERIALS:
        page.get_by_label(material).check()
    page.fill("#id_proxy_reason", "高龄独居，行动不便")
    shot(page, "onewindow-window")
    fits(page)
    with page.expect_navigation():
        page.get_by_role("button", name="受理").click()
    app = Application.objects.get()
    expect(page.locator(".messages")).to_contain_text(app.number)
    page.fill("#handover-note", "材料已交服务站窗口")
    with page.expect_navigation():
        page.get_by_role("button", name="记录交接").click()
    with page.expect_navigation():
        page.get_by_role("button", name=f"转{made.department.name}办理").click()
    expect(page.locator(".timeline")).to_contain_text("材料已交服务站窗口")
    shot(page, "onewindow-application")
    app.refresh_from_db()
    assert app.state == ApplicationState.PASSED

    narrow = login("community", viewport=PHONE, next_url="/onewindow/")
    shot(narrow, "onewindow-window")
    fits(narrow)

    resident = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    phone = resident.new_page()
    phone.goto(f"{live_server}/onewindow/m/")
    expect(phone.locator(".item-list li")).to_have_count(2)
    shot(phone, "onewindow-items")
    fits(phone)
    phone.get_by_role("link", name="居住证").click()
    expect(phone.locator("dl")).to_contain_text("居住登记凭证")
    shot(phone, "onewindow-item")
    fits(phone)
    phone.goto(f"{live_server}/onewindow/m/track")
    phone.fill("#id_number", app.number)
    phone.fill("#id_code", app.track_code)
    phone.fill("#id_phone", "1234")
    with phone.expect_navigation():
        phone.get_by_role("button", name="查询").click()
    expect(phone.locator("dl")).to_contain_text("已转后台办理")
    expect(phone.locator(".timeline")).to_contain_text("已转部门办理")
    shot(phone, "onewindow-status")
    fits(phone)
    resident.close()


def test_the_street_records_who_passed_and_the_window_shows_it(
    world: World, login: Callable[..., Page]
) -> None:
    made = item(world)
    item(world, code="FW002", name="居住证")
    page = login("street_leader", next_url="/onewindow/qualifications/")
    expect(page.locator("h1")).to_have_text("全岗位通：事项资格")
    page.select_option("#id_person_id", label=world.actor("community").user.get_full_name())
    page.select_option("#id_item_id", label=made.name)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator("table")).to_contain_text(made.name)
    shot(page, "onewindow-qualifications")
    fits(page)
    for viewport in (None, PHONE):
        window = login(
            "community", next_url="/onewindow/", **({"viewport": viewport} if viewport else {})
        )
        skills = window.locator("section", has_text="全岗位通")
        expect(skills).to_contain_text("老年优待证")
        expect(skills).to_contain_text("今日在岗人员均未通过测试的事项：居住证")
        shot(window, "onewindow-skills")
        fits(window)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desk", "phone"])
def test_a_12349_call_becomes_a_proxy_application_and_a_case(
    world: World, login: Callable[..., Page], viewport: Any
) -> None:
    item(world)
    page = login("community", viewport=viewport, next_url="/onewindow/calls/")
    expect(page.locator("h1")).to_have_text("12349为老热线")
    page.fill("#id_caller_name", "王秀英")
    page.fill("#id_caller_phone", "13900005678")
    page.get_by_label("老年人").check()
    page.fill("#id_request", "想办老年优待证，腿脚不便")
    page.get_by_label("转服务申请").check()
    page.select_option("#id_item_id", label="老年优待证")
    page.get_by_label("来电人确认材料齐全").check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存并转办").click()
    expect(page.locator(".messages")).to_contain_text("来电已转服务申请")
    app = Application.objects.get()
    assert app.proxy_by is not None and "12349" in app.proxy_reason
    page.goto(page.url.split("/onewindow/")[0] + "/onewindow/calls/")
    page.fill("#id_caller_name", "李大爷")
    page.fill("#id_caller_phone", "13900001111")
    page.fill("#id_request", "楼道灯坏了三天，夜里看不见")
    page.get_by_label("转问题件").check()
    page.fill("#id_address", "第1社区 3 号楼")
    with page.expect_navigation():
        page.get_by_role("button", name="保存并转办").click()
    expect(page.locator(".messages")).to_contain_text("来电已转问题件")
    expect(page.locator("tr.call")).to_have_count(2)
    fits(page)
    shot(page, "onewindow-calls")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desk", "phone"])
def test_the_roster_decides_who_on_duty_may_accept(
    world: World, login: Callable[..., Page], viewport: Any
) -> None:
    made = item(world)
    other = person_create(username="window_2", full_name="李窗口")
    grant_role(user=other, role=Role.COMMUNITY_STAFF, unit=world.communities[0])
    services.qualification_record(
        actor=world.actor("street_leader"),
        person_id=other.pk,
        item_id=made.pk,
        passed_on=timezone.localdate(),
    )
    page = login("community", viewport=viewport, next_url=f"/onewindow/?item={made.pk}")
    page.fill("#id_resident_name", "张桂兰")
    page.fill("#id_resident_phone", "13800001234")
    for m in MATERIALS:
        page.get_by_label(m).check()
    with page.expect_navigation():
        page.get_by_role("button", name="受理").click()
    expect(page.locator(".messages")).to_contain_text("请由今日在岗的李窗口受理")
    assert not Application.objects.exists()
    if viewport == DESKTOP:
        shot(page, "onewindow-unqualified")
    page.goto(page.url.split("/onewindow/")[0] + "/onewindow/roster/")
    me = world.actor("community").user
    page.get_by_label(me.get_full_name() or me.username, exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("值班表已保存")
    expect(page.locator("tr.shift")).to_have_count(1)
    fits(page)
    shot(page, "onewindow-roster")
    page.goto(page.url.split("/onewindow/")[0] + "/onewindow/")
    expect(page.locator("section", has_text="全岗位通")).to_contain_text("按今日值班表")
