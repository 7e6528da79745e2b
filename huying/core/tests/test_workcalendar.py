"""Working-day calendar: every expected datetime below is worked out by hand.

The real 2026 calendar (chinesecalendar 1.11.0, pinned) is asserted as the package has it:
Spring Festival off Sun Feb 15 – Mon Feb 23, make-up workdays Sat Feb 14 and Sat Feb 28;
Mid-autumn off Fri Sep 25 – Sun Sep 27; National Day off Thu Oct 1 – Wed Oct 7, make-up
workdays Sun Sep 20 and Sat Oct 10; Qingming off Sat Apr 4 – Mon Apr 6.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from huying.core import workcalendar
from huying.core.errors import CalendarYearMissing
from huying.core.models import WorkdayOverride
from huying.core.services import calendar_day_set
from huying.core.workcalendar import (
    WORKING_HOURS,
    WorkCalendar,
    invalidate_calendar,
    load_calendar,
)

SH = ZoneInfo("Asia/Shanghai")
WD = "working_days"
WH = "working_hours"


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test sees an empty cache."""
    invalidate_calendar()
    yield
    invalidate_calendar()


def test_working_hours_are_seven_hours_with_a_lunch_break():
    assert ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30))) == WORKING_HOURS


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Spring Festival 2026
        (date(2026, 2, 13), True),  # Fri
        (date(2026, 2, 14), True),  # Sat, make-up workday
        (date(2026, 2, 15), False),
        (date(2026, 2, 16), False),
        (date(2026, 2, 17), False),
        (date(2026, 2, 18), False),
        (date(2026, 2, 19), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 21), False),
        (date(2026, 2, 22), False),
        (date(2026, 2, 23), False),  # Mon, still holiday
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Sat, make-up workday
        (date(2026, 3, 1), False),  # Sun
        # Mid-autumn and National Day 2026
        (date(2026, 9, 19), False),  # Sat
        (date(2026, 9, 20), True),  # Sun, make-up workday
        (date(2026, 9, 25), False),  # Fri, Mid-autumn
        (date(2026, 9, 30), True),
        (date(2026, 10, 1), False),
        (date(2026, 10, 2), False),
        (date(2026, 10, 3), False),
        (date(2026, 10, 4), False),
        (date(2026, 10, 5), False),
        (date(2026, 10, 6), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Sat, make-up workday
        (date(2026, 10, 11), False),  # Sun
        # an ordinary week
        (date(2026, 3, 6), True),  # Fri
        (date(2026, 3, 7), False),  # Sat
        (date(2026, 3, 8), False),  # Sun
        (date(2026, 3, 9), True),  # Mon
    ],
)
def test_is_workday_follows_the_official_2026_calendar(cal, day, expected):
    assert cal.is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Spring Festival: the make-up Saturdays count, the nine days off do not.
        (sh(2026, 2, 12, 10), 3, sh(2026, 2, 24, 17, 30)),  # 13, 14, 24
        (sh(2026, 2, 13, 16), 1, sh(2026, 2, 14, 17, 30)),  # Fri -> make-up Sat
        (sh(2026, 2, 14, 10), 1, sh(2026, 2, 24, 17, 30)),  # make-up Sat -> after the break
        (sh(2026, 2, 13, 10), 5, sh(2026, 2, 27, 17, 30)),  # 14, 24, 25, 26, 27
        (sh(2026, 2, 13, 10), 6, sh(2026, 2, 28, 17, 30)),  # ... then make-up Sat 28
        (sh(2026, 2, 13, 10), 7, sh(2026, 3, 2, 17, 30)),  # Sun Mar 1 off -> Mon
        # National Day (and Mid-autumn just before it)
        (sh(2026, 9, 30, 10), 1, sh(2026, 10, 8, 17, 30)),
        (sh(2026, 9, 30, 10), 3, sh(2026, 10, 10, 17, 30)),  # 8, 9, make-up Sat 10
        (sh(2026, 9, 30, 10), 4, sh(2026, 10, 12, 17, 30)),  # Sun 11 off -> Mon 12
        (sh(2026, 9, 18, 10), 1, sh(2026, 9, 20, 17, 30)),  # Fri -> make-up Sun 20
        (sh(2026, 9, 19, 10), 2, sh(2026, 9, 21, 17, 30)),  # Sat -> 20, 21
        (sh(2026, 9, 24, 10), 1, sh(2026, 9, 28, 17, 30)),  # Mid-autumn Fri-Sun off
        # Friday receipt: Monday; Monday a holiday (Qingming): Tuesday.
        (sh(2026, 3, 6, 10), 1, sh(2026, 3, 9, 17, 30)),
        (sh(2026, 3, 6, 23, 59), 1, sh(2026, 3, 9, 17, 30)),
        (sh(2026, 4, 3, 10), 1, sh(2026, 4, 7, 17, 30)),
        # Ten working days across National Day.
        (sh(2026, 9, 30, 10), 10, sh(2026, 10, 20, 17, 30)),
    ],
)
def test_add_working_days_ends_at_close_of_the_nth_workday_after_receipt(cal, start, days, due):
    assert cal.add(start, days, WD) == due


