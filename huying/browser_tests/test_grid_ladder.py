"""The grid ladder on the phone (390 px): an informant reports, the report waits with the
grid worker, who settles it on the spot; the coverage page at 1400 px."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, fits, shot
from huying.cases.models import Case, CaseState, Tier
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_informant_reports_and_the_grid_worker_settles_it_on_the_phone(
    world: World, login: Callable[..., Page]
) -> None:
    informant = login("informant", viewport=PHONE, next_url="/m/report")
    informant.fill("#id_title", "人行道上堆放建筑垃圾")
    informant.get_by_role("button", name="提交").click()
    expect(informant.locator("[data-number]")).to_be_visible()
    case = Case.objects.get(title="人行道上堆放建筑垃圾")
    assert case.state == CaseState.AT_GRID
    shot(informant, "ladder-informant-receipt")

    worker = login("grid_worker", viewport=PHONE, next_url="/m/")
    task = worker.get_by_role("link", name=re.compile("人行道上堆放建筑垃圾")).first
    expect(task).to_be_visible()
    shot(worker, "ladder-worker-tasks")
    task.click()
    expect(worker).to_have_url(re.compile(rf"/m/c/{case.number}$"))
    settle = worker.locator("form[data-action=grid_settle]")
    expect(settle).to_be_visible()
    fits(worker)
    shot(worker, "ladder-worker-task")
    settle.locator("textarea").first.fill("已联系物业清运")
    settle.locator("button[type=submit]").click()
    expect(settle).to_have_count(0)  # done: nothing left to settle
    expect(worker).to_have_url(re.compile(rf"/m/c/{case.number}$"))
    case.refresh_from_db()
    assert (case.state, case.tier) == (CaseState.VERIFYING, Tier.GRID)
    shot(worker, "ladder-worker-settled")


def test_the_informants_page_and_the_coverage_page(
    world: World, login: Callable[..., Page]
) -> None:
    worker = login("grid_worker", viewport=PHONE, next_url="/m/informants/")
    worker.fill("#id_name", "王大姐")
    worker.fill("#id_phone", "13900001111")
    worker.get_by_role("button", name="登记", exact=True).click()
    expect(worker.get_by_text("已登记信息员：王大姐")).to_be_visible()
    fits(worker)
    shot(worker, "ladder-my-informants")

    centre = login("grid_centre", next_url="/reports/coverage/")
    expect(centre.get_by_role("heading", name="网格覆盖", exact=True)).to_be_visible()
    centre.get_by_role("link", name=world.communities[0].name).click()
    expect(centre.get_by_role("row", name=re.compile(world.grids[0].name))).to_be_visible()
    shot(centre, "ladder-coverage")
