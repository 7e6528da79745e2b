"""Quarters and custom ranges of days (Beijing time), and how a period is named."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from huying.core.errors import InvalidInput
from huying.evaluation.drilldown import period_label, period_params
from huying.evaluation.periods import Period

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

SH = ZoneInfo("Asia/Shanghai")


def test_a_quarter_is_its_three_months() -> None:
    q1 = Period.quarter(2026, 1)
    assert (q1.start, q1.end) == (datetime(2026, 1, 1, tzinfo=SH), datetime(2026, 4, 1, tzinfo=SH))
    q4 = Period.quarter(2026, 4)
    assert (q4.start, q4.end) == (datetime(2026, 10, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH))
    for bad in (0, 5):
        with pytest.raises(InvalidInput):
            Period.quarter(2026, bad)


def test_a_range_of_days_includes_both_days() -> None:
    p = Period.days(date(2026, 3, 1), date(2026, 3, 15))
    assert p.start == datetime(2026, 3, 1, tzinfo=SH)
    assert p.end == datetime(2026, 3, 16, tzinfo=SH)
    assert datetime(2026, 3, 15, 23, 59, tzinfo=SH) in p
    assert datetime(2026, 3, 16, tzinfo=SH) not in p
    assert (p.first_day, p.last_day) == (date(2026, 3, 1), date(2026, 3, 15))
    assert Period.days(date(2026, 3, 1), date(2026, 3, 1)).last_day == date(2026, 3, 1)
    with pytest.raises(InvalidInput):
        Period.days(date(2026, 3, 2), date(2026, 3, 1))


def test_a_range_that_is_a_month_is_that_month() -> None:
    assert Period.days(date(2026, 3, 1), date(2026, 3, 31)) == Period.month(2026, 3)
    assert Period.days(date(2026, 1, 1), date(2026, 12, 31)) == Period.year(2026)


def test_periods_are_named_as_people_say_them() -> None:
    assert period_label(Period.month(2026, 3)) == "2026年3月"
    assert period_label(Period.quarter(2026, 2)) == "2026年第2季度"
    assert period_label(Period.year(2026)) == "2026年"
    two_years = Period.days(date(2025, 1, 1), date(2026, 12, 31))
    assert period_label(two_years) == "2025-01-01 至 2026-12-31"
    assert period_params(Period.quarter(2026, 2)) == {
        "period": "quarter",
        "year": "2026",
        "quarter": "2",
    }
    assert period_params(Period.days(date(2026, 3, 2), date(2026, 3, 9))) == {
        "period": "range",
        "start": "2026-03-02",
        "end": "2026-03-09",
    }
