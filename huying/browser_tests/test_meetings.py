"""A street's weekly meeting in a real browser: opened with its agenda drafted from the data,
a free item and a case put on it by hand, a decision on two cases (an assignment to a department, a
deadline), both cases' trails saying 会议决定, and the minutes downloaded. Screenshots:
``meeting-1400px.png``, ``meeting-390px.png``, ``meeting-trail-1400px.png``,
``coordination-1400px.png``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, fits, shot
from huying.cases.models import Case, CaseState
from huying.cases.tests.helpers import case_in_state
from huying.catalogue.models import Level
from huying.conftest import World
from huying.coordination.models import Decision, Meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _item(page: Page, case: Case) -> Any:
    return page.locator("ol.agenda > li", has_text=case.number)


def test_a_meeting_decides_two_cases_and_both_trails_say_so(
    world: World, login: Callable[..., Page], live_server: Any
) -> None:
    major = case_in_state(world, CaseState.TRIAGED, level=Level.COMPLEX)
    waiting = case_in_state(world, CaseState.TRIAGED)
    handling = case_in_state(world, CaseState.IN_PROGRESS)
    page = login("street", next_url="/coordination/")
    expect(page.locator("h1")).to_have_text("会商与联合执法")
    page.get_by_role("link", name="召开会议").click()
    page.select_option("#id_kind", "weekly")
    page.fill("#id_chair", "王主任")
    page.get_by_label("第1社区").check()
    with page.expect_navigation():
        page.get_by_role("button", name="创建并生成议程").click()
    meeting = Meeting.objects.get()
    expect(page.locator(".messages")).to_contain_text("议程已按数据生成")
    expect(_item(page, major)).to_contain_text("L3/L4")  # drafted from the data
    expect(_item(page, handling)).to_contain_text("超期")
    page.fill("#add-text", "夜市占道经营整治方案")  # a free-text item
    with page.expect_navigation():
        page.get_by_role("button", name="增加", exact=True).click()
    expect(page.locator("ol.agenda > li").last).to_contain_text("夜市占道经营整治方案")
    page.fill("#add-case", handling.number)  # already on it: refused
    with page.expect_navigation():
        page.get_by_role("button", name="增加", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已在议程中")
    page.fill("#add-case", waiting.number)  # not drafted (on time, not L3/L4): put on by hand
    with page.expect_navigation():
        page.get_by_role("button", name="增加", exact=True).click()
    expect(_item(page, waiting)).to_contain_text("其他议题")

    item = _item(page, waiting)
    item.locator("summary").click()
    item.get_by_label("决定").select_option("assign")
    item.get_by_label("主办部门").select_option(label="城管局")
    item.get_by_label("理由").fill("城管局牵头，本周内到场")
    with page.expect_navigation():
        item.get_by_role("button", name="决定并执行").click()
    expect(page.locator(".messages")).to_contain_text("已记入事件轨迹")

    item = _item(page, handling)
    item.locator("summary").click()
    item.get_by_label("决定").select_option("deadline")
    deadline = timezone.localdate() + timedelta(days=7)
    item.get_by_label("办结期限").fill(deadline.isoformat())
    with page.expect_navigation():
        item.get_by_role("button", name="决定并执行").click()
    expect(page.locator(".messages")).to_contain_text("已记入事件轨迹")
    assert Decision.objects.filter(meeting=meeting).count() == 2
    assert Case.objects.get(pk=waiting.pk).state == CaseState.IN_PROGRESS
    expect(page.locator("#h-decisions + .table-wrap tbody tr")).to_have_count(2)
    shot(page, "meeting")

    with page.expect_download() as download:
        page.locator("[data-minutes=docx]").click()
    assert download.value.suggested_filename.endswith("纪要.docx")
    assert download.value.path().read_bytes().startswith(b"PK")

    for case in (waiting, handling):
        page.goto(f"{live_server}/cases/{case.pk}/")
        trail = page.locator(".timeline")
        expect(trail).to_contain_text("会议决定")
        expect(trail).to_contain_text(meeting.title)
    # Both decisions are steps on their cases, each on the meeting's authority: the deadline
    # it set (会议定期限) and the call it made.
    expect(page.locator("[data-basis]")).to_contain_text("会议决定")
    expect(trail).to_contain_text("会议定期限")
    page.goto(f"{live_server}/cases/{waiting.pk}/")
    expect(page.locator("[data-basis]")).to_contain_text("会议决定")
    shot(page, "meeting-trail")

    page.goto(f"{live_server}/coordination/")
    shot(page, "coordination")
    phone = login("street", viewport=PHONE, next_url=f"/coordination/meetings/{meeting.pk}/")
    fits(phone)
    shot(phone, "meeting")
