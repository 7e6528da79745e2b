"""Core reads: the working-day calendar (工作日历) as the calendar page, the command and the
workbenches see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.db.models import QuerySet

from huying.core.models import CalendarYear, WorkdayOverride
from huying.core.workcalendar import load_calendar, package_covers

YearSource = Literal["package", "confirmed", "missing"]

#: From this month on, next year's calendar is due (the State Council announces it in
#: October or November) and the workbenches say so while it is missing.
NOTICE_FROM_MONTH = 11


@dataclass(frozen=True)
class YearStatus:
    year: int
    #: package: chinese_calendar has it; confirmed: the district confirmed it; missing.
    source: YearSource
    row: CalendarYear | None

    @property
    def known(self) -> bool:
        return self.source != "missing"


def calendar_year_status(year: int) -> YearStatus:
    row = CalendarYear.objects.filter(year=year).select_related("confirmed_by").first()
    if package_covers(year):
        source: YearSource = "package"
    elif row is not None and row.confirmed_at is not None:
        source = "confirmed"
    else:
        source = "missing"
    return YearStatus(year=year, source=source, row=row)


def calendar_days(year: int) -> QuerySet[WorkdayOverride]:
    """The days the district entered for this year, in date order."""
    return WorkdayOverride.objects.filter(date__year=year).order_by("date")


def calendar_day_get(date: dt.date) -> WorkdayOverride | None:
    return WorkdayOverride.objects.filter(date=date).first()


@dataclass(frozen=True)
class CalendarNotice:
    """What the workbenches warn about: ``next`` (from November, next year is missing:
    deadlines that cross New Year will be refused) or ``current`` (this year is missing:
    no working-day deadline can be computed)."""

    year: int
    kind: Literal["next", "current"]


def calendar_notice(today: dt.date) -> CalendarNotice | None:
    """The calendar warning for the workbenches on ``today`` (a local date), if any."""
    calendar = load_calendar()  # cached; confirming a year invalidates it
    if not calendar.knows(today.year):
        return CalendarNotice(year=today.year, kind="current")
    if today.month >= NOTICE_FROM_MONTH and not calendar.knows(today.year + 1):
        return CalendarNotice(year=today.year + 1, kind="next")
    return None


@dataclass(frozen=True)
class CalendarDay:
    """A day that is not what Monday–Friday would say, or that the district entered."""

    date: dt.date
    is_workday: bool
    note: str
    #: package: from chinese_calendar (read-only); district: entered here (wins).
    source: Literal["package", "district"]
    override: WorkdayOverride | None = None


def _package_days(year: int) -> list[CalendarDay]:
    if not package_covers(year):
        return []
    from chinese_calendar import Holiday
    from chinese_calendar.constants import holidays, workdays

    names = {h.value: h.chinese for h in Holiday}
    days = [
        CalendarDay(d, False, names.get(name, name), "package")
        for d, name in holidays.items()
        if d.year == year
    ]
    days += [
        CalendarDay(d, True, names.get(name, name), "package")
        for d, name in workdays.items()
        if d.year == year
    ]
    return days


def calendar_year_days(year: int) -> list[CalendarDay]:
    """The year's holidays and make-up workdays as deadlines use them: the district's
    entries, and where it entered nothing, chinese_calendar's (for a year it covers)."""
    entered = {
        o.date: CalendarDay(o.date, o.is_workday, o.note, "district", o)
        for o in calendar_days(year)
    }
    merged = {d.date: d for d in _package_days(year)} | entered
    return [merged[d] for d in sorted(merged)]