def test_working_days_count_from_the_local_date_not_the_utc_date(cal):
    # Thu 16:30 UTC is Fri 00:30 in Shanghai: one working day is Monday, not Friday.
    start = datetime(2026, 3, 5, 16, 30, tzinfo=UTC)
    assert cal.add(start, 1, WD) == sh(2026, 3, 9, 17, 30)


def test_add_returns_utc(cal):
    due = cal.add(sh(2026, 3, 6, 10), 1, WD)
    assert due.utcoffset() is not None and due.utcoffset().total_seconds() == 0
    assert (due.year, due.month, due.day, due.hour, due.minute) == (2026, 3, 9, 9, 30)


@pytest.mark.parametrize("unit", sorted(workcalendar.UNITS))
@pytest.mark.parametrize("amount", [0, 1])
def test_every_result_is_utc(cal, unit, amount):
    start = sh(2026, 3, 7, 10)
    due = cal.add(start, amount, unit)
    assert due.tzinfo is UTC
    assert cal.resume(start, amount, unit).tzinfo is UTC
    assert cal.warn_at(start, due, unit).tzinfo is UTC
    assert cal.add_working_minutes(start, amount).tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (sh(2026, 3, 9, 9), 7, sh(2026, 3, 9, 17, 30)),  # a full day
        (sh(2026, 3, 9, 9), 3, sh(2026, 3, 9, 12, 0)),  # ends at lunch, not after it
        (sh(2026, 3, 9, 11), 2, sh(2026, 3, 9, 14, 30)),  # across lunch
        (sh(2026, 3, 9, 12, 30), 1, sh(2026, 3, 9, 14, 30)),  # received during lunch
        (sh(2026, 3, 9, 7), 1, sh(2026, 3, 9, 10, 0)),  # received before opening
        (sh(2026, 3, 9, 16, 30), 2, sh(2026, 3, 10, 10, 0)),  # overnight
        (sh(2026, 3, 9, 19), 1, sh(2026, 3, 10, 10, 0)),  # received after closing
        (sh(2026, 3, 6, 17), 1, sh(2026, 3, 9, 9, 30)),  # over the weekend
        (sh(2026, 2, 13, 16), 7, sh(2026, 2, 14, 16, 0)),  # into make-up Sat
        (sh(2026, 2, 14, 16), 7, sh(2026, 2, 24, 16, 0)),  # over Spring Festival
        (sh(2026, 9, 30, 16), 3, sh(2026, 10, 8, 10, 30)),  # over National Day
    ],
)
def test_add_working_hours_skips_nights_lunch_and_days_off(cal, start, hours, due):
    assert cal.add(start, hours, WH) == due


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        (sh(2026, 3, 9, 23, 50), 30, "minutes", sh(2026, 3, 10, 0, 20)),
        (sh(2026, 9, 30, 10), 72, "hours", sh(2026, 10, 3, 10, 0)),  # holidays still count
        (sh(2026, 9, 30, 10), 3, "calendar_days", sh(2026, 10, 3, 10, 0)),
    ],
)
def test_continuous_units_are_plain_wall_clock_addition(cal, start, amount, unit, due):
    assert cal.add(start, amount, unit) == due


