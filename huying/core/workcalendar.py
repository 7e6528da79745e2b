"""The working-day calendar: which days are workdays, and time arithmetic on working hours.

Plain Python so deadline rules can be computed and tested without a database; only
`load_calendar` reads the WorkdayOverride and CalendarYear tables (the writes, with their
change log, are in ``huying.core.services``).

A year is *known* when chinese_calendar covers it or the district has confirmed it (工作日历,
``CalendarYear``). Asking about a day of an unknown year raises ``CalendarYearMissing``: a
deadline that might fall on New Year's Day is refused, not guessed. Only working-day and
working-hour arithmetic asks; minutes, hours and calendar days never need the calendar.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from time import monotonic
from zoneinfo import ZoneInfo

import chinese_calendar

from huying.core.errors import CalendarYearMissing

TIME_ZONE = ZoneInfo("Asia/Shanghai")

# Office hours, local time: 7 working hours a day.
WORKING_HOURS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)

# Clock units; the values are those of catalogue.LimitUnit (core must not import catalogue).
MINUTES = "minutes"
HOURS = "hours"
WORKING_HOURS_UNIT = "working_hours"
WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
WORKING_UNITS = frozenset({WORKING_HOURS_UNIT, WORKING_DAYS})
UNITS = frozenset({MINUTES, HOURS, WORKING_HOURS_UNIT, WORKING_DAYS, CALENDAR_DAYS})

# A run of this many non-workdays means the calendar is broken; fail instead of looping.
_MAX_IDLE_DAYS = 366

_ONE_MINUTE = timedelta(minutes=1)


@cache
def package_covers(year: int) -> bool:
    """Whether the installed chinese_calendar has the State Council's data for this year."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Workdays = overrides, else chinese_calendar, else Monday–Friday in a year the district
    has confirmed; any other year is unknown and raises ``CalendarYearMissing``."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        confirmed_years: Iterable[int] = (),
        working_hours: tuple[tuple[time, time], ...] = WORKING_HOURS,
    ) -> None:
        self.overrides: dict[date, bool] = dict(overrides or {})
        self.confirmed_years: frozenset[int] = frozenset(confirmed_years)
        if not working_hours or any(start >= end for start, end in working_hours):
            raise ValueError("working hours must be non-empty (start, end) pairs")
        if any(a[1] > b[0] for a, b in pairwise(working_hours)):
            raise ValueError("working hours must be sorted and must not overlap")
        self.working_hours = working_hours
        # A calendar never changes once made (a new one replaces it, ``load_calendar``), so
        # each day is looked up once: a sweep measures tens of thousands of clocks over the
        # same few weeks, and chinese_calendar's look-up was most of its time.
        self._workdays: dict[date, bool] = {}
        self._day_periods: dict[date, list[tuple[datetime, datetime]]] = {}

    # --- days -------------------------------------------------------------------------

    def knows(self, year: int) -> bool:
        """Whether workdays of this year can be told: the package has it, or it is confirmed."""
        return year in self.confirmed_years or package_covers(year)

    def is_workday(self, d: date) -> bool:
        """Raises ``CalendarYearMissing`` for a year neither covered nor confirmed, even for a
        day with an override: half a year entered is not a year known."""
        known = self._workdays.get(d)
        if known is None:
            known = self._workdays[d] = self._look_up(d)
        return known

    def _look_up(self, d: date) -> bool:
        if not self.knows(d.year):
            raise CalendarYearMissing(d.year)
        if d in self.overrides:
            return self.overrides[d]
        if package_covers(d.year):
            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < 5  # confirmed: every day off or worked on a weekend is entered

    def next_workday(self, d: date) -> date:
        """The first workday strictly after d."""
        for _ in range(_MAX_IDLE_DAYS):
            d += timedelta(days=1)
            if self.is_workday(d):
                return d
        raise RuntimeError(f"no workday within {_MAX_IDLE_DAYS} days after {d}")

    # --- arithmetic ---------------------------------------------------------------------

    def add(self, start: datetime, amount: int, unit: str) -> datetime:
        """Deadline for a limit of `amount` `unit`s starting at `start`; zero means at once."""
        _check_unit(unit)
        if amount < 0:
            raise ValueError("amount must not be negative")
        local = _local(start)
        if amount == 0:
            return local.astimezone(UTC)
        if unit == MINUTES:
            return (local + timedelta(minutes=amount)).astimezone(UTC)
        if unit == HOURS:
            return (local + timedelta(hours=amount)).astimezone(UTC)
        if unit == CALENDAR_DAYS:
            return (local + timedelta(days=amount)).astimezone(UTC)
        if unit == WORKING_HOURS_UNIT:
            return self.add_working_minutes(local, amount * 60)
        # Working days count from the day after receipt and end at close of business, so a
        # case received late in the day still gets whole days.
        day = local.date()
        for _ in range(amount):
            day = self.next_workday(day)
        return _at(day, self.working_hours[-1][1]).astimezone(UTC)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant when `minutes` of working time have elapsed after `start`."""
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        cursor = _local(start)
        left = timedelta(minutes=minutes)
        if not left:
            return cursor.astimezone(UTC)
        day = cursor.date()
        idle = 0
        while idle < _MAX_IDLE_DAYS:
            periods = self._periods(day)
            idle = 0 if periods else idle + 1
            for period_start, period_end in periods:
                if cursor >= period_end:
                    continue
                begin = max(cursor, period_start)
                # Ending exactly at a period's close returns the close (12:00, not 13:30).
                if left <= period_end - begin:
                    return (begin + left).astimezone(UTC)
                left -= period_end - begin
                cursor = period_end
            day += timedelta(days=1)
        raise RuntimeError(f"no workday within {_MAX_IDLE_DAYS} days after {day}")

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole minutes of working time in [start, end); zero if end is not after start."""
        lo, hi = _local(start), _local(end)
        if hi <= lo:
            return 0
        total = timedelta()
        day = lo.date()
        while day <= hi.date():
            for period_start, period_end in self._periods(day):
                overlap = min(period_end, hi) - max(period_start, lo)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total // _ONE_MINUTE

    # --- clocks -------------------------------------------------------------------------

    def remaining(self, now: datetime, due: datetime, unit: str) -> int:
        """Minutes left, in the clock's own kind of time; what a pause (挂账) must keep."""
        _check_unit(unit)
        if unit in WORKING_UNITS:
            return self.working_minutes_between(now, due)
        return max(0, (_local(due) - _local(now)) // _ONE_MINUTE)

    def resume(self, now: datetime, remaining: int, unit: str) -> datetime:
        """The new due date when a paused clock restarts with `remaining` minutes left."""
        _check_unit(unit)
        if remaining < 0:
            raise ValueError("remaining must not be negative")
        if unit in WORKING_UNITS:
            return self.add_working_minutes(now, remaining)
        return (_local(now) + timedelta(minutes=remaining)).astimezone(UTC)

    def warn_at(self, start: datetime, due: datetime, unit: str, fraction: float = 0.8) -> datetime:
        """When `fraction` of the limit is used up; working clocks measure working time only."""
        _check_unit(unit)
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        if unit in WORKING_UNITS:
            total = self.working_minutes_between(start, due)
            return self.add_working_minutes(start, round(total * fraction))
        span = max(_local(due) - _local(start), timedelta())
        return (_local(start) + span * fraction).astimezone(UTC)

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        periods = self._day_periods.get(day)
        if periods is None:
            periods = self._day_periods[day] = (
                [(_at(day, start), _at(day, end)) for start, end in self.working_hours]
                if self.is_workday(day)
                else []
            )
        return periods


def _local(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("aware datetime required")
    return value.astimezone(TIME_ZONE)


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=TIME_ZONE)


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unknown limit unit: {unit!r}")


# --- the process-wide calendar -----------------------------------------------------------

# Other processes (workers, task runners) cannot be told about a change; this bounds how
# long they keep a stale calendar.
CACHE_SECONDS = 300.0

_cache_lock = threading.Lock()
_cached: tuple[float, WorkCalendar] | None = None
_generation = 0


def load_calendar() -> WorkCalendar:
    """The calendar with the district's overrides, cached per process."""
    global _cached
    with _cache_lock:
        if _cached is not None and monotonic() - _cached[0] < CACHE_SECONDS:
            return _cached[1]
        generation = _generation
    # Imported here so the calendar itself stays usable without Django apps loaded.
    from huying.core.models import CalendarYear, WorkdayOverride

    loaded_at = monotonic()
    calendar = WorkCalendar(
        overrides=dict(WorkdayOverride.objects.values_list("date", "is_workday")),
        confirmed_years=CalendarYear.objects.filter(confirmed_at__isnull=False).values_list(
            "year", flat=True
        ),
    )
    with _cache_lock:
        # An invalidation during the query means what we read may already be stale.
        if generation == _generation:
            _cached = (loaded_at, calendar)
    return calendar


def invalidate_calendar() -> None:
    global _cached, _generation
    with _cache_lock:
        _cached = None
        _generation += 1
