"""The rules of the 15-minute life circle as plain Python (no database, no HTTP).

**Walking.** A resident walks :func:`walk_speed` metres a minute along streets that are
:func:`detour` times longer than the straight line between two points; so
``minutes = straight metres × detour ÷ speed``, and the 15-minute circle is a straight-line
radius of ``15 × 80 ÷ 1.2 = 1000`` m. Both constants are settings
(``HUYING_LIFECIRCLE_WALK_M_PER_MIN``, ``HUYING_LIFECIRCLE_DETOUR``), as is the circle's
size (``HUYING_LIFECIRCLE_MINUTES``).

**Opening hours.** Per ISO weekday ("1" Monday … "7" Sunday) a list of ``[start, end]``
"HH:MM" ranges; ``end`` may be "24:00"; an end at or before its start runs past midnight into
the next day (a 22:00–06:00 night shift is open at 01:00 the next morning). A point that
follows the working calendar is closed on a statutory holiday and, on a weekend worked in
lieu (调休上班), keeps Monday's hours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from huying.core.errors import InvalidInput
from huying.org.models import Role
from huying.org.roles import DISTRICT_FIGURE_ROLES, STREET_ROLES

#: Who keeps service points: the street's staff for their communities, the district for all.
EDITOR_ROLES = frozenset({*STREET_ROLES, Role.GRID_CENTRE, Role.ADMIN})
#: Who reads the coverage page, each from their own node down.
COVERAGE_ROLES = EDITOR_ROLES | DISTRICT_FIGURE_ROLES | {Role.COMMUNITY_STAFF, Role.GRID_LEADER}
#: Who decides which kinds are essential (the district).
KIND_EDITOR_ROLES = frozenset({Role.ADMIN})

WEEKDAYS = ("1", "2", "3", "4", "5", "6", "7")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—~～至]\s*(\d{1,2}):(\d{2})\s*$")
#: Ranges a day may have (morning, afternoon, evening …).
MAX_RANGES = 4


def walk_speed() -> float:
    return float(settings.HUYING_LIFECIRCLE_WALK_M_PER_MIN)


def detour() -> float:
    return float(settings.HUYING_LIFECIRCLE_DETOUR)


def circle_minutes() -> int:
    return int(settings.HUYING_LIFECIRCLE_MINUTES)


def walking_minutes(straight_m: float) -> float:
    """Minutes on foot for a straight-line distance (metres)."""
    return straight_m * detour() / walk_speed()


def reach_m(minutes: float) -> float:
    """The straight-line radius a walk of ``minutes`` covers."""
    return minutes * walk_speed() / detour()


# --- opening hours -----------------------------------------------------------------------


def _minute(h: str, m: str, *, end: bool) -> int:
    hours, minutes = int(h), int(m)
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise ValueError
    return hours * 60 + minutes


def parse_range(text: str) -> tuple[str, str]:
    """``"8:30-17:00"`` → ``("08:30", "17:00")``, or InvalidInput."""
    match = _RANGE.match(text or "")
    if not match:
        raise InvalidInput(
            _("开放时间「{text}」格式应为 08:30-17:00").format(text=text), field="hours"
        )
    try:
        start = _minute(match[1], match[2], end=False)
        end = _minute(match[3], match[4], end=True)
    except ValueError:
        raise InvalidInput(
            _("开放时间「{text}」不是有效的时刻").format(text=text), field="hours"
        ) from None
    if start == end:
        raise InvalidInput(_("开放时间「{text}」开始与结束相同").format(text=text), field="hours")
    return f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"


def clean_hours(hours: Mapping[str, Sequence[str]]) -> dict[str, list[list[str]]]:
    """Weekday → "HH:MM-HH:MM" texts, checked and normalised to the stored shape; a day
    missing or empty is closed."""
    if not isinstance(hours, Mapping):
        raise InvalidInput(_("开放时间格式不正确"), field="hours")
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise InvalidInput(_("开放时间的星期应为 1（周一）至 7（周日）"), field="hours")
    out: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        texts = [t for t in hours.get(day) or [] if t and t.strip()]
        if len(texts) > MAX_RANGES:
            raise InvalidInput(_("每天最多 {n} 个开放时段").format(n=MAX_RANGES), field="hours")
        ranges = sorted(list(parse_range(t)) for t in texts)
        for a, b in pairwise(ranges):
            if a[1] > b[0] and a[0] < a[1]:
                raise InvalidInput(_("同一天的开放时段相互重叠"), field="hours")
        out[day] = ranges
    return out


def _t(text: str) -> time | None:
    """None for "24:00" (the end of the day)."""
    if text == "24:00":
        return None
    h, m = text.split(":")
    return time(int(h), int(m))


def _ranges_of(hours: Mapping[str, Any], day: str) -> list[list[str]]:
    return list(hours.get(day) or [])


def _open_in(ranges: list[list[str]], moment: time, *, carried: bool) -> bool:
    """Within one of the day's ranges (``carried``: only the parts running past midnight,
    checked against the next morning)."""
    for start_text, end_text in ranges:
        start, end = _t(start_text), _t(end_text)
        overnight = end is not None and start is not None and end <= start
        if carried:
            if overnight and end is not None and moment < end:
                return True
            continue
        assert start is not None
        if end is None and moment >= start:
            return True
        if overnight and moment >= start:
            return True
        if end is not None and not overnight and start <= moment < end:
            return True
    return False


#: Whether a day is worked: the working calendar's answer, or None where it does not know.
Workday = Callable[[date], bool | None]


def day_hours(
    hours: Mapping[str, Any], day: date, *, follows_calendar: bool, workday: Workday | None
) -> list[list[str]]:
    """The ranges that start on ``day``."""
    weekday = str(day.isoweekday())
    if not follows_calendar or workday is None:
        return _ranges_of(hours, weekday)
    worked = workday(day)
    if worked is None:
        return _ranges_of(hours, weekday)
    if not worked and day.isoweekday() <= 5:
        return []  # a statutory holiday
    if worked and day.isoweekday() >= 6:
        return _ranges_of(hours, "1")  # 调休上班: Monday's hours
    return _ranges_of(hours, weekday)


def open_at(
    hours: Mapping[str, Any],
    at: datetime,
    *,
    follows_calendar: bool = False,
    workday: Workday | None = None,
) -> bool:
    """Open at the local moment ``at`` (in the district's time zone)?"""
    today, moment = at.date(), at.time().replace(second=0, microsecond=0)
    kw: dict[str, Any] = {"follows_calendar": follows_calendar, "workday": workday}
    if _open_in(day_hours(hours, today, **kw), moment, carried=False):
        return True
    yesterday = today - timedelta(days=1)
    return _open_in(day_hours(hours, yesterday, **kw), moment, carried=True)


def hours_text(ranges: list[list[str]]) -> str:
    """``08:30–11:30、13:30–17:00``, or 休息."""
    if not ranges:
        return _("休息")
    return _("、").join(f"{a}–{b}" for a, b in ranges)


def hours_inputs(hours: Mapping[str, Any]) -> dict[str, str]:
    """The stored hours as the form's per-day texts ("08:30-11:30, 13:30-17:00")."""
    return {day: ", ".join(f"{a}-{b}" for a, b in _ranges_of(hours, day)) for day in WEEKDAYS}
