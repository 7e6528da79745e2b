"""通知 in a browser: the bell in the top bar shows the unread count once the page has drawn,
leads to the inbox, and 全部标为已读 empties the count."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, shot
from huying.cases.tests.helpers import submit
from huying.conftest import World
from huying.core.notify import notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_leads_to_the_inbox_and_reading_empties_it(
    world: World, login: Callable[..., Page]
) -> None:
    case = submit(world, now=timezone.now())
    hub = world.actor("hub").user.pk
    for message in ("新的反映待研判", "事件即将超期，请尽快处理"):
        notify(
            recipient_ids=[hub], kind="t", subject=case.number, message=message, now=timezone.now()
        )
    page = login("hub")
    expect(page.locator("#bell .badge")).to_have_text("2")
    page.locator("#bell").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2 条未读")
    expect(page.get_by_role("link", name=case.number).first).to_be_visible()
    shot(page, "inbox")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("0 条未读")
    expect(page.locator("#bell")).to_be_visible()
    expect(page.locator("#bell .badge")).to_have_count(0)


def test_the_inbox_reads_on_a_phone(world: World, login: Callable[..., Page]) -> None:
    case = submit(world, now=timezone.now())
    hub = world.actor("hub").user.pk
    notify(
        recipient_ids=[hub],
        kind="t",
        subject=case.number,
        message="新的反映待研判",
        now=timezone.now(),
    )
    page = login("hub", viewport=PHONE, next_url="/cases/inbox/")
    expect(page.get_by_role("link", name=case.number)).to_be_visible()
    expect(page.get_by_role("button", name="标为已读", exact=True)).to_be_visible()
    shot(page, "inbox")
