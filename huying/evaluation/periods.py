"""Reporting periods: a half-open interval [start, end) of aware datetimes.

Months, quarters, years and ranges of days are the district's calendar days (``TIME_ZONE``,
Beijing time): a case closed at 23:30 on 31 March belongs to March, though it is 15:30 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from huying.core.errors import InvalidInput


def _local() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("统计区间须带时区", field="period")
        if self.end <= self.start:
            raise InvalidInput("统计区间的结束须晚于开始", field="period")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise InvalidInput("月份无效", field="month")
        tz = _local()
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        return cls(datetime(year, month, 1, tzinfo=tz), datetime(*nxt, 1, tzinfo=tz))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise InvalidInput("季度无效", field="quarter")
        first = cls.month(year, 3 * quarter - 2)
        return cls(first.start, cls.month(year, 3 * quarter).end)

    @classmethod
    def year(cls, year: int) -> Period:
        tz = _local()
        return cls(datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz))

    @classmethod
    def days(cls, first: date, last: date) -> Period:
        """From the start of ``first`` to the end of ``last``, both days included."""
        if last < first:
            raise InvalidInput("结束日期不能早于开始日期", field="end")
        tz = _local()
        start = datetime(first.year, first.month, first.day, tzinfo=tz)
        after = last + timedelta(days=1)
        return cls(start, datetime(after.year, after.month, after.day, tzinfo=tz))

    @property
    def first_day(self) -> date:
        return self.start.astimezone(_local()).date()

    @property
    def last_day(self) -> date:
        """The last local day the period touches (its end is exclusive)."""
        return (self.end.astimezone(_local()) - timedelta(microseconds=1)).date()

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end
