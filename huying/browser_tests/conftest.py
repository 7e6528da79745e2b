"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's live
server. ``playwright install`` cannot download here, so the browser is the system one:
``HUYING_CHROMIUM`` (default /usr/bin/chromium). Without it the tests skip locally and fail
in CI (``CI`` set), where ``.ci/run`` installs it.

Screenshots go to ``artifacts/screenshots/`` (``HUYING_SCREENSHOTS`` to move them).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from huying.conftest import World

CHROMIUM = os.environ.get("HUYING_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get(
        "HUYING_SCREENSHOTS", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    )
)
DESKTOP: ViewportSize = {"width": 1400, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
PASSWORD = "browser-test-pw"


#: axe-core impacts that fail a test: a page must be usable with a keyboard and a screen reader.
BLOCKING = {"serious", "critical"}


def fits(page: Page) -> None:
    """Nothing sticks out sideways (the top bar with the switcher included)."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url}: {overflow}px wider than the screen"


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot named after the page it shows, after axe-core has checked the
    page for serious accessibility faults (labels, contrast, names of controls…)."""
    results = Axe().run(page).response
    faults = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v.get("impact") in BLOCKING
    ]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = SCREENSHOTS / f"{name}-{width}px.png"
    page.screenshot(path=str(path), full_page=True)
    assert not faults, f"{name}: " + "; ".join(faults)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


@pytest.fixture
def login(world: World, browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """login(name, viewport=…, next_url=…): a page signed in as a world person, through the
    real login form, each in its own browser context (its own cookies)."""
    contexts = []

    def sign_in(name: str, *, viewport: ViewportSize = DESKTOP, next_url: str = "/") -> Page:
        user = world.actor(name).user
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/login/?next={next_url}")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        return page

    yield sign_in
    for context in contexts:
        context.close()
