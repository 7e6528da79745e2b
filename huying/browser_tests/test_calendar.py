"""工作日历 in a real browser, at 1400 px and 390 px: the admin enters 元旦 2027, imports a
file with a bad row (nothing written, the row reported), checks a good one, confirms the
year; the workbench warns while 2027 is missing. Screenshots to ``artifacts/screenshots/``."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.conftest import World
from huying.core.models import WorkdayOverride
from huying.core.selectors import calendar_year_status

# The test world confirms the wall clock's next year; these tests are about a missing one.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("calendar_gap"),
]


def xlsx(path: Path, *rows: tuple[str, str, str]) -> str:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日期", "类型", "说明"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return str(path)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_enter_import_and_confirm_2027(
    world: World, login: Callable[..., Page], tmp_path: Path, viewport: dict[str, int]
) -> None:
    page = login("admin", viewport=viewport, next_url="/manage/calendar/?year=2027")
    expect(page.locator("h1")).to_contain_text("2027 年工作日历")
    expect(page.locator(".year-status")).to_contain_text("尚未录入")
    page.fill("#id_date", "2027-01-01")
    page.fill("#id_note", "元旦")
    page.click("form[action$='/2027/days'] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已保存 2027-01-01")
    expect(page.locator("table.calendar-days")).to_contain_text("星期五")

    bad = xlsx(
        tmp_path / "bad.xlsx", ("2027-02-06", "休息日", "春节"), ("2027-02-30", "休息日", "")
    )
    page.set_input_files("#id_import-file", bad)
    page.click("form[action$='/2027/import'] button.primary")
    expect(page.locator(".import-errors")).to_contain_text("日期「2027-02-30」无效")
    assert WorkdayOverride.objects.count() == 1
    fits(page)
    shot(page, "manage-calendar-import-errors")

    good = xlsx(tmp_path / "good.xlsx", ("2027-02-06", "休息日", "春节"))
    page.set_input_files("#id_import-file", good)
    page.click("button[name=dry_run]")
    expect(page.locator(".import-preview")).to_contain_text("新增 1 天")
    assert WorkdayOverride.objects.count() == 1

    page.fill("#id_confirm-note", "据国务院办公厅通知录入")
    page.click("form[action$='/2027/confirm'] button[type=submit]")
    expect(page.locator(".year-status")).to_contain_text("已确认")
    assert calendar_year_status(2027).source == "confirmed"
    fits(page)
    shot(page, "manage-calendar")


def test_the_workbench_warns_while_next_year_is_missing(
    world: World, login: Callable[..., Page], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 2))
    page = login("admin")
    notice = page.locator(".calendar-notice")
    expect(notice).to_contain_text("2027 年节假日安排尚未录入")
    shot(page, "calendar-warning-admin")
    page.click(".calendar-notice a")
    expect(page.locator("h1")).to_contain_text("2027 年工作日历")
    phone = login("grid_worker", viewport=PHONE, next_url="/m/")
    expect(phone.locator(".calendar-notice")).to_contain_text("2027 年节假日安排尚未录入")
    fits(phone)
    shot(phone, "calendar-warning-field")
