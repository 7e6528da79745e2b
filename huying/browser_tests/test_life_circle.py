"""十五分钟生活圈 in a real browser: the coverage page shows 第1社区 short of a health station in
its east; the street places one by tapping the map; a resident's phone, located there, lists
it under 身边的服务 as open; the coverage page shows the gap closed. Screenshots:
``lifecircle-coverage-1400px.png`` / ``-390px.png``, ``lifecircle-gaps-1400px.png`` /
``-390px.png`` (the drill-down map), ``lifecircle-manage-1400px.png`` / ``-390px.png``,
``lifecircle-nearby-390px.png`` / ``-1400px.png``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.conftest import World
from huying.lifecircle.models import ServicePoint
from huying.lifecircle.tests.helpers import kinds, point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_DAY = {d: ["00:00-24:00"] for d in "1234567"}


def _health_cell(page: Page) -> str:
    row = page.locator("table.coverage tr", has_text="第1社区")
    column = page.locator("table.coverage th").all_inner_texts().index("社区卫生服务中心/站")
    return row.locator("td").nth(column).inner_text()


def test_a_point_placed_on_the_map_closes_the_gap(
    world: World, login: Callable[..., Page], browser: Browser, live_server: Any
) -> None:
    kinds()
    point(world, at=(30.605, 104.001), name="西片卫生服务站", hours=ALL_DAY)
    point(world, at=(30.606, 104.010), kind="party", name="第1社区党群服务站", who="admin")

    page = login("street", next_url="/lifecircle/coverage/")
    before = _health_cell(page)
    assert before != "100%"
    shot(page, "lifecircle-coverage")
    fits(page)
    with page.expect_navigation():
        page.get_by_role("link", name="第1社区").click()
    page.get_by_role("link", name="社区卫生服务中心/站").click()
    expect(page.locator("#coverage-summary")).to_contain_text("红色区域")
    shot(page, "lifecircle-gaps")

    page.goto(f"{live_server}/lifecircle/")
    page.fill("#id_name", "东片卫生服务站")
    page.select_option("#id_kind_id", label="社区卫生服务中心/站")
    page.fill("#id_address", "示范路 88 号")
    page.fill("#id_phone", "021-65001234")
    for day in "1234567":
        page.fill(f"#id_hours_{day}", "00:00-24:00")
    page.fill("#id_services", "家庭医生签约\n慢病随访")
    spot = page.evaluate(
        "() => { const p = document.getElementById('point-map').lcMap"
        ".latLngToContainerPoint([30.605, 104.016]); return [p.x, p.y]; }"
    )
    page.locator("#point-map").click(position={"x": spot[0], "y": spot[1]})
    expect(page.locator("#id_lat")).not_to_have_value("")
    shot(page, "lifecircle-manage")
    with page.expect_navigation():
        page.get_by_role("button", name="添加", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("东片卫生服务站")
    made = ServicePoint.objects.get(name="东片卫生服务站")
    assert made.community == world.communities[0]
    assert abs(made.lng - 104.016) < 0.0005 and abs(made.lat - 30.605) < 0.0005

    resident = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation={"latitude": 30.605, "longitude": 104.017},
        permissions=["geolocation"],
    )
    phone = resident.new_page()
    phone.goto(f"{live_server}/m/nearby")
    with phone.expect_navigation():
        phone.get_by_role("button", name="使用当前位置").click()
    first = phone.locator("#nearby-list li").first
    expect(first).to_contain_text("东片卫生服务站")
    expect(first).to_contain_text("营业中")
    expect(first).to_contain_text("步行约 1 分钟")
    shot(phone, "lifecircle-nearby")
    fits(phone)
    phone.select_option("#id_kind", label="党群服务站")
    with phone.expect_navigation():
        phone.get_by_role("button", name="查找").click()
    expect(phone.locator("#nearby-list li")).to_have_count(1)
    expect(phone.locator("#nearby-list")).to_contain_text("第1社区党群服务站")
    phone.set_viewport_size(DESKTOP)
    shot(phone, "lifecircle-nearby")
    resident.close()

    page.goto(f"{live_server}/lifecircle/coverage/")
    assert _health_cell(page) == "100%"

    narrow = login("street", viewport=PHONE, next_url="/lifecircle/coverage/")
    shot(narrow, "lifecircle-coverage")
    fits(narrow)
    narrow.goto(f"{live_server}/lifecircle/coverage/{world.communities[0].pk}/?kind=elderly")
    shot(narrow, "lifecircle-gaps")
    fits(narrow)
    narrow.goto(f"{live_server}/lifecircle/")
    shot(narrow, "lifecircle-manage")
    fits(narrow)
