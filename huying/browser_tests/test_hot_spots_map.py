"""反复发生预警 on the case map in a browser: the hub opens the map at ``#warnings`` and sees
each warning as a red ring with its count, its popup naming the matter, the grid, how many
times in how many days, the cases, and the way to the list and to 开启系统性治理; the filter
form keeps the layer on, and turning it off takes the hash away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import DESKTOP, shot
from huying.cases.models import Case
from huying.cases.tests.helpers import submit
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def recurring(world: World, grid: int, n: int) -> list[Case]:
    """``n`` street lights out in one grid over the last days, a few metres apart."""
    lat, lng = world.point_in(grid)
    now = timezone.now()
    return [
        submit(
            world,
            grid=grid,
            point=(lat + 0.0002 * i, lng - 0.0002 * i),
            now=now - timedelta(days=i + 1),
            item_id=world.items[2].pk,
        )
        for i in range(n)
    ]


def test_the_hub_sees_the_warnings_as_hot_spots(
    world: World, live_server: Any, login: Callable[..., Page], settings: Any
) -> None:
    settings.HUYING_RECURRENCE_COUNT = 3
    settings.HUYING_RECURRENCE_DAYS = 30
    five = recurring(world, 0, 5)
    recurring(world, 3, 3)
    hub = login("hub", viewport=DESKTOP)
    hub.goto(f"{live_server}/cases/map/#warnings")
    spots = hub.locator(".warning-spot")
    expect(spots).to_have_count(2)
    expect(hub.locator("#map-status")).to_contain_text("反复发生预警 2 处")
    expect(hub.get_by_role("checkbox", name="反复发生预警")).to_be_checked()

    expect(hub.locator("#case-map")).to_have_attribute("aria-busy", "false")  # fitted
    big = hub.get_by_role("button", name="路灯不亮 · 网格1-1：5 次")
    expect(big).to_have_text("5")
    big.click()
    popup = hub.locator(".leaflet-popup-content .warning-popup")
    expect(popup).to_contain_text("事项：路灯不亮")
    expect(popup).to_contain_text("网格：网格1-1")
    expect(popup).to_contain_text("5 次 / 30 天")
    for case in five:
        expect(popup.get_by_role("link", name=case.number)).to_have_attribute(
            "href", f"/cases/{case.pk}/"
        )
    expect(popup.get_by_role("link", name="预警清单")).to_be_visible()
    opener = popup.get_by_role("link", name="开启系统性治理")
    expect(opener).to_be_visible()
    expect(popup).to_be_in_viewport(ratio=1)  # panned into the map's view
    expect(hub.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in
    hub.screenshot(path="/tmp/hotspots-map.png")
    shot(hub, "map-warnings")

    # 开启系统性治理: the week's list at that warning, its form open.
    with hub.expect_navigation():
        opener.click()
    warning = hub.locator("#" + hub.url.split("#")[1])
    expect(warning.locator("h2")).to_contain_text("路灯不亮 · 网格1-1")
    expect(warning.get_by_label("系统性问题标题")).to_be_visible()
    expect(hub.get_by_label("系统性问题标题")).to_have_count(2)  # the other one's stays shut
    expect(hub.get_by_label("系统性问题标题").nth(1)).to_be_hidden()
    hub.screenshot(path="/tmp/hotspots-list-open.png")

    # The filter form keeps the layer on; turning it off takes the hash away.
    hub.goto(f"{live_server}/cases/map/#warnings")
    expect(spots).to_have_count(2)
    hub.select_option("#id_state", "submitted")
    with hub.expect_navigation():
        hub.locator("form.filters button[type=submit]").click()
    assert "state=submitted" in hub.url and hub.url.endswith("#warnings"), hub.url
    expect(hub.get_by_role("link", name="清除")).to_have_attribute("href", "/cases/map/#warnings")
    expect(spots).to_have_count(2)
    hub.get_by_role("checkbox", name="反复发生预警").uncheck()
    expect(spots).to_have_count(0)
    assert "state=submitted" in hub.url and "#" not in hub.url, hub.url
    expect(hub.get_by_role("link", name="清除")).to_have_attribute("href", "/cases/map/")


def test_a_street_sees_its_spot_but_no_way_to_open_a_systemic_case(
    world: World, live_server: Any, login: Callable[..., Page], settings: Any
) -> None:
    settings.HUYING_RECURRENCE_COUNT = 3
    recurring(world, 0, 3)
    recurring(world, 2, 3)  # the other street's
    street = login("street", viewport=DESKTOP)
    street.goto(f"{live_server}/cases/map/")
    expect(street.locator("#map-status")).to_contain_text("反复发生预警 1 处")
    expect(street.locator(".warning-spot")).to_have_count(0)  # off unless asked for
    street.get_by_role("checkbox", name="反复发生预警").check()
    assert street.url.endswith("#warnings")
    spot = street.locator(".warning-spot")
    expect(spot).to_have_count(1)
    expect(street.locator("#case-map")).to_have_attribute("aria-busy", "false")
    spot.click()
    popup = street.locator(".leaflet-popup-content .warning-popup")
    expect(popup).to_contain_text("3 次 / 30 天")
    expect(popup.get_by_role("link", name="预警清单")).to_be_visible()
    expect(popup.get_by_role("link", name="开启系统性治理")).to_have_count(0)
