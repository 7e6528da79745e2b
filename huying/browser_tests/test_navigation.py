"""The top bar in a real browser: a street's community affairs under one menu (社区治理) that
opens, leads to its pages, closes on a click outside, and fits a desktop and a phone.
Screenshots: ``nav-menu-1400px.png``, ``nav-menu-390px.png``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, fits, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_community_menu_opens_leads_and_closes(login: Callable[..., Page]) -> None:
    page = login("street")
    nav = page.get_by_role("navigation", name="主导航")
    fits(page)
    links = nav.locator(".nav-menu-links")
    expect(links).to_be_hidden()
    nav.locator("summary", has_text="社区治理").click()
    expect(links.get_by_role("link")).to_have_text(
        ["一口受理", "社区准入", "志愿服务", "居民议事", "生活圈"]
    )
    shot(page, "nav-menu")
    page.locator("main").click()  # a click outside folds it
    expect(links).to_be_hidden()
    nav.locator("summary", has_text="社区治理").click()
    with page.expect_navigation():
        links.get_by_role("link", name="生活圈").click()
    expect(page.locator("h1")).to_have_text("十五分钟生活圈")
    expect(nav.locator("summary")).to_have_attribute("aria-current", "page")


def test_the_menu_fits_a_phone(login: Callable[..., Page]) -> None:
    page = login("street", viewport=PHONE)
    fits(page)
    page.get_by_role("navigation", name="主导航").locator("summary").click()
    expect(page.locator(".nav-menu-links")).to_be_visible()
    fits(page)
    shot(page, "nav-menu")
