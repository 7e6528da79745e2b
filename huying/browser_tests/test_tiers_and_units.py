"""分级办结 with its drill-down (street → community → grid → the cases) at desktop and phone
width, and the stationed units' ranking. Screenshots go to ``artifacts/screenshots/``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, shot
from huying.conftest import World
from huying.evaluation.services import rating_create
from huying.evaluation.tests.helpers import at, scores, verified_case
from huying.evaluation.tests.test_tiers import settle_at_tier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tier_table_drills_down_to_a_grids_cases(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    plan = [(0, 0, 2), (0, 0, 3), (0, 1, 4), (0, 2, 5), (0, 3, 6), (1, 0, 9), (2, 0, 10)]
    cases = [settle_at_tier(world, grid=g, climbs=n, when=at(3, d)) for g, n, d in plan]
    for width, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        hub = login("hub", viewport=width)
        hub.goto(f"{live_server}/reports/indicators/?table=tiers&month=2026-03")
        expect(hub.locator("h2")).to_contain_text("分级办结（小事不出网格） · 2026年3月 · 按街道")
        row = hub.locator("table.figures tbody tr", has_text="第1街道")
        expect(row).to_contain_text("50.0%")  # 3 of 6 at the grid
        shot(hub, f"tiers-streets-{name}")
        with hub.expect_navigation():
            row.get_by_role("link", name="第1街道").click()
        expect(hub.locator("h2")).to_contain_text("第1街道 · 按社区")
        with hub.expect_navigation():
            hub.get_by_role("link", name="第1社区").click()
        expect(hub.locator("h2")).to_contain_text("第1社区 · 按网格")
        expect(hub.locator("table.figures tfoot")).to_contain_text("6")
        shot(hub, f"tiers-grids-{name}")
        grid = hub.locator("table.figures tbody tr", has_text="网格1-1")
        with hub.expect_navigation():
            grid.locator("td a").nth(1).click()  # 网格办结
        expect(hub.locator("#case-rows tr")).to_have_count(2)
        for case in cases[:2]:
            expect(hub.locator("#case-rows")).to_contain_text(case.number)
        shot(hub, f"tiers-cases-{name}")
        hub.close()


def test_stationed_units_ranking(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    for day, points in ((10, 18), (11, 16), (12, 17)):
        case = verified_case(world, departments=("cg_unit",), verified=at(3, day))
        rating_create(
            actor=world.actor("street"),
            case_id=case.pk,
            department_id=world.departments["cg_unit"].pk,
            scores=scores(points),
            reason="理由",
            now=at(4, 1),
        )
    for width, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = login("street", viewport=width)
        page.goto(f"{live_server}/reports/indicators/rankings/?view=units&month=2026-03")
        expect(page.locator("h2").first).to_contain_text("派驻机构月度考评 · 2026年3月")
        row = page.locator("table.figures tbody tr", has_text="城管执法一中队（城管局）").first
        expect(row).to_contain_text("85.00")
        expect(row.locator("td").first).to_have_text("1")
        expect(page.locator("h2").nth(1)).to_contain_text("第1街道派驻机构考评")
        shot(page, f"rankings-units-{name}")
        page.close()
