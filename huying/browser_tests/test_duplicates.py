"""疑似重复 in a browser: a street opens a report, sees the earlier one at the same gate in
the box, and merges into it with one click and a confirmation; at phone width each
candidate is a card with its button on screen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Dialog, Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.cases import services
from huying.cases.models import Case, CaseState
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reported(world: World, title: str, description: str, north: float = 0.0) -> Case:
    lat, lng = world.point_in(0)
    return services.case_submit(
        actor=world.actor("resident"),
        title=title,
        description=description,
        lat=lat + north,
        lng=lng,
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_street_merges_a_report_into_the_earlier_one(
    world: World, live_server: object, login: Callable[..., Page], viewport: dict[str, int]
) -> None:
    earlier = reported(world, "路灯不亮", "小区门口路灯坏了好几天，晚上很黑")
    later = reported(world, "路灯坏了", "晚上路灯不亮，小区门口一片漆黑", north=0.0007)
    street = login("street", viewport=viewport, next_url=f"/cases/{later.pk}/")
    box = street.locator("#duplicates")
    expect(box.locator("a", has_text=earlier.number)).to_be_visible()
    button = box.get_by_role("button", name="合并到此事件")
    expect(button).to_have_count(1)
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    fits(street)
    shot(street, "case-duplicates")
    asked: list[str] = []

    def confirm(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    street.on("dialog", confirm)
    with street.expect_navigation():
        button.click()
    assert asked and earlier.number in asked[0]
    expect(street.locator(".messages")).to_have_text("已合并重复")
    later.refresh_from_db()
    assert (later.state, later.master_id) == (CaseState.MERGED, earlier.pk)