def test_zero_amount_is_due_at_once(cal):
    start = sh(2026, 3, 7, 10)  # a Saturday: still no rounding to working time
    for unit in sorted(workcalendar.UNITS):
        assert cal.add(start, 0, unit) == start


def test_add_rejects_bad_input(cal):
    with pytest.raises(ValueError, match="unknown limit unit"):
        cal.add(sh(2026, 3, 9, 9), 1, "weeks")
    with pytest.raises(ValueError, match="negative"):
        cal.add(sh(2026, 3, 9, 9), -1, WD)
    with pytest.raises(ValueError, match="aware"):
        cal.add(datetime(2026, 3, 9, 9), 1, WD)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (sh(2026, 3, 9, 9), sh(2026, 3, 9, 17, 30), 420),
        (sh(2026, 3, 9, 11), sh(2026, 3, 9, 14, 30), 120),
        (sh(2026, 3, 9, 12, 10), sh(2026, 3, 9, 13, 20), 0),  # all lunch
        (sh(2026, 3, 6, 17), sh(2026, 3, 9, 9, 30), 60),  # 30 Fri + 30 Mon
        (sh(2026, 3, 7, 8), sh(2026, 3, 8, 20), 0),  # weekend
        (sh(2026, 2, 13, 16), sh(2026, 2, 24, 16), 840),  # 90 + 420 + 330
        (sh(2026, 3, 9, 9), sh(2026, 3, 9, 9, 1, 59), 1),  # partial minute dropped
        (sh(2026, 3, 9, 15), sh(2026, 3, 9, 10), 0),  # end before start
    ],
)
def test_working_minutes_between(cal, start, end, minutes):
    assert cal.working_minutes_between(start, end) == minutes


@pytest.mark.parametrize(
    "start",
    [sh(2026, 3, 9, 9), sh(2026, 3, 9, 12, 15), sh(2026, 2, 13, 16, 45, 30), sh(2026, 3, 7, 10)],
)
@pytest.mark.parametrize("minutes", [0, 1, 59, 180, 181, 420, 421, 5000])
def test_add_working_minutes_and_working_minutes_between_are_inverse(cal, start, minutes):
    end = cal.add_working_minutes(start, minutes)
    assert cal.working_minutes_between(start, end) == minutes


@pytest.mark.parametrize(
    "end", [sh(2026, 3, 9, 9, 1), sh(2026, 3, 9, 12), sh(2026, 3, 10, 13, 31), sh(2026, 2, 24, 16)]
)
def test_working_minutes_between_then_add_lands_on_a_working_end(cal, end):
    start = sh(2026, 2, 13, 9)
    assert cal.add_working_minutes(start, cal.working_minutes_between(start, end)) == end


def test_override_beats_the_package():
    no_oct_8 = WorkCalendar(overrides={date(2026, 10, 8): False})
    assert no_oct_8.is_workday(date(2026, 10, 8)) is False
    assert no_oct_8.add(sh(2026, 9, 30, 10), 1, WD) == sh(2026, 10, 9, 17, 30)

    holiday_worked = WorkCalendar(overrides={date(2026, 2, 21): True})
    assert holiday_worked.is_workday(date(2026, 2, 21)) is True
    assert holiday_worked.add(sh(2026, 2, 14, 10), 1, WD) == sh(2026, 2, 21, 17, 30)

    saturday_worked = WorkCalendar(overrides={date(2026, 3, 7): True})
    assert saturday_worked.add(sh(2026, 3, 6, 10), 1, WD) == sh(2026, 3, 7, 17, 30)


# --- years chinese_calendar does not cover (the pinned 1.11.0 ends with 2026) ------------------


@pytest.mark.parametrize(
    ("start", "amount", "unit"),
    [
        (sh(2026, 12, 31, 10), 1, WD),  # the next workday is in 2027
        (sh(2026, 12, 31, 17), 1, WH),  # the remaining half hour is not enough
        (sh(2027, 3, 1, 10), 1, WD),
    ],
)
def test_an_unknown_year_is_refused_not_guessed(cal, start, amount, unit):
    with pytest.raises(CalendarYearMissing) as refused:
        cal.add(start, amount, unit)
    assert refused.value.year == 2027
    assert refused.value.status == 409
    assert refused.value.code == "calendar_year_missing"
    assert refused.value.details == {"year": 2027}
    assert "2027 年的节假日和调休安排尚未录入" in refused.value.message


