"""The demo keeps working after New Year: a year its deadlines reach that chinese_calendar
lacks is confirmed through the calendar service, visibly, as Monday–Friday demo data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from huying.core.models import CalendarYear, ChangeLog
from huying.core.selectors import calendar_year_status
from huying.demo.year import DEMO_CALENDAR_NOTE, confirm_demo_calendar

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_missing_years_are_confirmed_as_demo_data_once():
    now = datetime(2026, 12, 5, 0, 0, tzinfo=SH)
    start, end = datetime(2025, 12, 5, tzinfo=SH), datetime(2027, 4, 4, tzinfo=SH)
    assert confirm_demo_calendar(start, end, now=now) == [2027]  # 2025, 2026: the package
    row = CalendarYear.objects.get(year=2027)
    assert (row.note, row.confirmed_at, row.confirmed_by) == (DEMO_CALENDAR_NOTE, now, None)
    assert calendar_year_status(2027).source == "confirmed"
    assert ChangeLog.objects.filter(action="calendar.year.confirm").count() == 1
    assert confirm_demo_calendar(start, end, now=now) == []


@pytest.mark.django_db
def test_nothing_to_confirm_inside_covered_years():
    now = datetime(2026, 6, 1, tzinfo=SH)
    assert confirm_demo_calendar(datetime(2025, 6, 1, tzinfo=SH), now, now=now) == []
    assert not CalendarYear.objects.exists()
