"""The office's daily path in a browser: an ordinary case triaged and called in one submit
(研判并呼叫), and the hub's triage and dispatch (研判并派单) with a co-handler picked by
typing part of its name into the department picker."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.cases import services
from huying.cases.models import Assignment, AssignmentRole, Case, CaseState
from huying.catalogue.models import Level
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reported(world: World, level: int, title: str) -> Case:
    lat, lng = world.point_in(0)
    return services.case_submit(
        actor=world.actor("resident"),
        title=title,
        description="晚上一片漆黑",
        lat=lat,
        lng=lng,
        item_id=world.items[level].pk,
    )


def test_a_street_triages_and_calls_in_one_submit(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    case = reported(world, Level.GENERAL, "小区门口路灯不亮")
    street = login("street", viewport=DESKTOP, next_url=f"/cases/{case.pk}/")
    form = street.locator("form[data-action=triage_call]")
    expect(form).to_be_visible()  # the first panel, open
    expect(form.locator("select[name$=item_id]")).to_have_value(str(case.item_id))
    # The default department is named, not just "the item's lead".
    expect(form.locator("select[name$=department_id] option").first).to_have_text(
        "按事项的主办部门（城管局）"
    )
    shot(street, "case-triage-and-call")
    with street.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(street.locator(".messages")).to_have_text("已研判并呼叫")
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    assert Assignment.objects.get(case=case).department == world.departments["cg"]
    shot(street, "case-called-in-one-step")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_hub_picks_a_co_handler_by_search(
    world: World, live_server: object, login: Callable[..., Page], viewport: dict[str, int]
) -> None:
    case = reported(world, Level.COMPLEX, "排水口流出污水")
    hub = login("hub", viewport=viewport, next_url=f"/cases/{case.pk}/")
    form = hub.locator("form[data-action=triage_dispatch]")
    expect(form).to_be_visible()
    picker = form.locator("[data-picker]")
    # The item's lead and co-handler are named, and the co-handler starts ticked.
    expect(picker.locator(".picker-note")).to_contain_text("主办 水务局；协办 生态环境局")
    expect(picker.get_by_label("生态环境局")).to_be_checked()
    expect(picker.get_by_label("交通局")).not_to_be_checked()

    picker.locator("[data-picker-search]").fill("交通")
    expect(picker.get_by_label("交通局")).to_be_visible()
    expect(picker.get_by_label("城管局")).to_be_hidden()  # filtered out
    expect(picker.get_by_label("生态环境局")).to_be_visible()  # ticked ones stay in sight
    picker.locator("[data-picker-search]").press("Enter")  # ticks the only match
    expect(picker.get_by_label("交通局")).to_be_checked()
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED  # Enter did not submit
    fits(hub)
    shot(hub, "case-triage-and-dispatch-picker")

    with hub.expect_navigation():
        # From the keyboard: after the full-page screenshot a pointer click at the bottom of
        # a phone screen can land beside the button.
        form.locator("button[type=submit]").press("Enter")
    expect(hub.locator(".messages")).to_have_text("已研判并派单")
    d = world.departments
    assert {(a.department_id, a.role) for a in Assignment.objects.filter(case=case)} == {
        (d["sw"].pk, AssignmentRole.LEAD),
        (d["hb"].pk, AssignmentRole.CO),
        (d["jt"].pk, AssignmentRole.CO),
    }


def test_the_defaults_shown_follow_the_item_chosen(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    """The report guessed an ordinary item (lead 城管局, no co-handler); the hub picks the
    complex one in the same form and the named lead, the note and the ticks follow it."""
    case = reported(world, Level.GENERAL, "排水口流出黑水")
    hub = login("hub", viewport=DESKTOP, next_url=f"/cases/{case.pk}/")
    form = hub.locator("form[data-action=triage_dispatch]")
    lead = form.locator("select[name$=lead_department_id] option").first
    picker = form.locator("[data-picker]")
    expect(lead).to_have_text("按事项的主办部门（城管局）")
    expect(picker.locator(".picker-note")).to_contain_text("主办 城管局；协办 无")
    expect(picker.get_by_label("生态环境局")).not_to_be_checked()
    picker.get_by_label("交通局").check()  # the user's own tick

    form.locator("select[name$=item_id]").select_option(str(world.items[Level.COMPLEX].pk))
    expect(lead).to_have_text("按事项的主办部门（水务局）")
    expect(picker.locator(".picker-note")).to_contain_text("主办 水务局；协办 生态环境局")
    expect(picker.get_by_label("生态环境局")).to_be_checked()  # the new item's co-handler
    expect(picker.get_by_label("交通局")).to_be_checked()  # the user's tick stays

    # And back: the complex item's default tick goes with it, the user's stays.
    form.locator("select[name$=item_id]").select_option(str(world.items[Level.GENERAL].pk))
    expect(lead).to_have_text("按事项的主办部门（城管局）")
    expect(picker.get_by_label("生态环境局")).not_to_be_checked()
    expect(picker.get_by_label("交通局")).to_be_checked()

    form.locator("select[name$=item_id]").select_option(str(world.items[Level.COMPLEX].pk))
    with hub.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(hub.locator(".messages")).to_have_text("已研判并派单")
    d = world.departments
    assert {(a.department_id, a.role) for a in Assignment.objects.filter(case=case)} == {
        (d["sw"].pk, AssignmentRole.LEAD),  # the lead the form named
        (d["hb"].pk, AssignmentRole.CO),
        (d["jt"].pk, AssignmentRole.CO),
    }


def test_a_street_sees_the_lead_of_the_item_it_picks(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    case = reported(world, Level.GENERAL, "井盖松动")
    street = login("street", viewport=DESKTOP, next_url=f"/cases/{case.pk}/")
    form = street.locator("form[data-action=triage_call]")
    lead = form.locator("select[name$=department_id] option").first
    expect(lead).to_have_text("按事项的主办部门（城管局）")
    level = form.locator("select[name$=-level] option").first
    expect(level).to_have_text("按事项默认等级（一般问题）")
    form.locator("select[name$=item_id]").select_option(str(world.items[Level.COMPLEX].pk))
    expect(lead).to_have_text("按事项的主办部门（水务局）")
    expect(level).to_have_text("按事项默认等级（复杂问题）")  # the level follows the item too
    form.locator("select[name$=item_id]").select_option(str(world.items[Level.SIMPLE].pk))
    expect(lead).to_have_text("按事项的主办部门")  # an item without a lead
