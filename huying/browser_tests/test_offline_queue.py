"""A report made without signal waits on the phone and is sent once when the signal returns;
a chief's own fix too, its photos before and after kept apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, shot
from huying.browser_tests.test_grid_ladder import photo
from huying.cases.models import Case, CaseState
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


def test_a_chiefs_own_fix_made_offline_is_sent_with_both_photos(
    world: World, live_server: object, login: Callable[..., Page], settings: Any, tmp_path: Any
) -> None:
    """The queue keeps which input each photo came from: before and after arrive as such."""
    settings.MEDIA_ROOT = tmp_path
    page = login("street_chief", viewport=PHONE, next_url="/m/fixed")
    page.fill("#id_title", "店门前地砖翘起")
    page.set_input_files("#id_before", photo(fixed=False, name="处置前.jpg"))
    page.set_input_files("#id_after", photo(fixed=True, name="处置后.jpg"))
    expect(page.locator("[data-previews=after] img")).to_have_count(1)
    page.fill("#id_result", "已重新铺平")
    page.context.set_offline(True)
    page.click("button[type=submit]")
    expect(page.locator("#queue-banner")).to_contain_text("已保存在手机上")
    assert Case.objects.count() == 0

    page.context.set_offline(False)
    expect(page.locator("#queue-banner")).to_contain_text("已发送", timeout=15_000)
    case = Case.objects.get()
    assert (case.title, case.state) == ("店门前地砖翘起", CaseState.CLOSED)
    named = {
        e.action: [a.name for a in case.attachments.filter(pk__in=[r["id"] for r in e.attachments])]
        for e in case.events.all()
    }
    assert named == {"submit": ["处置前.jpg"], "self_fixed": ["处置后.jpg"]}