def test_is_workday_refuses_an_unknown_year_even_on_an_entered_day():
    """Half a year entered is not a year known: 2027-01-01 entered, 2027 not confirmed."""
    cal = WorkCalendar(overrides={date(2027, 1, 1): False})
    with pytest.raises(CalendarYearMissing):
        cal.is_workday(date(2027, 1, 1))
    with pytest.raises(CalendarYearMissing):
        cal.add(sh(2026, 12, 31, 10), 1, WD)
    assert cal.knows(2026) is True
    assert cal.knows(2027) is False


def test_deadlines_inside_a_known_year_are_unaffected(cal):
    # 2026-12-30 (Wed) + 1 working day = Thu 12-31: no need to look at 2027.
    assert cal.add(sh(2026, 12, 30, 10), 1, WD) == sh(2026, 12, 31, 17, 30)
    # 7 working hours from 09:00 end exactly at Thursday's close, not on Friday 2027-01-01.
    assert cal.add(sh(2026, 12, 31, 9), 7, WH) == sh(2026, 12, 31, 17, 30)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        (sh(2026, 12, 31, 10), 30, "minutes", sh(2026, 12, 31, 10, 30)),
        (sh(2026, 12, 31, 10), 72, "hours", sh(2027, 1, 3, 10)),
        (sh(2026, 12, 31, 10), 5, "calendar_days", sh(2027, 1, 5, 10)),
    ],
)
def test_continuous_limits_never_need_the_calendar(cal, start, amount, unit, due):
    assert cal.add(start, amount, unit) == due
    assert cal.remaining(start, due, unit) == (due - start).total_seconds() // 60
    assert cal.resume(start, 60, unit) == start + timedelta(hours=1)


def test_a_confirmed_year_counts_monday_to_friday_plus_what_was_entered():
    # 2027: Fri Jan 1 entered as 元旦; Sat Jan 2, Sun Jan 3 are the weekend.
    cal = WorkCalendar(overrides={date(2027, 1, 1): False}, confirmed_years=[2027])
    assert cal.is_workday(date(2027, 1, 1)) is False
    assert cal.is_workday(date(2027, 1, 2)) is False
    assert cal.is_workday(date(2027, 1, 3)) is False
    assert cal.is_workday(date(2027, 1, 4)) is True
    # One working day after Thu 2026-12-31: Mon 2027-01-04 at close of business.
    assert cal.add(sh(2026, 12, 31, 10), 1, WD) == sh(2027, 1, 4, 17, 30)
    # 2 working hours from Thu 16:30: one hour that day, one on Monday from 09:00.
    assert cal.add(sh(2026, 12, 31, 16, 30), 2, WH) == sh(2027, 1, 4, 10, 0)


def test_a_year_confirmed_with_nothing_entered_is_monday_to_friday():
    cal = WorkCalendar(confirmed_years=[2027])
    assert cal.add(sh(2026, 12, 31, 10), 1, WD) == sh(2027, 1, 1, 17, 30)
    assert cal.add(sh(2027, 1, 1, 10), 1, WD) == sh(2027, 1, 4, 17, 30)
    # A Saturday entered as a make-up workday counts.
    worked = WorkCalendar(overrides={date(2027, 1, 2): True}, confirmed_years=[2027])
    assert worked.add(sh(2027, 1, 1, 10), 1, WD) == sh(2027, 1, 2, 17, 30)


def test_the_package_wins_over_a_confirmation_for_a_year_it_covers():
    """A confirmation does not turn the State Council's 2026 holidays into weekdays."""
    cal = WorkCalendar(confirmed_years=[2026])
    assert cal.is_workday(date(2026, 10, 1)) is False  # Thu, National Day
    assert cal.is_workday(date(2026, 10, 10)) is True  # Sat, make-up workday


