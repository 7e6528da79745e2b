"""待定位 in a browser: the hub opens the queue from its workbench, clicks the case's place on
the map (the grid under the click is chosen in the list), keeps the address in the gazetteer
and saves; the case is in that grid, and the page passes axe-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import DESKTOP, shot
from huying.cases.models import Case, Source
from huying.cases.services import case_submit
from huying.conftest import World
from huying.gazetteer.models import Entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_hub_places_a_ticket_on_the_map(
    world: World, live_server: Any, login: Callable[..., Page]
) -> None:
    case = case_submit(
        actor=world.actor("hub"), title="路灯不亮", source=Source.HOTLINE, address="天府广场东侧"
    )
    hub = login("hub", viewport=DESKTOP)
    hub.get_by_role("link", name="去定位 »").click()
    expect(hub.get_by_role("heading", name=f"定位 {case.number}")).to_be_visible()
    canvas = hub.locator("#place-map")
    expect(canvas.locator("path.leaflet-interactive, canvas").first).to_be_visible()
    shot(hub, "unplaced")

    # The test district's grids are four squares in a row: the click lands in one of them.
    box = canvas.bounding_box()
    assert box is not None
    hub.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    status = hub.locator("#place-status")
    expect(status).to_contain_text("位于：网格")
    chosen = hub.get_by_label("网格", exact=True).input_value()
    assert chosen and hub.locator("input[name=lat]").input_value()
    hub.get_by_label("同时把这个地址加入地址库").check()
    with hub.expect_navigation():
        hub.get_by_role("button", name="保存定位").click()
    expect(hub.locator(".messages")).to_contain_text(f"事件 {case.number} 已定位到")
    expect(hub.get_by_text("没有待定位的事件").first).to_be_visible()
    placed = Case.objects.get(pk=case.pk)
    assert placed.grid_id == int(chosen) and placed.lat is not None
    assert Entry.objects.get(name="天府广场东侧").grid_id == int(chosen)
