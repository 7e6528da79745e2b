"""The 统计 page and the wall screen in Chromium: the charts draw from the JSON endpoints,
the numbers match the cases, a bar drills down into the case list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import DESKTOP, shot
from huying.cases.models import CaseState
from huying.conftest import World
from huying.reports.tally import tally_rebuild

pytestmark = [pytest.mark.browser]


def test_hub_dashboard_and_wall(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    from django.utils import timezone

    from huying.cases.tests.helpers import case_in_state, submit

    case_in_state(world, CaseState.IN_PROGRESS)
    for grid in (0, 0, 2):
        submit(world, grid=grid, now=timezone.now())
    tally_rebuild()
    hub = login("hub", viewport=DESKTOP, next_url="/reports/")
    expect(hub.locator("body[data-dashboard=ready]")).to_have_count(1)
    # Three cases reported in the last 30 days (the in-progress one is older).
    expect(hub.locator("#dash-kpis .tile").first).to_contain_text("3")
    expect(hub.locator("#chart-trend canvas")).to_have_count(1)
    expect(hub.locator("#chart-heat .leaflet-heatmap-layer")).to_have_count(1)
    shot(hub, "dashboard-hub")
    # The headline "上报" drills down to the case list over the same days.
    with hub.expect_navigation():
        hub.click("#dash-kpis a.tile >> nth=0")
    assert "date_from=" in hub.url
    expect(hub.locator("#case-rows tr")).to_have_count(3)
    # "受理" is the resolution rate's denominator: the indicator's own drill-down, same cases.
    hub.go_back()
    expect(hub.locator("body[data-dashboard=ready]")).to_have_count(1)
    with hub.expect_navigation():
        hub.click("#dash-kpis a.tile >> nth=1")
    assert "indicator=resolution_rate" in hub.url
    expect(hub.locator("#case-rows tr")).to_have_count(3)
    hub.goto(f"{live_server}/reports/wall/")
    expect(hub.locator("body[data-dashboard=ready]")).to_have_count(1)
    expect(hub.locator("#wall-clock")).not_to_be_empty()
    shot(hub, "dashboard-wall")


def test_department_dashboard(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    dept = login("dept_cg", viewport=DESKTOP, next_url="/reports/")
    expect(dept.locator("body[data-dashboard=ready]")).to_have_count(1)
    expect(dept.locator("#dash-kpis")).to_contain_text("派单")
    expect(dept.locator("#chart-class")).to_have_count(0)  # no territory charts
    shot(dept, "dashboard-department")


def test_the_wall_fits_one_command_centre_screen(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    """At 1920 × 1080 every card is on the screen (the heat map, grids and sources fell below)."""
    screen = {"width": 1920, "height": 1080}
    hub = login("hub", viewport=screen, next_url="/reports/wall/")
    expect(hub.locator("body[data-dashboard=ready]")).to_have_count(1)
    overflow = hub.evaluate(
        "() => document.documentElement.scrollHeight - document.documentElement.clientHeight"
    )
    assert overflow <= 0, f"{overflow}px below the screen"
    for card in hub.locator(".dash-grid > .card").all():
        box = card.bounding_box()
        assert box is not None and box["y"] + box["height"] <= screen["height"], box
    shot(hub, "dashboard-wall")
