"""即将超期 reminders at the thresholds in settings, counted on the working-day calendar and
sent once per threshold and deadline; the leaders' daily digest, once a day; an L4 case's
notices are urgent (no quiet hours); the notice carries the case's title, deadline and page;
通知设置 saves a person's choices."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huying.cases.digest import send_daily_digests
from huying.cases.models import Assignment, Case, CaseState
from huying.cases.reminders import claim_all, parse_thresholds, reached, send_reminders
from huying.cases.services.engine import tell_users
from huying.cases.sweep import sweep_deadlines
from huying.catalogue.models import Level
from huying.conftest import World
from huying.core.models import (
    Counter,
    Delivery,
    Notification,
    NotificationPreference,
    QuietHours,
    TextNumber,
)
from huying.core.workcalendar import WorkCalendar

from .helpers import case_in_state

SH = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


# --- thresholds, plain ---------------------------------------------------------------------------


def test_a_working_day_left_counts_working_time_not_the_weekend() -> None:
    calendar = WorkCalendar(confirmed_years=[2026])
    thresholds = parse_thresholds(["4h", "1wd"])
    assert [t.code for t in thresholds] == ["1wd", "4h"]
    due = local(2026, 3, 16, 17, 30)  # a Monday, close of business
    friday_evening = local(2026, 3, 13, 17, 30)  # three days away, one working day left
    left = calendar.remaining(friday_evening, due, "working_days")
    assert left == 7 * 60
    hits = reached(thresholds, left=left, clock_unit="working_days", calendar=calendar)
    assert [t.code for t in hits] == ["1wd"]
    friday_afternoon = local(2026, 3, 13, 17, 29)
    left = calendar.remaining(friday_afternoon, due, "working_days")
    assert reached(thresholds, left=left, clock_unit="working_days", calendar=calendar) == []


def test_four_hours_left_skips_the_lunch_break_and_on_a_continuous_clock_does_not() -> None:
    calendar = WorkCalendar(confirmed_years=[2026])
    thresholds = parse_thresholds(["1wd", "4h"])
    due = local(2026, 3, 11, 17, 30)
    # 12:00 → 17:30 is four working hours (lunch 12:00–13:30 does not count).
    left = calendar.remaining(local(2026, 3, 11, 12, 0), due, "working_days")
    hits = reached(thresholds, left=left, clock_unit="working_days", calendar=calendar)
    assert [t.code for t in hits] == ["1wd", "4h"]  # tightest last
    left = calendar.remaining(local(2026, 3, 11, 12, 0), due, "hours")
    hits = reached(thresholds, left=left, clock_unit="hours", calendar=calendar)
    assert [t.code for t in hits] == ["1wd"]  # 5.5 real hours: a day, not yet four hours


def test_a_malformed_threshold_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="1wd"):
        parse_thresholds(["2 days"])


# --- the sweep -----------------------------------------------------------------------------------


def test_each_threshold_reminds_once_however_often_the_sweep_runs(
    world: World, settings: Any
) -> None:
    settings.HUYING_REMINDER_THRESHOLDS = ["1wd", "4h"]
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    # Dispatched Tue 10:00 with one working day to report in: due Wed 17:30.
    assert a.due_at == local(2026, 3, 11, 17, 30) and a.clock_unit == "working_days"

    def reminders() -> list[str]:
        return list(
            Notification.objects.filter(kind="reminder", subject=case.number)
            .order_by("id")
            .values_list("message", flat=True)
        )

    assert send_reminders(now=local(2026, 3, 10, 17, 29)) == 0
    assert send_reminders(now=local(2026, 3, 10, 17, 30)) == 1
    assert send_reminders(now=local(2026, 3, 10, 17, 45)) == 0
    assert sweep_deadlines(now=local(2026, 3, 11, 11, 59)).reminded == 0
    assert sweep_deadlines(now=local(2026, 3, 11, 12, 0)).reminded == 1
    assert sweep_deadlines(now=local(2026, 3, 11, 12, 5)).reminded == 0
    handlers = {world.actor("dept_cg").user.pk, world.actor("dept_cg_leader").user.pk}
    sent = reminders()
    assert len(sent) == 2 * len(handlers)
    assert "剩余不足 1 个工作日" in sent[0] and "剩余不足 4 小时" in sent[-1]
    assert (
        set(Notification.objects.filter(kind="reminder").values_list("recipient_id", flat=True))
        == handlers
    )
    note = Notification.objects.filter(kind="reminder").latest("id")
    assert note.title == case.title and note.due_at == a.due_at
    assert note.url == f"/cases/{case.pk}/" and not note.urgent


def test_a_moved_deadline_reminds_anew(world: World, settings: Any) -> None:
    settings.HUYING_REMINDER_THRESHOLDS = ["4h"]
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    assert send_reminders(now=local(2026, 3, 11, 14, 0)) == 1
    Assignment.objects.filter(pk=a.pk).update(due_at=local(2026, 3, 12, 17, 30))
    assert send_reminders(now=local(2026, 3, 12, 14, 0)) == 1
    assert send_reminders(now=local(2026, 3, 12, 15, 0)) == 0


def test_an_overdue_assignment_tells_the_departments_leader(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    assert a.due_at is not None
    sweep_deadlines(now=a.due_at + timedelta(minutes=1))
    leader = world.actor("dept_cg_leader").user.pk
    note = Notification.objects.get(recipient_id=leader, kind="overdue", subject=case.number)
    assert note.due_at == a.due_at and note.title == case.title


def test_an_l4_cases_notices_are_urgent_and_skip_quiet_hours(world: World, settings: Any) -> None:
    settings.HUYING_NOTIFY_CHANNELS = ["email"]
    settings.HUYING_QUIET_HOURS = "00:00-23:59"  # always quiet, but not for L4
    dept = world.actor("dept_cg").user
    dept.email = "cg@example.org"
    dept.save(update_fields=["email"])
    major = case_in_state(world, CaseState.SUBMITTED)
    Case.objects.filter(pk=major.pk).update(level=Level.MAJOR)
    major.refresh_from_db()
    now = local(2026, 3, 10, 23, 0)
    tell_users([dept.pk], major, "dispatched", "请签收", now)
    note = Notification.objects.get(recipient=dept, subject=major.number)
    assert note.urgent
    assert Delivery.objects.get(notification=note, channel="email").next_attempt_at == now
    ordinary = case_in_state(world, CaseState.SUBMITTED)
    tell_users([dept.pk], ordinary, "dispatched", "请签收", now)
    held = Delivery.objects.get(notification__subject=ordinary.number, channel="email")
    assert held.next_attempt_at == local(2026, 3, 10, 23, 59)


# --- the digest ----------------------------------------------------------------------------------


def test_the_digest_goes_to_each_leader_once_a_day_from_its_hour(
    world: World, settings: Any
) -> None:
    settings.HUYING_DIGEST_HOUR = 8
    case_in_state(world, CaseState.IN_PROGRESS)  # reported Tue 2026-03-10
    assert send_daily_digests(now=local(2026, 3, 11, 7, 59)) == 0
    sent = send_daily_digests(now=local(2026, 3, 11, 8, 0))
    leaders = {"street_leader", "hub_sup", "dept_cg_leader", "leader"}
    assert sent == len(leaders)
    assert send_daily_digests(now=local(2026, 3, 11, 9, 0)) == 0
    district = Notification.objects.get(kind="digest", recipient=world.actor("leader").user)
    assert district.subject == "每日摘要 2026-03-11"
    assert "昨日新增 1 件" in district.message and "昨日办结 0 件" in district.message
    other_street = Notification.objects.filter(kind="digest", recipient=world.actor("street").user)
    assert not other_street.exists()  # a caller is no leader
    assert send_daily_digests(now=local(2026, 3, 12, 8, 0)) == len(leaders)


# --- 通知设置 ------------------------------------------------------------------------------------


def test_the_settings_page_saves_choices_and_quiet_hours(world: World, settings: Any) -> None:
    settings.HUYING_NOTIFY_CHANNELS = ["email", "sms"]
    user = world.actor("dept_cg").user
    client = Client()
    client.force_login(user)
    page = client.get("/cases/inbox/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="task:email" checked' in html  # a handler's default
    assert "未开通" in html  # the robots are off on this site
    r = client.post(
        "/cases/inbox/settings/",
        {"urge:email": "on", "overdue:sms": "on", "quiet": "own", "start": "21:00", "end": "08:00"},
    )
    assert r.status_code == 302
    rows = set(
        NotificationPreference.objects.filter(user=user).values_list(
            "category", "channel", "enabled"
        )
    )
    assert ("task", "email", False) in rows and ("overdue", "sms", True) in rows
    assert QuietHours.objects.get(user=user).start.hour == 21
    bad = client.post("/cases/inbox/settings/", {"quiet": "own", "start": "21:00", "end": ""})
    assert bad.status_code == 400
    assert QuietHours.objects.get(user=user).start.hour == 21  # unchanged
    # The number texts go to: kept, shown again, a bad one refused with its reason.
    assert (
        client.post(
            "/cases/inbox/settings/", {"quiet": "site", "text_number": "138 0000 3333"}
        ).status_code
        == 302
    )
    assert 'value="13800003333"' in client.get("/cases/inbox/settings/").content.decode()
    refused = client.post("/cases/inbox/settings/", {"quiet": "site", "text_number": "110"})
    assert refused.status_code == 400 and "请输入 11 位手机号码" in refused.content.decode()
    assert TextNumber.objects.get(user=user).phone == "13800003333"


def test_a_sweep_that_finds_nothing_new_costs_a_few_queries_however_many_clocks(
    world: World, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.HUYING_REMINDER_THRESHOLDS = ["1wd", "4h"]
    for _ in range(6):
        case_in_state(world, CaseState.IN_PROGRESS)
    now = local(2026, 3, 11, 12, 0)
    assert send_reminders(now=now) == 6
    with django_assert_max_num_queries(4):  # the calendar is cached; two reads, one key lookup
        assert send_reminders(now=now + timedelta(minutes=1)) == 0


def test_a_sweeps_reminders_cost_the_same_statements_for_two_clocks_as_for_eight(
    world: World, settings: Any
) -> None:
    """Claimed, read and told together: the statements do not grow with the reminders."""
    settings.HUYING_REMINDER_THRESHOLDS = ["1wd", "4h"]
    settings.HUYING_NOTIFY_CHANNELS = ["email"]
    for _ in range(8):
        case_in_state(world, CaseState.IN_PROGRESS)
    clocks = list(Assignment.objects.order_by("pk"))
    now = local(2026, 3, 11, 12, 0)
    statements = []
    for keep in (2, 8):
        # Only ``keep`` clocks are due within the window: the others' deadlines move out.
        Assignment.objects.filter(pk__in=[a.pk for a in clocks[keep:]]).update(
            due_at=now + timedelta(days=30)
        )
        Assignment.objects.filter(pk__in=[a.pk for a in clocks[:keep]]).update(
            due_at=clocks[0].due_at
        )
        Notification.objects.all().delete()
        Counter.objects.filter(key__startswith="remind:").delete()
        with CaptureQueriesContext(connection) as queries:
            assert send_reminders(now=now) == keep
        statements.append(len(queries.captured_queries))
        people = {world.actor("dept_cg").user.pk, world.actor("dept_cg_leader").user.pk}
        assert Notification.objects.filter(kind="reminder").count() == keep * len(people)
    assert statements[0] == statements[1]


def test_a_reminders_key_is_claimed_by_one_caller_only(world: World) -> None:
    first = claim_all(["remind:a1:100:4h", "remind:a2:100:4h"])
    second = claim_all(["remind:a2:100:4h", "remind:a3:100:4h"])
    assert first == {"remind:a1:100:4h", "remind:a2:100:4h"}
    assert second == {"remind:a3:100:4h"}
