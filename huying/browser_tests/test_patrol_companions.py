"""A grid worker's accompanied patrol on the phone at 390 px: start, tick the grid's duties,
add the street cadre who walks along, the phone's track sent while walking, end; then the
patrol's page with its track and the street's 三陪同 table at 1400 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, fits, shot
from huying.conftest import World
from huying.grid import duties
from huying.grid.models import Patrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_accompanied_patrol_and_the_compliance_table(
    world: World, login: Callable[..., Page], live_server: Any
) -> None:
    grid = world.grids[0]
    community = world.actor("community")
    for text in ("门前三包", "占道经营", "消防通道"):
        duties.duty_add(actor=community, grid_id=grid.pk, text=text)
    lat, lng = world.point_in(0)

    page = login("grid_worker", viewport=PHONE, next_url="/m/patrol/")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lng, "accuracy": 10})
    page.get_by_role("button", name="开始巡查").click()
    expect(page.get_by_text("巡查中")).to_be_visible()

    page.get_by_label("门前三包", exact=True).check()
    page.get_by_label("门前三包的说明").fill("两家店门口已清理")
    page.get_by_label("占道经营", exact=True).check()
    page.get_by_role("button", name="保存勾选").click()
    expect(page.get_by_text("巡查职责已保存")).to_be_visible()

    page.get_by_label("添加陪同人").select_option(label="测试street（第1街道）")
    page.get_by_role("button", name="登记陪同").click()
    expect(page.get_by_text("已登记陪同人")).to_be_visible()
    expect(page.get_by_text("街道干部 · 第1街道")).to_be_visible()

    # Walking: the phone moves, the page keeps the points and sends them.
    for step in range(1, 4):
        page.context.set_geolocation(
            {
                "latitude": lat + step * 0.0005,
                "longitude": lng + (step % 2) * 0.0004,
                "accuracy": 10,
            }
        )
        page.wait_for_timeout(400)
    fits(page)
    shot(page, "patrol-accompanied-phone")
    page.get_by_label("巡查记录").fill("与街道干部一同巡查")
    page.get_by_role("button", name="结束巡查").click()
    expect(page.get_by_text("巡查已结束")).to_be_visible()

    patrol = Patrol.objects.get()
    assert patrol.ended_at is not None
    assert list(patrol.checklist.values_list("text", "done", "note")) == [
        ("门前三包", True, "两家店门口已清理"),
        ("占道经营", True, ""),
        ("消防通道", False, ""),
    ]
    assert [c.user.username for c in patrol.companions.all()] == ["street"]
    assert len(patrol.track) >= 2  # sent from the page before the patrol ended

    desk = login("street")
    desk.goto(f"{live_server}/grids/patrols/{patrol.pk}/")
    expect(desk.locator("[data-patrol-map]")).to_have_attribute(
        "data-drawn", str(len(patrol.track))
    )
    expect(desk.locator("[data-patrol-map] canvas")).to_be_visible()
    shot(desk, "patrol-track")
    desk.get_by_role("link", name="巡查", exact=True).click()
    expect(desk.get_by_role("heading", name="第1街道 · 三陪同")).to_be_visible()
    row = desk.locator("tbody tr").first
    expect(row).to_contain_text("测试grid_worker")
    expect(row.locator("td").nth(4)).to_have_text("1")  # accompanied
    expect(row.locator("td").nth(6)).to_have_text("1")  # one short of 2
    fits(desk)
    shot(desk, "patrol-compliance")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="导出 XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
