"""The domain rules on hand-checked numbers: walking minutes from the straight line, the
opening hours (overnight ranges, the working calendar) and what hours a keeper may type."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.test import override_settings

from huying.core.errors import InvalidInput
from huying.lifecircle import rules

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

NIGHT = {"5": [["22:00", "06:00"]], "7": [["20:00", "02:00"]]}
DAY = {d: [["08:30", "11:30"], ["13:30", "17:00"]] for d in "12345"}


def test_fifteen_minutes_is_a_kilometre_in_a_straight_line() -> None:
    """1000 m × 1.2 detour ÷ 80 m/min = 15 minutes, and back."""
    assert rules.walking_minutes(1000) == pytest.approx(15)
    assert rules.reach_m(15) == pytest.approx(1000)
    assert rules.walking_minutes(0) == 0


@override_settings(HUYING_LIFECIRCLE_WALK_M_PER_MIN=60, HUYING_LIFECIRCLE_DETOUR=1.5)
def test_the_walking_constants_are_settings() -> None:
    assert rules.walking_minutes(400) == pytest.approx(10)
    assert rules.reach_m(10) == pytest.approx(400)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 3, 9, 8, 29), False),  # Monday before opening
        (datetime(2026, 3, 9, 8, 30), True),
        (datetime(2026, 3, 9, 12, 0), False),  # lunch
        (datetime(2026, 3, 9, 16, 59), True),
        (datetime(2026, 3, 9, 17, 0), False),  # the end is exclusive
        (datetime(2026, 3, 14, 10, 0), False),  # Saturday
    ],
)
def test_open_within_a_days_ranges(at: datetime, expected: bool) -> None:
    assert rules.open_at(DAY, at) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 3, 13, 21, 59), False),  # Friday evening
        (datetime(2026, 3, 13, 23, 0), True),
        (datetime(2026, 3, 14, 1, 0), True),  # Saturday morning: Friday's night runs on
        (datetime(2026, 3, 14, 6, 0), False),
        (datetime(2026, 3, 14, 23, 0), False),  # Saturday has no night of its own
        (datetime(2026, 3, 15, 21, 0), True),  # Sunday evening
        (datetime(2026, 3, 16, 1, 59), True),  # … into Monday (weekday 7 → 1)
        (datetime(2026, 3, 16, 2, 0), False),
    ],
)
def test_overnight_ranges_run_past_midnight(at: datetime, expected: bool) -> None:
    assert rules.open_at(NIGHT, at) is expected


def test_round_the_clock() -> None:
    hours = {"1": [["00:00", "24:00"]]}
    assert rules.open_at(hours, datetime(2026, 3, 9, 23, 59))
    assert rules.open_at(hours, datetime(2026, 3, 9, 0, 0))
    assert not rules.open_at(hours, datetime(2026, 3, 10, 0, 0))


def _calendar(day: date) -> bool | None:
    """National Day 2026-10-01 (Thursday) off; Saturday 2026-10-10 worked in lieu."""
    return {date(2026, 10, 1): False, date(2026, 10, 10): True}.get(day, day.isoweekday() <= 5)


def test_a_point_that_follows_the_calendar_closes_on_holidays() -> None:
    holiday = datetime(2026, 10, 1, 10, 0)
    assert rules.open_at(DAY, holiday)  # the weekly hours alone
    assert not rules.open_at(DAY, holiday, follows_calendar=True, workday=_calendar)


def test_a_weekend_worked_in_lieu_keeps_mondays_hours() -> None:
    saturday = datetime(2026, 10, 10, 9, 0)
    assert not rules.open_at(DAY, saturday)
    assert rules.open_at(DAY, saturday, follows_calendar=True, workday=_calendar)


def test_a_year_the_calendar_does_not_know_uses_the_weekly_hours() -> None:
    holiday = datetime(2026, 10, 1, 10, 0)
    assert rules.open_at(DAY, holiday, follows_calendar=True, workday=lambda d: None)


def test_hours_are_normalised() -> None:
    assert rules.clean_hours({"1": ["8:30-11:30", " 13:30 - 17:00 "], "6": ["22:00-06:00"]}) == {
        "1": [["08:30", "11:30"], ["13:30", "17:00"]],
        "2": [],
        "3": [],
        "4": [],
        "5": [],
        "6": [["22:00", "06:00"]],
        "7": [],
    }
    assert rules.hours_inputs({"1": [["08:30", "17:00"]]})["1"] == "08:30-17:00"


@pytest.mark.parametrize(
    "hours",
    [
        {"1": ["8:30"]},
        {"1": ["25:00-26:00"]},
        {"1": ["08:60-09:00"]},
        {"1": ["09:00-09:00"]},
        {"1": ["24:00-02:00"]},
        {"1": ["08:00-12:00", "11:00-14:00"]},
        {"8": ["08:00-12:00"]},
        {"1": ["08:00-09:00"] * 5},
    ],
)
def test_bad_hours_are_refused(hours: dict[str, list[str]]) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.clean_hours(hours)
    assert refused.value.details["field"] == "hours"


def test_hours_text() -> None:
    assert rules.hours_text([]) == "休息"
    assert rules.hours_text([["08:30", "11:30"], ["13:30", "17:00"]]) == "08:30–11:30、13:30–17:00"