class TestRemainingAndResume:
    def test_working_days_pause_and_resume(self, cal):
        due = cal.add(sh(2026, 3, 6, 10), 3, WD)
        assert due == sh(2026, 3, 11, 17, 30)
        # Paused Mon 10:00: 360 left that day + Tue 420 + Wed 420.
        left = cal.remaining(sh(2026, 3, 9, 10), due, WD)
        assert left == 1200
        # Resumed Fri 09:00: Fri 420, Mon 420, Tue 09:00–12:00 and 13:30–16:30.
        new_due = cal.resume(sh(2026, 3, 13, 9), left, WD)
        assert new_due == sh(2026, 3, 17, 16, 30)
        assert cal.remaining(sh(2026, 3, 13, 9), new_due, WD) == 1200

    def test_pause_over_a_weekend_loses_nothing(self, cal):
        due = sh(2026, 3, 11, 17, 30)
        left = cal.remaining(sh(2026, 3, 7, 11), due, WD)
        assert left == 1260
        assert cal.resume(sh(2026, 3, 9, 9), left, WD) == due

    def test_working_hours_pause_across_national_day(self, cal):
        due = sh(2026, 10, 8, 10, 30)
        left = cal.remaining(sh(2026, 9, 30, 17), due, WH)
        assert left == 120  # 30 on Sep 30 + 90 on Oct 8
        assert cal.resume(sh(2026, 10, 9, 11), left, WH) == sh(2026, 10, 9, 14, 30)

    def test_minutes_clock_runs_through_the_night(self, cal):
        left = cal.remaining(sh(2026, 3, 9, 10, 10), sh(2026, 3, 9, 10, 30), "minutes")
        assert left == 20
        assert cal.resume(sh(2026, 3, 7, 3), left, "minutes") == sh(2026, 3, 7, 3, 20)

    def test_hours_clock(self, cal):
        left = cal.remaining(sh(2026, 3, 9, 22), sh(2026, 3, 12, 10), "hours")
        assert left == 3600
        assert cal.resume(sh(2026, 3, 10, 8), left, "hours") == sh(2026, 3, 12, 20)

    def test_calendar_days_clock(self, cal):
        left = cal.remaining(sh(2026, 3, 10, 10), sh(2026, 3, 12, 10), "calendar_days")
        assert left == 2880
        assert cal.resume(sh(2026, 9, 30, 10), left, "calendar_days") == sh(2026, 10, 2, 10)

    def test_partial_minute_is_dropped(self, cal):
        assert cal.remaining(sh(2026, 3, 9, 10, 0, 30), sh(2026, 3, 9, 10, 30), "minutes") == 29

    @pytest.mark.parametrize("unit", ["minutes", "hours", "calendar_days", WH, WD])
    def test_remaining_is_never_negative(self, cal, unit):
        assert cal.remaining(sh(2026, 3, 12, 10), sh(2026, 3, 11, 17, 30), unit) == 0

    @pytest.mark.parametrize("unit", ["minutes", "hours", "calendar_days", WH, WD])
    def test_resume_with_nothing_left_is_due_now(self, cal, unit):
        assert cal.resume(sh(2026, 3, 7, 3), 0, unit) == sh(2026, 3, 7, 3)


