"""A report made without signal waits on the phone and is sent once when the signal returns."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, shot
from huying.cases.models import Case
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_offline_report_is_queued_then_sent_once(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    page = login("grid_worker", viewport=PHONE, next_url="/m/report")
    page.fill("#id_title", "楼道堆放杂物")
    page.fill("#id_description", "3 单元楼道被纸箱堵住")
    page.context.set_offline(True)
    page.click("button[type=submit]")
    expect(page.locator("#queue-banner")).to_contain_text("已保存在手机上")
    expect(page.locator("#offline-banner")).to_be_visible()
    shot(page, "phone-offline-queued")
    assert Case.objects.count() == 0

    page.context.set_offline(False)  # the browser fires "online"; the queue is flushed
    expect(page.locator("#queue-banner")).to_contain_text("已发送", timeout=15_000)
    case = Case.objects.get()
    assert case.title == "楼道堆放杂物"
    assert case.submission_key  # sent with the key made when the form was filled

    # A second flush (say, another tab) finds an empty queue: still one case.
    page.evaluate("window.huyingQueue.flush()")
    page.wait_for_timeout(500)
    assert Case.objects.count() == 1
