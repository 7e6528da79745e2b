"""志愿服务 in a real browser, the golden path: a resident posts a need on the phone, the
community publishes it from its desk, a volunteer takes it on his phone, checks in and out,
the resident confirms with five stars, and the volunteer's points are on his phone and in
the month's rankings. Screenshots: ``volunteers-post-390px.png``,
``volunteers-desk-1400px.png``, ``volunteers-desk-390px.png``, ``volunteers-phone-390px.png``,
``volunteers-order-390px.png``, ``volunteers-confirm-390px.png``,
``volunteers-points-390px.png``, ``volunteers-rankings-1400px.png``,
``volunteers-report-1400px.png``, ``volunteers-report-390px.png``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from huying.browser_tests.conftest import DESKTOP, PASSWORD, PHONE, fits, shot
from huying.conftest import World
from huying.volunteers.models import OrderState, ServiceOrder, Taking
from huying.volunteers.tests.helpers import rule, volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(
    browser: Browser, live_server: Any, user: Any, *, viewport: Any, next_url: str
) -> Page:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server}/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


def test_a_need_from_the_phone_to_the_volunteers_points(
    world: World, login: Callable[..., Page], browser: Browser, live_server: Any
) -> None:
    rule(per_hour=10, b5=2)
    helper = volunteer(world, "张志愿")
    resident = login("resident", viewport=PHONE, next_url="/m/volunteers/")
    expect(resident.locator("h1")).to_have_text("志愿服务")
    with resident.expect_navigation():
        resident.get_by_role("link", name="我要点单（发布服务需求）").click()
    resident.fill("#p-title", "陪同老人就医")
    resident.fill("#p-description", "母亲腿脚不便，需要陪同到区医院复查")
    resident.select_option("#p-community", str(world.communities[0].pk))
    resident.fill("#p-place", "幸福小区 3 栋 2 单元")
    tomorrow = timezone.localtime() + timedelta(days=1)
    resident.fill("#p-when", tomorrow.strftime("%Y-%m-%dT09:30"))
    resident.fill("#p-contact", "王阿姨")
    shot(resident, "volunteers-post")
    fits(resident)
    with resident.expect_navigation():
        resident.get_by_role("button", name="提交").click()
    expect(resident.locator("#order-state")).to_have_text("待审核")
    order = ServiceOrder.objects.get()

    desk = login("community", next_url="/volunteers/")
    expect(desk.locator(f"#order-{order.pk}")).to_contain_text("陪同老人就医")
    shot(desk, "volunteers-desk")
    fits(desk)
    with desk.expect_navigation():
        desk.locator(f"#order-{order.pk}").get_by_role("button", name="发布给志愿者").click()
    expect(desk.locator(".messages")).to_contain_text("已发布")

    phone = _sign_in(browser, live_server, helper.user, viewport=PHONE, next_url="/m/volunteers/")
    expect(phone.locator("body")).to_contain_text("附近可接的单")
    shot(phone, "volunteers-phone")
    fits(phone)
    with phone.expect_navigation():
        phone.get_by_role("link", name="陪同老人就医").click()
    with phone.expect_navigation():
        phone.get_by_role("button", name="接单").click()
    expect(phone.locator("main .messages")).to_contain_text("接单成功")
    with phone.expect_navigation():
        phone.get_by_role("button", name="到达签到").click()
    expect(phone.locator("#order-state")).to_have_text("服务中")
    shot(phone, "volunteers-order")
    fits(phone)
    # An hour and a half of service (the clock is the test's to move, not to wait for).
    Taking.objects.update(checkin_at=F("checkin_at") - timedelta(minutes=90))
    with phone.expect_navigation():
        phone.get_by_role("button", name="服务完成签退").click()
    expect(phone.locator("#order-state")).to_have_text("待确认")

    resident.reload()  # the resident's page, still open
    expect(resident.locator("#order-state")).to_have_text("待确认")
    resident.get_by_label("5 星").check()
    resident.fill("#c-comment", "非常耐心，谢谢")
    shot(resident, "volunteers-confirm")
    fits(resident)
    with resident.expect_navigation():
        resident.get_by_role("button", name="确认服务").click()
    expect(resident.locator("#order-state")).to_have_text("已确认")
    assert ServiceOrder.objects.get().state == OrderState.CONFIRMED

    phone.goto(f"{live_server}/m/volunteers/points")
    expect(phone.locator("#points-balance")).to_have_text("17.00")  # 1.5 h × 10 + 2
    shot(phone, "volunteers-points")
    fits(phone)

    desk.goto(f"{live_server}/volunteers/rankings/")
    expect(desk.locator("tbody tr").first).to_contain_text("张志愿")
    shot(desk, "volunteers-rankings")
    fits(desk)
    desk.goto(f"{live_server}/volunteers/report/")
    expect(desk.locator("tbody tr").first).to_contain_text("第1社区")
    shot(desk, "volunteers-report")
    # The desk on a phone (signing in again ends the other session: the desk's last).
    narrow = login("community", viewport=PHONE, next_url="/volunteers/")
    shot(narrow, "volunteers-desk")
    fits(narrow)
    narrow.goto(f"{live_server}/volunteers/report/")
    shot(narrow, "volunteers-report")
    fits(narrow)
    assert DESKTOP["width"] == 1400
