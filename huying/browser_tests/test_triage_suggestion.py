"""研判建议 in a browser: the hub opens a new report, finds the triage form already set to the
suggested item, sees the candidates with their confidence and why beside it, takes another
candidate with one click (改选: the forms follow, no page load) and dispatches it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, fits, shot
from huying.cases.models import Case, CaseState
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.catalogue.suggest import Suggestion
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _suggested(world: World, suggesting: Callable[..., Suggestion]) -> Case:
    items = world.items
    suggesting(
        [
            (items[Level.GENERAL], 0.58, ("路灯", "不亮")),
            (items[Level.COMPLEX], 0.27, ("排水口",)),
            (items[Level.SIMPLE], 0.06, ()),
        ],
        level=Level.COMPLEX,  # the cue below, as the scorer says it
        level_why=("涉及多个部门（三个部门、部门都管不了）",),
        model=3,
    )
    return submit(
        world,
        title="小区门口路灯不亮，旁边排水口冒水",
        description="晚上一片漆黑，排水口一直往外冒水，三个部门都管不了",
    )


def test_the_hub_takes_another_candidate_with_one_click(
    world: World,
    live_server: object,
    login: Callable[..., Page],
    suggesting: Callable[..., Suggestion],
) -> None:
    case = _suggested(world, suggesting)
    general, complex_item = world.items[Level.GENERAL], world.items[Level.COMPLEX]
    hub = login("hub", next_url=f"/cases/{case.pk}/")
    panel = hub.locator("#suggestion")
    expect(panel.get_by_role("heading", name="研判建议")).to_be_visible()
    expect(panel).to_contain_text("模型 v3")
    rows = panel.locator("[data-suggest-item]")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("58%")
    expect(rows.nth(0).locator("[data-picked-mark]")).to_be_visible()  # preselected
    expect(rows.nth(0).get_by_role("button")).to_be_hidden()
    form = hub.locator("form[data-action=triage_dispatch]")
    item = form.locator("select[name$=item_id]")
    expect(item).to_have_value(str(general.pk))
    expect(form.locator("select[name$=-level]")).to_have_value(str(Level.COMPLEX))
    shot(hub, "case-triage-suggestion")

    hub.evaluate("window.stayed = true")  # gone if the page loads again
    rows.nth(1).get_by_role("button", name="改选").click()
    assert hub.evaluate("window.stayed === true")
    expect(item).to_have_value(str(complex_item.pk))
    expect(item).to_be_focused()
    # The 复杂 item's default level is the cue's (涉及多个部门): no level, no reason.
    expect(form.locator("select[name$=-level]")).to_have_value("")
    expect(form.locator("textarea[name$=level_reason]")).to_have_value("")
    expect(form.locator("select[name$=-level] option").first).to_have_text(
        "按事项默认等级（复杂问题）"
    )
    expect(form.locator("select[name$=lead_department_id] option").first).to_have_text(
        "按事项的主办部门（水务局）"
    )
    expect(form.get_by_label("生态环境局")).to_be_checked()  # the item's co-handler
    # The plain 研判 form (folded, fetched when opened) follows too; the mark moves to the
    # row chosen.
    hub.locator("details[data-action=triage] > summary").click()
    plain = hub.locator("form[data-action=triage] select[name$=item_id]")
    expect(plain).to_have_value(str(complex_item.pk))
    expect(hub.locator("form[data-action=triage] select[name$=-level]")).to_have_value("")
    expect(rows.nth(1).locator("[data-picked-mark]")).to_be_visible()
    expect(rows.nth(0).get_by_role("button", name="改选")).to_be_visible()

    # 改选 back to the L2 item brings the cue's level (复杂) and its reason.
    rows.nth(0).get_by_role("button", name="改选").click()
    expect(form.locator("select[name$=-level]")).to_have_value(str(Level.COMPLEX))
    expect(form.locator("textarea[name$=level_reason]")).to_have_value(
        "反映内容提示：涉及多个部门（三个部门、部门都管不了）"
    )
    with hub.expect_navigation():
        form.get_by_role("button", name="研判并派单").click()
    expect(hub.locator(".messages")).to_have_text("已研判并派单")
    case.refresh_from_db()
    assert (case.state, case.item_id, case.level) == (
        CaseState.IN_PROGRESS,
        general.pk,
        Level.COMPLEX,
    )


def test_the_panel_fits_a_phone(
    world: World,
    live_server: object,
    login: Callable[..., Page],
    suggesting: Callable[..., Suggestion],
) -> None:
    case = _suggested(world, suggesting)
    street = login("street", viewport=PHONE, next_url=f"/cases/{case.pk}/")
    panel = street.locator("#suggestion")
    panel.scroll_into_view_if_needed()
    expect(panel.get_by_role("button", name="改选")).to_have_count(2)
    fits(street)
    shot(street, "case-triage-suggestion")
