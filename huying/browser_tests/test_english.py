"""The English UI in a real browser: a browser that prefers English gets it, the pages stay
accessible (axe-core) and fit a 390 px phone, and the top bar's switcher changes the
language. Screenshots go to ``artifacts/screenshots/`` (``*-en-*``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from huying.browser_tests.conftest import DESKTOP, PASSWORD, PHONE, fits, shot
from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def english_page(browser: Browser, contexts: list[BrowserContext], viewport: ViewportSize) -> Page:
    """A page in a browser whose preferred language is English (Accept-Language: en-US)."""
    context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    contexts.append(context)
    return context.new_page()


def sign_in(page: Page, base: str, world: World, name: str, next_url: str = "/") -> None:
    user = world.actor(name).user
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto(f"{base}/login/?next={next_url}")
    expect(page.locator("h1")).to_contain_text("Sign in")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def test_console_and_phone_pages_in_english(
    world: World, browser: Browser, live_server: object, contexts: list[BrowserContext]
) -> None:
    base = str(live_server)
    verifying = case_in_state(world, CaseState.VERIFYING)

    page = english_page(browser, contexts, DESKTOP)
    page.goto(f"{base}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shot(page, "login-en")
    sign_in(page, base, world, "street")
    expect(page.locator("h1")).to_contain_text("Workbench")
    expect(page.locator("#q-verify")).to_contain_text(verifying.number)
    shot(page, "street-home-en")
    page.goto(f"{base}/cases/{verifying.pk}/")
    expect(page.locator("aside h2")).to_have_text("Available actions")
    expect(page.locator("form[data-action=verify_pass] button[type=submit]")).to_have_text(
        "Pass verification"
    )
    shot(page, "case-detail-en")
    working = case_in_state(world, CaseState.IN_PROGRESS)
    page.goto(f"{base}/cases/{working.pk}/call-sheet/")
    expect(page.locator("h1")).to_contain_text("call sheet")
    shot(page, "call-sheet-en")
    page.goto(f"{base}/cases/")
    expect(page.locator("h1")).to_have_text("Cases")
    shot(page, "case-list-en")
    page.goto(f"{base}/cases/map/")
    expect(page.locator("#map-status")).to_contain_text("Cases with a location")
    shot(page, "map-en")

    phone = english_page(browser, contexts, PHONE)
    sign_in(phone, base, world, "resident", next_url="/m/report")
    expect(phone.locator("h1")).to_have_text("Report")
    expect(phone.locator("#locate")).to_have_text("Use my location")
    fits(phone)
    shot(phone, "phone-report-en")
    phone.goto(f"{base}/m/track")
    fits(phone)
    shot(phone, "phone-track-en")
    follow_up = case_in_state(world, CaseState.FOLLOW_UP)
    phone.goto(f"{base}/m/c/{follow_up.number}")
    expect(phone.locator("form[action$=rate] button")).to_have_text("Submit rating")
    fits(phone)
    shot(phone, "phone-rate-en")


def test_the_switcher_in_the_top_bar(
    world: World, browser: Browser, live_server: object, contexts: list[BrowserContext]
) -> None:
    """Chinese by default; choosing English reloads the same page in English, and back."""
    base = str(live_server)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    contexts.append(context)
    page = context.new_page()
    page.goto(f"{base}/m/track")
    expect(page.locator("h1")).to_have_text("查询办理进度")
    fits(page)
    shot(page, "phone-track-zh")
    with page.expect_navigation():
        page.select_option("#lang-switch", "en")
    expect(page).to_have_url(f"{base}/m/track")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Track the progress of a case")
    with page.expect_navigation():
        page.select_option("#lang-switch", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("查询办理进度")

    desktop = english_page(browser, contexts, DESKTOP)
    sign_in(desktop, base, world, "hub")
    expect(desktop.locator(".topbar nav")).to_contain_text("Workbench")
    with desktop.expect_navigation():
        desktop.select_option("#lang-switch", "zh-hans")
    expect(desktop.locator(".topbar nav")).to_contain_text("工作台")
