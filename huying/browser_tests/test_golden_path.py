"""The golden path in a real browser: a resident's report on the phone page, through triage,
call, report-in, handling, verification and the resident's rating, to the closed case in
the street's list. Screenshots of each key page go to ``artifacts/screenshots/``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.cases.models import Case, CaseState
from huying.catalogue.models import Level
from huying.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page: Page, action: str, fill: Callable[[Page], None] | None = None) -> None:
    """Open the action's panel on the case page, fill it, submit, wait for the reload."""
    form = page.locator(f"form[data-action={action}]").first
    if not form.is_visible():  # a folded panel: its form arrives when it is opened
        page.locator(f"details[data-action={action}] > summary").first.click()
        expect(form).to_be_visible()
    if fill:
        fill(page)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("已")


def test_resident_report_to_closed_case(
    world: World, browser: Browser, live_server: object, login: Callable[..., Page]
) -> None:
    base = str(live_server)
    resident = login("resident", viewport=PHONE, next_url="/m/report")
    expect(resident.locator("h1")).to_have_text("反映问题")
    resident.fill("#id_title", "小区门口路灯不亮")
    resident.fill("#id_description", "晚上一片漆黑，老人出行不便")
    resident.select_option("#id_item_id", str(world.items[Level.GENERAL].pk))
    resident.fill("#id_address", "第1社区 3 栋门口")
    resident.fill("#id_reporter_phone", "13800001111")
    # The phone's GPS is not available headless: the position the page would fill in.
    lat, lng = world.point_in(0)
    resident.evaluate(
        "([lat, lng]) => { document.querySelector('[name=lat]').value = lat;"
        " document.querySelector('[name=lng]').value = lng; }",
        [lat, lng],
    )
    shot(resident, "phone-report")
    resident.click("button[type=submit]")
    resident.wait_for_url(re.compile(r"/m/c/"))
    case = Case.objects.get()
    expect(resident.locator("body")).to_contain_text(case.number)
    shot(resident, "phone-case-submitted")

    street = login("street", viewport=DESKTOP)
    expect(street.locator("#q-triage")).to_contain_text(case.number)
    shot(street, "street-home")
    street.click(f"text={case.number}")
    expect(street.locator("h1")).to_contain_text(case.title)
    act(street, "triage")  # the reporter's category is preselected
    act(street, "call")
    shot(street, "case-detail-called")

    dept = login("dept_cg", viewport=DESKTOP)
    expect(dept.locator("#q-report_in")).to_contain_text(case.number)
    shot(dept, "department-home")
    dept.set_viewport_size(PHONE)
    fits(dept)  # on a phone the workbench's tables scroll inside their frames
    shot(dept, "department-home")
    dept.set_viewport_size(DESKTOP)
    dept.goto(f"{base}/cases/{case.pk}/")
    act(dept, "report_in")
    act(dept, "accept")
    act(
        dept,
        "submit_result",
        lambda p: p.fill("textarea[name$=result]", "已更换路灯灯泡，恢复照明"),
    )

    street.goto(f"{base}/cases/{case.pk}/")
    act(street, "verify_pass", lambda p: p.fill("textarea[name$=note]", "现场核实，路灯已亮"))
    shot(street, "case-detail-verified")

    resident.goto(f"{base}/m/c/{case.number}")
    expect(resident.locator("body")).to_contain_text("已更换路灯灯泡")
    resident.check("input[value=satisfied]")
    shot(resident, "phone-rate")
    resident.click("text=提交评价")
    expect(resident.locator("body")).to_contain_text("感谢您的评价")
    shot(resident, "phone-case-closed")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED

    street.goto(f"{base}/cases/?state=closed")
    expect(street.locator("#case-rows")).to_contain_text(case.number)
    shot(street, "street-closed-list")


def test_hub_home_and_case_list_filters(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    from huying.cases.tests.helpers import case_in_state

    overdue = case_in_state(world, CaseState.IN_PROGRESS)
    case_in_state(world, CaseState.SUBMITTED)
    hub = login("hub", viewport=DESKTOP)
    expect(hub.locator("#q-triage")).to_be_visible()
    shot(hub, "hub-home")
    hub.goto(f"{live_server}/cases/")
    hub.select_option("#id_state", "in_progress")
    with hub.expect_navigation():
        hub.click("button:has-text('筛选')")
    expect(hub.locator("#case-rows")).to_contain_text(overdue.number)
    assert hub.locator("#case-rows tr").count() == 1
    shot(hub, "case-list-filtered")


def test_map_page_and_an_export(
    world: World, live_server: object, login: Callable[..., Page], tmp_path: Path
) -> None:
    from huying.cases.tests.helpers import case_in_state

    cases = [case_in_state(world, CaseState.SUBMITTED) for _ in range(3)]
    street = login("street", viewport=DESKTOP)
    street.goto(f"{live_server}/cases/map/")
    expect(street.locator(".leaflet-container")).to_be_visible()
    # The street's two grids and its three cases (canvas-drawn, on a plain background).
    expect(street.locator("#map-status")).to_contain_text("网格 2 个")
    expect(street.locator("#map-status")).to_contain_text("有坐标的事件 3 件")
    expect(street.locator(".marker-cluster").first).to_be_visible()
    shot(street, "map")

    street.goto(f"{live_server}/cases/?state=submitted")
    with street.expect_download() as download_info:
        street.click("text=导出 Excel")
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {c.number for c in cases}
