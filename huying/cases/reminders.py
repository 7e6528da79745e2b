"""即将超期 reminders: the people responsible for a deadline are reminded when the time left
reaches each threshold of HUYING_REMINDER_THRESHOLDS (e.g. one working day, then four hours).

The time left is counted as the clock counts it: working minutes on a working-day or
working-hour clock (so a weekend or a holiday does not use it up), real minutes on a
continuous one. Each threshold is acted on once per clock and due date: the first sweep that
sees it claims a key (``Counter``, unique) and only the claimant sends, so repeated sweeps and
several workers remind once; a moved deadline is a new due date and reminds anew. When a
sweep finds several thresholds passed at once (a short clock, a worker that was down), only
the tightest is sent and the others are claimed silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext as _

from huying.cases import rules
from huying.cases.models import Assignment, Case, CaseState
from huying.cases.services.engine import tell_department, tell_street
from huying.core.errors import CalendarYearMissing
from huying.core.models import Counter
from huying.core.workcalendar import WORKING_UNITS, WorkCalendar, load_calendar

_THRESHOLD = re.compile(r"^(\d+)(wd|h|m)$")


@dataclass(frozen=True, order=True)
class Threshold:
    """Time left at which to remind; ``amount`` of ``unit`` (wd, h, m)."""

    minutes_hint: int
    code: str

    def minutes(self, clock_unit: str, calendar: WorkCalendar) -> int:
        """In the clock's own kind of minutes: a working day is the office's working hours on
        a working-time clock and 24 hours on a continuous one."""
        amount, unit = _split(self.code)
        if unit == "wd":
            per_day = (
                sum(
                    (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
                    for start, end in calendar.working_hours
                )
                if clock_unit in WORKING_UNITS
                else 24 * 60
            )
            return amount * per_day
        return amount * 60 if unit == "h" else amount

    def label(self) -> str:
        amount, unit = _split(self.code)
        if unit == "wd":
            return _("剩余不足 %(n)d 个工作日") % {"n": amount}
        if unit == "h":
            return _("剩余不足 %(n)d 小时") % {"n": amount}
        return _("剩余不足 %(n)d 分钟") % {"n": amount}


def _split(code: str) -> tuple[int, str]:
    match = _THRESHOLD.match(code)
    if match is None:
        raise ValueError(f"reminder threshold {code!r}: write e.g. 1wd, 4h or 30m")
    return int(match[1]), match[2]


def parse_thresholds(codes: Iterable[str]) -> list[Threshold]:
    """Widest first (``1wd`` before ``4h``), by a rough size in minutes."""
    out = []
    for code in codes:
        amount, unit = _split(code.strip())
        rough = amount * {"wd": 24 * 60, "h": 60, "m": 1}[unit]
        out.append(Threshold(rough, code.strip()))
    return sorted(set(out), reverse=True)


def reached(
    thresholds: list[Threshold], *, left: int, clock_unit: str, calendar: WorkCalendar
) -> list[Threshold]:
    """The thresholds ``left`` minutes (of the clock's kind) have reached, tightest last."""
    hits = [t for t in thresholds if left <= t.minutes(clock_unit, calendar)]
    return sorted(hits, key=lambda t: t.minutes(clock_unit, calendar), reverse=True)


def claim(obj: Model, due: datetime, threshold: Threshold) -> bool:
    """True for exactly one caller per clock, due date and threshold."""
    prefix = "a" if isinstance(obj, Assignment) else "c"
    key = f"remind:{prefix}{obj.pk}:{int(due.timestamp())}:{threshold.code}"
    _, created = Counter.objects.get_or_create(key=key, defaults={"value": 1})
    return created


def horizon(now: datetime, thresholds: list[Threshold], calendar: WorkCalendar) -> datetime:
    """The latest due date any threshold can have reached by ``now``."""
    widest = max(max(t.minutes(u, calendar) for u in ("", "working_days")) for t in thresholds)
    try:
        working = calendar.add_working_minutes(now, widest)
    except CalendarYearMissing:
        working = now + timedelta(days=14)
    return max(working, now + timedelta(minutes=widest))


def send_reminders(*, now: datetime, batch: int = 1000) -> int:
    """Remind for every running deadline that has reached a threshold; how many reminded."""
    thresholds = parse_thresholds(settings.HUYING_REMINDER_THRESHOLDS)
    if not thresholds:
        return 0
    calendar = load_calendar()
    until = horizon(now, thresholds, calendar)
    window = {"due_at__gt": now, "due_at__lte": until, "paused_remaining__isnull": True}
    sent = 0
    assignments = Assignment.objects.select_related("case").filter(
        **window, state__in=rules.ACTIVE_ASSIGNMENT_STATES
    )
    cases = Case.objects.filter(**window, state__in=[CaseState.SELF_HANDLING, CaseState.VERIFYING])
    clocks: list[Assignment | Case] = [
        *assignments.order_by("due_at")[:batch],
        *cases.order_by("due_at")[:batch],
    ]
    for obj in clocks:
        assert obj.due_at is not None
        try:
            left = calendar.remaining(now, obj.due_at, obj.clock_unit or "minutes")
        except CalendarYearMissing:
            continue
        hits = reached(thresholds, left=left, clock_unit=obj.clock_unit, calendar=calendar)
        if not hits:
            continue
        for wider in hits[:-1]:
            claim(obj, obj.due_at, wider)
        tightest = hits[-1]
        if not claim(obj, obj.due_at, tightest):
            continue
        with translation.override(settings.LANGUAGE_CODE):  # sent, not shown: the site's
            message = _("即将超期（%(left)s），请抓紧办理") % {"left": tightest.label()}
        if isinstance(obj, Assignment):
            tell_department(obj, obj.case, "reminder", message, now)
        else:
            tell_street(obj, "reminder", message, now)
        sent += 1
    return sent