class TestWarnAt:
    def test_working_days_at_80_percent(self, cal):
        # Fri 15:00 -> Mon 17:30 is 150 + 420 = 570 working minutes; 80 % = 456:
        # 150 on Friday, then Mon 09:00–12:00 (180) and 126 after 13:30.
        due = cal.add(sh(2026, 3, 6, 15), 1, WD)
        assert due == sh(2026, 3, 9, 17, 30)
        assert cal.warn_at(sh(2026, 3, 6, 15), due, WD) == sh(2026, 3, 9, 15, 36)

    def test_working_days_over_spring_festival(self, cal):
        # 360 + 420 + 420 + 420 = 1620; 80 % = 1296 -> 96 minutes into Feb 24.
        start = sh(2026, 2, 12, 10)
        due = sh(2026, 2, 24, 17, 30)
        assert cal.warn_at(start, due, WD) == sh(2026, 2, 24, 10, 36)

    def test_working_hours(self, cal):
        # 420 * 0.8 = 336: 180 before lunch, 156 after 13:30.
        assert cal.warn_at(sh(2026, 3, 9, 9), sh(2026, 3, 9, 17, 30), WH) == sh(2026, 3, 9, 16, 6)
        assert cal.warn_at(sh(2026, 3, 9, 9), sh(2026, 3, 9, 17, 30), WH, 0.5) == sh(
            2026, 3, 9, 14, 0
        )

    def test_continuous_units(self, cal):
        assert cal.warn_at(sh(2026, 3, 9, 10), sh(2026, 3, 9, 10, 30), "minutes") == sh(
            2026, 3, 9, 10, 24
        )
        # 72 h * 0.8 = 57 h 36 min
        assert cal.warn_at(sh(2026, 3, 9, 10), sh(2026, 3, 12, 10), "hours") == sh(
            2026, 3, 11, 19, 36
        )
        assert cal.warn_at(sh(2026, 3, 1), sh(2026, 3, 11), "calendar_days") == sh(2026, 3, 9)

    def test_fraction_out_of_range(self, cal):
        with pytest.raises(ValueError, match="fraction"):
            cal.warn_at(sh(2026, 3, 9, 9), sh(2026, 3, 9, 17, 30), WH, 1.5)


def test_working_hours_must_be_sorted_and_disjoint():
    with pytest.raises(ValueError):
        WorkCalendar(working_hours=((time(13, 0), time(17, 0)), (time(9, 0), time(14, 0))))
    with pytest.raises(ValueError):
        WorkCalendar(working_hours=((time(12, 0), time(9, 0)),))


def day_set(day: date, is_workday: bool, note: str = "") -> WorkdayOverride:
    return calendar_day_set(
        actor=None, date=day, is_workday=is_workday, note=note, now=sh(2026, 3, 10, 10)
    )


@pytest.mark.django_db
class TestOverrideTable:
    def test_service_writes_the_row_and_the_calendar_sees_it(self):
        assert load_calendar().is_workday(date(2026, 10, 8)) is True
        row = day_set(date(2026, 10, 8), False, "区里调休")
        assert WorkdayOverride.objects.get(date=date(2026, 10, 8)) == row
        assert row.note == "区里调休"
        assert load_calendar().is_workday(date(2026, 10, 8)) is False
        assert load_calendar().add(sh(2026, 9, 30, 10), 1, WD) == sh(2026, 10, 9, 17, 30)

    def test_setting_again_changes_the_same_row(self):
        day_set(date(2026, 3, 7), False)
        assert load_calendar().is_workday(date(2026, 3, 7)) is False
        day_set(date(2026, 3, 7), True, "补班")
        assert WorkdayOverride.objects.count() == 1
        assert load_calendar().is_workday(date(2026, 3, 7)) is True

    def test_calendar_is_cached_until_invalidated(self):
        first = load_calendar()
        assert load_calendar() is first
        # A write that bypasses the service is not seen...
        WorkdayOverride.objects.create(date=date(2026, 3, 9), is_workday=False)
        assert load_calendar() is first
        assert load_calendar().is_workday(date(2026, 3, 9)) is True
        # ...until someone invalidates.
        invalidate_calendar()
        assert load_calendar() is not first
        assert load_calendar().is_workday(date(2026, 3, 9)) is False

    def test_cache_expires(self, monkeypatch):
        monkeypatch.setattr(workcalendar, "CACHE_SECONDS", 0.0)
        first = load_calendar()
        assert load_calendar() is not first


def test_each_day_is_looked_up_once_however_many_clocks_cross_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sweep measures tens of thousands of clocks over the same weeks: the package is asked
    about each day once per calendar, not once per clock."""
    import chinese_calendar

    asked: list[date] = []
    real = chinese_calendar.is_workday

    def counting(day: date) -> bool:
        asked.append(day)
        return real(day)

    monkeypatch.setattr(chinese_calendar, "is_workday", counting)
    cal = WorkCalendar()
    start = datetime(2025, 3, 3, 9, 0, tzinfo=SH)
    for n in range(200):
        cal.remaining(start, start + timedelta(days=10, minutes=n), "working_days")
    assert len(asked) == len(set(asked)) <= 12  # 11 days, and the package's year check
