"""工作日历: entering, importing and confirming a year the package does not cover (2027 with
chinesecalendar 1.11.0), the refusal of deadlines that need it, the page (admins only), the
workbench warning and the ``huying calendar`` command.

Hand-worked dates: 2026-12-31 is a Thursday, 2027-01-01 a Friday (元旦), 2027-01-02/03 the
weekend, 2027-01-04 a Monday. Close of business is 17:30 Beijing time = 09:30 UTC.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from huying.cases import services as case_services
from huying.cases.models import Assignment, Case, CaseEvent, CaseState
from huying.cases.sweep import sweep_deadlines
from huying.cases.tests.helpers import submit
from huying.conftest import World
from huying.core import selectors, services
from huying.core.errors import (
    CalendarYearMissing,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from huying.core.models import CalendarYear, ChangeLog, Notification, WorkdayOverride
from huying.core.workcalendar import load_calendar

#: The test world confirms the wall clock's next year; these tests are about a missing one.
pytestmark = pytest.mark.usefixtures("calendar_gap")

SH = ZoneInfo("Asia/Shanghai")
WD = "working_days"
NEW_YEARS_EVE_10AM = datetime(2026, 12, 31, 10, 0, tzinfo=SH)
MISSING_2027 = "2027 年的节假日和调休安排尚未录入，无法计算工作日时限"


def client_for(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def xlsx(*rows: tuple[Any, ...], header: tuple[str, ...] = ("日期", "类型", "说明")) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "2027.xlsx"
    return out


# --- the calendar with the tables behind it -------------------------------------------------


@pytest.mark.django_db
class TestLoadedCalendar:
    def test_2027_is_refused_until_confirmed(self):
        with pytest.raises(CalendarYearMissing) as refused:
            load_calendar().add(NEW_YEARS_EVE_10AM, 1, WD)
        assert refused.value.year == 2027

    def test_entered_but_unconfirmed_is_still_refused(self):
        services.calendar_day_set(
            actor=None, date=date(2027, 1, 1), is_workday=False, note="元旦", now=timezone.now()
        )
        with pytest.raises(CalendarYearMissing):
            load_calendar().add(NEW_YEARS_EVE_10AM, 1, WD)

    def test_new_years_day_entered_and_confirmed(self):
        now = timezone.now()
        services.calendar_day_set(
            actor=None, date=date(2027, 1, 1), is_workday=False, note="元旦", now=now
        )
        services.calendar_year_confirm(actor=None, year=2027, now=now)
        # Thu 10:00 + 1 working day: Fri is 元旦, then the weekend: Mon 2027-01-04 17:30.
        due = load_calendar().add(NEW_YEARS_EVE_10AM, 1, WD)
        assert due == datetime(2027, 1, 4, 17, 30, tzinfo=SH)
        assert due == datetime(2027, 1, 4, 9, 30, tzinfo=UTC)

    def test_confirmed_with_nothing_entered_is_monday_to_friday(self):
        services.calendar_year_confirm(
            actor=None, year=2027, note="按周一至周五", now=timezone.now()
        )
        due = load_calendar().add(NEW_YEARS_EVE_10AM, 1, WD)
        assert due == datetime(2027, 1, 1, 17, 30, tzinfo=SH)


# --- services -----------------------------------------------------------------------------


@pytest.mark.django_db
class TestServices:
    def test_a_day_is_entered_changed_and_removed_with_a_change_log(self, world: World):
        admin, now = world.actor("admin"), timezone.now()
        services.calendar_day_set(
            actor=admin, date=date(2027, 1, 1), is_workday=False, note="元旦", now=now
        )
        services.calendar_day_set(
            actor=admin, date=date(2027, 1, 1), is_workday=False, note="元旦节", now=now
        )
        row = WorkdayOverride.objects.get(date=date(2027, 1, 1))
        assert (row.is_workday, row.note) == (False, "元旦节")
        services.calendar_day_unset(actor=admin, date=date(2027, 1, 1), now=now)
        assert not WorkdayOverride.objects.exists()
        year = CalendarYear.objects.get(year=2027)
        assert year.confirmed_at is None
        log = list(ChangeLog.objects.filter(object_id=str(year.pk)).order_by("id"))
        assert [c.action for c in log] == [
            "calendar.day.create",
            "calendar.day.update",
            "calendar.day.delete",
        ]
        assert log[0].after == {"2027-01-01": {"kind": "holiday", "note": "元旦"}}
        assert log[1].before == {"2027-01-01": {"kind": "holiday", "note": "元旦"}}
        assert log[2].after == {"2027-01-01": None}
        assert {c.username for c in log} == {"admin"}

    def test_saving_the_same_day_unchanged_writes_no_record(self, world: World):
        admin, now = world.actor("admin"), timezone.now()
        for _ in range(2):
            services.calendar_day_set(
                actor=admin, date=date(2027, 1, 1), is_workday=False, note="元旦", now=now
            )
        assert ChangeLog.objects.count() == 1

    @pytest.mark.parametrize("who", ["hub", "street", "dept_cg", "leader", "grid_worker"])
    def test_only_an_admin_may_write(self, world: World, who: str):
        actor, now = world.actor(who), timezone.now()
        with pytest.raises(PermissionDenied):
            services.calendar_day_set(actor=actor, date=date(2027, 1, 1), is_workday=False, now=now)
        with pytest.raises(PermissionDenied):
            services.calendar_year_confirm(actor=actor, year=2027, note="x", now=now)
        with pytest.raises(PermissionDenied):
            services.calendar_import(actor=actor, file=xlsx(("2027-01-01", "休息日")), now=now)
        assert not WorkdayOverride.objects.exists() and not CalendarYear.objects.exists()

    def test_confirming_an_empty_year_needs_a_note(self):
        with pytest.raises(InvalidInput) as refused:
            services.calendar_year_confirm(actor=None, year=2027, note=" ", now=timezone.now())
        assert refused.value.details["field"] == "note"
        assert not CalendarYear.objects.filter(confirmed_at__isnull=False).exists()
        assert selectors.calendar_year_status(2027).source == "missing"

    def test_a_year_the_package_covers_or_already_confirmed_is_refused(self):
        now = timezone.now()
        with pytest.raises(RuleViolation):
            services.calendar_year_confirm(actor=None, year=2026, note="x", now=now)
        services.calendar_year_confirm(actor=None, year=2027, note="按周一至周五", now=now)
        with pytest.raises(RuleViolation):
            services.calendar_year_confirm(actor=None, year=2027, note="again", now=now)
        state = selectors.calendar_year_status(2027)
        assert state.source == "confirmed" and state.row is not None
        assert state.row.note == "按周一至周五"

    def test_unsetting_a_day_never_entered_is_not_found(self):
        with pytest.raises(NotFound):
            services.calendar_day_unset(actor=None, date=date(2027, 1, 1), now=timezone.now())


@pytest.mark.django_db
class TestImport:
    def test_a_good_file_is_written_and_logged(self, world: World):
        WorkdayOverride.objects.create(date=date(2027, 2, 13), is_workday=False, note="错的")
        result = services.calendar_import(
            actor=world.actor("admin"),
            file=xlsx(
                (datetime(2027, 1, 1), "休息日", "元旦"),
                ("2027-02-06", "节假日", "春节"),
                ("2027/2/13", "调休上班", "春节调休"),
            ),
            now=timezone.now(),
        )
        assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
        days = {o.date: (o.is_workday, o.note) for o in WorkdayOverride.objects.all()}
        assert days == {
            date(2027, 1, 1): (False, "元旦"),
            date(2027, 2, 6): (False, "春节"),
            date(2027, 2, 13): (True, "春节调休"),
        }
        [record] = ChangeLog.objects.filter(action="calendar.import")
        assert sorted(record.after or {}) == ["2027-01-01", "2027-02-06", "2027-02-13"]

    def test_a_dry_run_writes_nothing(self):
        result = services.calendar_import(
            actor=None,
            file=xlsx(("2027-01-01", "休息日", "元旦")),
            now=timezone.now(),
            dry_run=True,
        )
        assert result.dry_run and result.created == 1
        assert not WorkdayOverride.objects.exists() and not ChangeLog.objects.exists()

    def test_one_bad_row_and_nothing_is_written(self):
        file = xlsx(
            ("2027-01-01", "休息日", "元旦"),
            ("2027-02-30", "休息日", "春节"),
            ("2027-02-13", "上班", ""),
            ("2027-01-01", "调休上班", ""),
        )
        with pytest.raises(InvalidInput) as refused:
            services.calendar_import(actor=None, file=file, now=timezone.now())
        assert refused.value.code == "import_rejected"
        errors = refused.value.details["errors"]
        assert [e["row"] for e in errors] == [3, 4, 5]
        assert "日期「2027-02-30」无效" in errors[0]["message"]
        assert "类型「上班」无效" in errors[1]["message"]
        assert "与第 2 行的日期重复" in errors[2]["message"]
        assert not WorkdayOverride.objects.exists() and not ChangeLog.objects.exists()

    def test_a_missing_column_or_not_a_workbook(self):
        with pytest.raises(InvalidInput, match="表头缺少列：类型"):
            services.calendar_import(
                actor=None, file=xlsx(("2027-01-01",), header=("日期",)), now=timezone.now()
            )
        with pytest.raises(InvalidInput, match="XLSX"):
            services.calendar_import(actor=None, file=io.BytesIO(b"not xlsx"), now=timezone.now())


# --- the API refuses a deadline in a missing year ---------------------------------------------


@pytest.mark.django_db
def test_a_dispatch_needing_2027_is_409_and_changes_nothing_until_the_admin_confirms(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    """At 10:00 on Thu 2026-12-31 the hub dispatches a complex case: the report-in limit (one
    working day) ends on the next workday, which is in 2027."""
    case = submit(world, now=NEW_YEARS_EVE_10AM)
    case_services.case_triage(
        actor=world.actor("street"),
        case_id=case.pk,
        item_id=world.items[3].pk,
        now=NEW_YEARS_EVE_10AM,
    )
    case = Case.objects.get(pk=case.pk)
    events, notes = CaseEvent.objects.count(), Notification.objects.count()
    monkeypatch.setattr(timezone, "now", lambda: NEW_YEARS_EVE_10AM.astimezone(UTC))
    hub = client_for(world, "hub")
    body = {"lead_department_id": world.departments["sw"].pk}

    r = hub.post(f"/api/v1/cases/{case.pk}/dispatch", body, content_type="application/json")
    assert r.status_code == 409, r.content
    error = r.json()["error"]
    assert error["code"] == "calendar_year_missing"
    assert error["details"] == {"year": 2027}
    assert MISSING_2027 in error["message"] and "工作日历" in error["message"]
    after = Case.objects.get(pk=case.pk)
    assert (after.state, after.version) == (CaseState.TRIAGED, case.version)
    assert not Assignment.objects.exists()
    assert (CaseEvent.objects.count(), Notification.objects.count()) == (events, notes)

    admin = client_for(world, "admin")
    r = admin.post("/manage/calendar/2027/days", {"date": "2027-01-01", "kind": "holiday"})
    assert r.status_code == 302
    r = admin.post("/manage/calendar/2027/confirm", {"confirm-note": "据国务院通知录入"})
    assert r.status_code == 302

    r = hub.post(f"/api/v1/cases/{case.pk}/dispatch", body, content_type="application/json")
    assert r.status_code == 200, r.content
    [assignment] = r.json()["assignments"]
    assert assignment["report_in_due_at"].startswith("2027-01-04T09:30:00")


@pytest.mark.django_db
def test_the_case_page_shows_the_refusal_in_place(world: World, monkeypatch: pytest.MonkeyPatch):
    """The street calls a general case on New Year's Eve from the console: 409, the message
    on the page, the case as it was."""
    case = submit(world, now=NEW_YEARS_EVE_10AM)
    case_services.case_triage(
        actor=world.actor("street"),
        case_id=case.pk,
        item_id=world.items[2].pk,
        now=NEW_YEARS_EVE_10AM,
    )
    case = Case.objects.get(pk=case.pk)
    monkeypatch.setattr(timezone, "now", lambda: NEW_YEARS_EVE_10AM.astimezone(UTC))
    street = client_for(world, "street")
    r = street.post(f"/cases/{case.pk}/act/call", {"c-call-expected_version": case.version})
    assert r.status_code == 409
    assert MISSING_2027 in r.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.TRIAGED
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_the_sweep_skips_an_escalation_it_cannot_time_and_says_so(
    world: World, caplog: pytest.LogCaptureFixture
):
    """A self-handled case due Thu 2026-12-31 17:30 is overdue at 18:00; escalating it starts
    a new working-day clock, which needs 2027: the sweep leaves the case, logs the reason and
    escalates it once 2027 is confirmed."""
    monday = datetime(2026, 12, 28, 10, 0, tzinfo=SH)
    case = submit(world, now=monday)
    street = world.actor("street")
    case_services.case_triage(actor=street, case_id=case.pk, item_id=world.items[1].pk, now=monday)
    case_services.case_self_handle(actor=street, case_id=case.pk, now=monday)
    case = Case.objects.get(pk=case.pk)
    assert case.due_at == datetime(2026, 12, 31, 17, 30, tzinfo=SH)  # 3 working days
    late = datetime(2026, 12, 31, 18, 0, tzinfo=SH)

    report = sweep_deadlines(now=late)
    assert report.escalated_cases == 0 and MISSING_2027 in report.errors[0]
    assert any(MISSING_2027 in r.getMessage() for r in caplog.records)
    after = Case.objects.get(pk=case.pk)
    assert (after.tier, after.version, after.overdue) == (case.tier, case.version, False)

    services.calendar_year_confirm(actor=None, year=2027, note="按周一至周五", now=late)
    assert sweep_deadlines(now=late).escalated_cases == 1
    assert Case.objects.get(pk=case.pk).tier != case.tier


# --- the page -----------------------------------------------------------------------------


def pages(year: int = 2027) -> list[str]:
    return [
        "/manage/calendar/",
        f"/manage/calendar/?year={year}",
        "/manage/calendar/?year=2026",
        f"/manage/calendar/?year={year}&edit={year}-01-01",
        "/manage/calendar/template.xlsx",
    ]


@pytest.mark.django_db
class TestPage:
    def test_every_page_renders_for_an_admin(self, world: World):
        WorkdayOverride.objects.create(date=date(2027, 1, 1), is_workday=False, note="元旦")
        admin = client_for(world, "admin")
        for url in pages():
            assert admin.get(url).status_code == 200, url
        html = admin.get("/manage/calendar/?year=2027").content.decode()
        assert "2027 年工作日历" in html and "尚未录入" in html and "元旦" in html
        assert "星期五" in html  # 2027-01-01
        html = admin.get("/manage/calendar/?year=2026").content.decode()
        assert "国务院安排已内置" in html and "国庆节" in html

    @pytest.mark.parametrize(
        "who", ["hub", "hub_sup", "street", "dept_cg", "leader", "grid_worker", "resident"]
    )
    def test_every_page_and_write_is_404_for_other_roles(self, world: World, who: str):
        client = client_for(world, who)
        for url in pages():
            assert client.get(url).status_code == 404, url
        writes = {
            "/manage/calendar/2027/days": {"date": "2027-01-01", "kind": "holiday"},
            "/manage/calendar/2027/confirm": {"confirm-note": "x"},
            "/manage/calendar/2027/import": {},
        }
        for url, data in writes.items():
            assert client.post(url, data).status_code == 404, url
        WorkdayOverride.objects.create(date=date(2027, 1, 1), is_workday=False)
        assert client.post("/manage/calendar/2027/days/2027-01-01/delete").status_code == 404
        assert WorkdayOverride.objects.count() == 1
        assert not CalendarYear.objects.exists()

    def test_the_admin_enters_changes_deletes_and_confirms(self, world: World):
        admin = client_for(world, "admin")
        r = admin.post(
            "/manage/calendar/2027/days", {"date": "2027-01-01", "kind": "holiday", "note": "元旦"}
        )
        assert r.status_code == 302 and r["Location"].endswith("?year=2027")
        r = admin.post(
            "/manage/calendar/2027/days",
            {"date": "2027-01-01", "kind": "workday", "note": "改"},
        )
        assert WorkdayOverride.objects.get().is_workday is True
        r = admin.post("/manage/calendar/2027/days/2027-01-01/delete")
        assert r.status_code == 302 and not WorkdayOverride.objects.exists()
        # Nothing entered: confirming needs a reason, shown in place.
        r = admin.post("/manage/calendar/2027/confirm", {"confirm-note": ""})
        assert r.status_code == 422
        assert "请在说明中写明理由" in r.content.decode()
        assert selectors.calendar_year_status(2027).source == "missing"
        r = admin.post("/manage/calendar/2027/confirm", {"confirm-note": "本区按周一至周五"})
        assert r.status_code == 302
        assert selectors.calendar_year_status(2027).source == "confirmed"
        html = admin.get("/manage/calendar/?year=2027").content.decode()
        assert "已确认" in html and "本区按周一至周五" in html
        assert "修改记录" in html and "确认" in html

    def test_bad_input_is_422_in_place_and_changes_nothing(self, world: World):
        admin = client_for(world, "admin")
        r = admin.post("/manage/calendar/2027/days", {"date": "2027-02-30", "kind": "holiday"})
        assert r.status_code == 422 and "日期格式应为 2027-01-01" in r.content.decode()
        r = admin.post("/manage/calendar/2027/days", {"date": "2027-01-01", "note": "x" * 101})
        assert r.status_code == 422 and "请选择类型" in r.content.decode()
        assert not WorkdayOverride.objects.exists() and not ChangeLog.objects.exists()

    def test_an_import_with_a_bad_row_writes_nothing_and_reports_the_row(self, world: World):
        admin = client_for(world, "admin")
        file = xlsx(("2027-01-01", "休息日", "元旦"), ("2027-13-01", "休息日", "春节"))
        r = admin.post("/manage/calendar/2027/import", {"import-file": file})
        assert r.status_code == 422
        html = r.content.decode()
        assert "文件未导入：共 1 处错误" in html and "日期「2027-13-01」无效" in html
        assert '<td class="num">3</td>' in html
        assert not WorkdayOverride.objects.exists() and not ChangeLog.objects.exists()

    def test_a_checked_then_imported_file(self, world: World):
        admin = client_for(world, "admin")
        rows = (("2027-01-01", "休息日", "元旦"), ("2027-02-13", "调休上班", "春节调休"))
        r = admin.post("/manage/calendar/2027/import", {"import-file": xlsx(*rows), "dry_run": "1"})
        assert r.status_code == 200 and "检查通过，尚未导入" in r.content.decode()
        assert not WorkdayOverride.objects.exists()
        r = admin.post("/manage/calendar/2027/import", {"import-file": xlsx(*rows)})
        assert r.status_code == 302
        assert WorkdayOverride.objects.count() == 2

    def test_the_template_is_what_the_import_reads(self, world: World):
        r = client_for(world, "admin").get("/manage/calendar/template.xlsx")
        book = load_workbook(io.BytesIO(b"".join(r.streaming_content)))  # type: ignore[attr-defined]
        header = [c.value for c in book.worksheets[0][1]]
        assert header == ["日期", "类型", "说明"]
        # Filled in, it imports.
        sheet = book.worksheets[0]
        sheet.append([date(2027, 1, 1), "休息日", "元旦"])
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        result = services.calendar_import(actor=None, file=out, now=timezone.now())
        assert [r.date for r in result.rows] == [date(2027, 1, 1)]


# --- the workbench warning ----------------------------------------------------------------


@pytest.mark.django_db
class TestNotice:
    @pytest.mark.parametrize(
        ("today", "expected"),
        [
            (date(2026, 10, 31), None),
            (date(2026, 11, 1), ("next", 2027)),
            (date(2026, 12, 31), ("next", 2027)),
            (date(2027, 1, 1), ("current", 2027)),
            (date(2026, 6, 1), None),
            (date(2025, 11, 15), None),  # 2026 is covered by the package
        ],
    )
    def test_dates(self, today: date, expected: tuple[str, int] | None):
        notice = selectors.calendar_notice(today)
        assert (notice and (notice.kind, notice.year)) == expected

    def test_a_missing_current_year_is_called_this_year(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ):
        client = client_for(world, "admin")
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 4))
        html = client.get("/").content.decode()
        assert "2027 年节假日安排尚未录入：今年的工作日时限无法计算" in html
        assert 'href="/manage/calendar/?year=2027"' in html

    def test_none_once_the_year_is_confirmed(self):
        services.calendar_year_confirm(actor=None, year=2027, note="x", now=timezone.now())
        assert selectors.calendar_notice(date(2026, 11, 1)) is None
        assert selectors.calendar_notice(date(2027, 3, 1)) is None
        # ...and from November 2027, 2028 is due.
        notice = selectors.calendar_notice(date(2027, 11, 1))
        assert notice is not None and (notice.kind, notice.year) == ("next", 2028)

    @pytest.mark.parametrize(
        ("who", "url"),
        [
            ("admin", "/"),
            ("hub", "/"),
            ("street", "/"),
            ("dept_cg", "/"),
            ("leader", "/"),
            ("grid_worker", "/m/"),
        ],
    )
    def test_every_workbench_shows_it(
        self, world: World, monkeypatch: pytest.MonkeyPatch, who: str, url: str
    ):
        client = client_for(world, who)
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 1))
        html = client.get(url).content.decode()
        # The year it is about, which year that is, and where the days are entered.
        assert "2027 年节假日安排尚未录入：明年的工作日时限无法计算" in html
        assert "今年" not in html
        assert "「管理 → 工作日历」中录入 2027 年的放假和调休" in html
        assert ("/manage/calendar/?year=2027" in html) == (who == "admin")
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 10, 31))
        assert "节假日安排尚未录入" not in client.get(url).content.decode()


# --- the command --------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
class TestCommand:
    def test_set_show_unset_confirm(self):
        assert "missing" in run("show", "2027")
        run("set", "2027-01-01", "holiday", "--note", "元旦")
        run("set", "2027-02-13", "workday", "--note", "春节调休")
        shown = run("show", "2027")
        assert "2027-01-01 Fri  休息日" in shown and "元旦" in shown
        assert "2027-02-13 Sat  调休上班" in shown
        run("unset", "2027-02-13")
        assert WorkdayOverride.objects.count() == 1
        run("confirm", "2027", "--note", "据通知录入")
        assert "confirmed by 系统 system" in run("show", "2027")
        assert "covered by chinese_calendar" in run("show", "2026")
        assert ChangeLog.objects.filter(username="").count() == 4

    def test_errors_are_command_errors(self):
        with pytest.raises(CommandError, match="请在说明中写明理由"):
            run("confirm", "2027")
        with pytest.raises(CommandError, match="没有录入过"):
            run("unset", "2027-01-01")
        assert not CalendarYear.objects.filter(confirmed_at__isnull=False).exists()

    def test_import_and_dry_run(self, tmp_path: Any):
        path = tmp_path / "2027.xlsx"
        path.write_bytes(xlsx(("2027-01-01", "休息日", "元旦")).getvalue())
        assert "nothing written" in run("import", str(path), "--dry-run")
        assert not WorkdayOverride.objects.exists()
        assert "已导入 imported: 1" in run("import", str(path))
        assert WorkdayOverride.objects.get().note == "元旦"
        bad = tmp_path / "bad.xlsx"
        bad.write_bytes(xlsx(("2027-01-02", "休"), ("x", "休息日")).getvalue())
        with pytest.raises(CommandError, match="第 3 行"):
            run("import", str(bad))
        assert WorkdayOverride.objects.count() == 1

    def test_check(self):
        assert "calendar ok" in run("check", "--today", "2026-10-31")
        with pytest.raises(CommandError, match="2027 年节假日安排尚未录入") as missing:
            run("check", "--today", "2026-11-01")
        assert missing.value.returncode == 1
        with pytest.raises(CommandError, match="工作日时限无法计算"):
            run("check", "--today", "2027-01-04")
        run("confirm", "2027", "--note", "按周一至周五")
        assert "calendar ok" in run("check", "--today", "2026-11-01")
        assert "calendar ok" in run("check", "--today", "2027-01-04")
