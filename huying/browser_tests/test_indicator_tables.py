"""The indicator tables and rankings in a real browser: choose a table, follow a count to
its cases, see the rankings. Screenshots go to ``artifacts/screenshots/`` (axe checks each)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, shot
from huying.conftest import World
from huying.evaluation.tests.march import build_march

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_indicator_table_drills_down_to_its_cases(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    march = build_march(world)
    hub = login("hub", viewport=DESKTOP, next_url="/reports/indicators/?month=2026-03")
    expect(hub.locator("h2")).to_contain_text("结案")
    shot(hub, "indicators-closure")
    # A new table starts from its own grouping: handling is by department.
    with hub.expect_navigation():
        hub.select_option("#id_table", "handling")
    expect(hub.locator("#id_by")).to_have_value("department")
    expect(hub.locator("h2")).to_contain_text("2026年3月 · 按部门")
    # The period's fields follow the chosen period.
    expect(hub.locator("[data-field=quarter]")).to_be_hidden()
    hub.select_option("#id_period", "quarter")
    expect(hub.locator("[data-field=quarter]")).to_be_visible()
    hub.select_option("#id_period", "month")
    with hub.expect_navigation():
        hub.select_option("#id_table", "closure")
    row = hub.locator("table.figures tbody tr", has_text="第1街道")
    with hub.expect_navigation():
        row.locator("td a").first.click()
    expect(hub.locator("[role=status]")).to_contain_text(
        "2026年3月 · 第1街道 · 结案率的分子：结案 5 件"
    )
    expect(hub.locator("#case-rows tr")).to_have_count(5)
    for name in ("A1", "A2", "A4", "A5", "A9"):
        expect(hub.locator("#case-rows")).to_contain_text(march.cases[name].number)
    shot(hub, "indicators-drill-down")
    with hub.expect_navigation():
        hub.get_by_role("link", name="返回指标表").click()
    expect(hub.locator("h2")).to_contain_text("结案 · 2026年3月 · 按街道")

    street = login("street", viewport=PHONE)
    street.goto(f"{live_server}/reports/indicators/rankings/?view=streets&month=2026-03")
    expect(street.locator("h2").first).to_contain_text("街道三率综合排名 · 2026年3月")
    shot(street, "rankings-streets")
