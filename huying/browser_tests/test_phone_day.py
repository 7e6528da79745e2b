"""The first minute on a phone, in Chromium at 390 px: a resident with no account reports (number
proved by a text-message code, category hinted, point picked on the district's own outlines
with no tiles) and gets a receipt; a grid worker's finding and task stay on the phone pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from huying.browser_tests.conftest import PHONE, shot
from huying.cases.models import Case, CaseState
from huying.cases.tests.helpers import case_in_state
from huying.catalogue.models import CatalogueItem, Level
from huying.conftest import SENT_TEXTS as SENT
from huying.conftest import World, texted_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "13700002222"


@pytest.fixture(autouse=True)
def _texts(texts: list[tuple[str, str]]) -> None:
    """Texts are kept in ``SENT`` (``huying.conftest.texts``), not sent."""


def test_a_resident_with_no_account_reports_from_the_login_page(
    world: World, browser: Browser, live_server: Any
) -> None:
    item = world.items[Level.GENERAL]
    CatalogueItem.objects.filter(pk=item.pk).update(keywords="路灯，灯不亮、照明")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server}/login/")
    page.get_by_role("link", name="反映问题").click()
    expect(page).to_have_url(re.compile(r"/m/login\?next=/m/report$"))
    page.fill("#id_phone", NUMBER)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#id_code")).to_be_visible()
    shot(page, "phone-login-code")
    code = texted_code(SENT)
    page.fill("#id_code", code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/m/report$"))

    # The category hint works (it threw "t is not a function" on the first match).
    page.fill("#id_title", "小区路灯不亮")
    hint = page.locator("#item-suggest button")
    # The server's first suggestion loads jieba's dictionary (a second or two on a quiet
    # machine, more beside a busy test run): wait for it longer than for a page.
    expect(hint).to_have_count(1, timeout=20_000)
    hint.click()
    expect(page.locator("#id_item_id")).to_have_value(str(item.pk))

    # No tiles here: the point is picked on the district's own outlines.
    expect(page.locator("#pick-map path.leaflet-interactive, #pick-map canvas")).not_to_have_count(
        0
    )
    page.locator("#pick-map").click()
    expect(page.locator("#locate-status")).to_have_text("已在地图上选点")
    expect(page.locator("#place")).to_contain_text("位于：")
    shot(page, "phone-report-offline-map")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("[data-number]")).to_be_visible()
    case = Case.objects.get(title="小区路灯不亮")
    expect(page.locator("[data-number]")).to_have_text(case.number)
    assert case.lat is not None and case.grid_id is not None and case.item_id == item.pk
    expect(page.get_by_text("接下来")).to_be_visible()
    shot(page, "phone-receipt")
    context.close()


def test_text_typed_before_the_page_script_runs_still_gets_its_hint(
    world: World, login: Callable[..., Page]
) -> None:
    """On a slow connection a person types before phone.js has run: the hint must still come
    (it came only on the next keystroke, and CI's first, cold run failed on it)."""
    item = world.items[Level.GENERAL]
    CatalogueItem.objects.filter(pk=item.pk).update(keywords="路灯，灯不亮、照明")
    page = login("resident", viewport=PHONE, next_url="/m/")
    held: list[Any] = []
    page.route("**/phone/phone.js", lambda route: held.append(route))
    page.goto(page.url.split("/m/")[0] + "/m/report", wait_until="commit")
    page.locator("#id_title").fill("小区路灯不亮")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "phone.js was never asked for"
    held[0].continue_()
    expect(page.locator("#item-suggest button")).to_have_count(1, timeout=20_000)


def test_a_grid_worker_stays_on_the_phone_all_day(world: World, login: Callable[..., Page]) -> None:
    page = login("grid_worker", viewport=PHONE, next_url="/m/patrol/")
    page.get_by_role("button", name="开始巡查").click()
    # The start is a POST and a redirect: a goto before it lands aborts one of the two.
    expect(page.get_by_role("button", name="结束巡查")).to_be_visible()
    page.goto(page.url.split("/m/")[0] + "/m/")
    page.get_by_role("link", name="＋ 上报问题").click()
    page.fill("#id_title", "占道经营")
    page.locator("#pick-map").click()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("link", name="继续巡查")).to_be_visible()
    shot(page, "phone-finding-receipt")
    page.get_by_role("link", name="继续巡查").click()
    expect(page).to_have_url(re.compile(r"/m/patrol/$"))

    # A task: the 处置完毕 form is on the first screen, and the worker stays on the phone.
    case = case_in_state(world, CaseState.SELF_HANDLING)
    page.goto(page.url.split("/m/")[0] + f"/m/c/{case.number}")
    result = page.locator("form[data-action=complete_self] textarea").first
    box = result.bounding_box()
    assert box is not None and box["y"] + box["height"] < PHONE["height"], box
    shot(page, "phone-task")
    result.fill("摊位已劝离")
    page.locator("form[data-action=complete_self] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/m/c/{case.number}$"))
    expect(page.get_by_text("已处置完毕")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.VERIFYING


def test_the_case_list_on_a_phone_is_cards_with_the_filters_folded(
    world: World, login: Callable[..., Page]
) -> None:
    for state in (CaseState.SUBMITTED, CaseState.IN_PROGRESS):
        case_in_state(world, state)
    page = login("hub", viewport=PHONE, next_url="/cases/")
    expect(page.locator("form.filters")).to_be_hidden()  # folded: the cases come first
    title = page.locator("#case-rows td.title").first
    box = title.bounding_box()
    assert box is not None and box["width"] > 300, box  # was one character a line
    shot(page, "case-list-cards")
    page.locator("details.filters-fold > summary").click()
    expect(page.locator("form.filters")).to_be_visible()


def test_the_case_list_on_a_desktop_shows_its_filters(
    world: World, login: Callable[..., Page]
) -> None:
    page = login("hub", next_url="/cases/")
    expect(page.locator("form.filters")).to_be_visible()
    expect(page.locator("table.cards thead")).to_be_visible()
