"""The Content-Security-Policy breaks no page: every page sends it, and Chromium reports no
violation (a blocked inline script, style or image) on the pages with scripts, maps and
charts and the API docs included. The language and role switchers (once
inline ``onchange`` handlers) still work."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page: Page) -> list[str]:
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return violations


def test_no_page_breaks_the_content_security_policy(
    world: World, login: Any, live_server: Any
) -> None:
    base = str(live_server)
    case = case_in_state(world, CaseState.IN_PROGRESS)
    hub = login("hub")
    seen = _watch(hub)
    for path in (
        "/",
        "/cases/",
        "/cases/map/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/call-sheet/",
        "/reports/",
        "/reports/wall/",
        "/reports/indicators/",
        "/api/v1/docs",
    ):
        response = hub.goto(f"{base}{path}")
        assert response is not None and "default-src 'self'" in (
            response.headers.get("content-security-policy", "")
        ), path
        hub.wait_for_load_state("networkidle")
    assert not seen, "\n".join(seen)

    # The language switcher: a data attribute now, read by core/page.js.
    hub.goto(f"{base}/")
    hub.select_option("#lang-switch", "en")
    expect(hub.locator("html")).to_have_attribute("lang", "en")

    resident = login("resident", next_url="/m/")
    seen = _watch(resident)
    resident.goto(f"{base}/m/report")
    resident.wait_for_load_state("networkidle")
    assert not seen, "\n".join(seen)
