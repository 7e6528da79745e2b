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


def reminder_key(kind: str, pk: int, due: datetime, threshold: Threshold) -> str:
    """``kind``: ``a`` for an assignment's clock, ``c`` for a case's."""
    return f"remind:{kind}{pk}:{int(due.timestamp())}:{threshold.code}"


def claim(key: str) -> bool:
    """True for exactly one caller per key (clock, due date and threshold)."""
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
    """Remind for every running deadline that has reached a threshold; how many reminded
    (at most ``batch``: the rest on the next sweep). Only the clocks due within the widest
    threshold are read, as bare columns; the keys already claimed are looked up together,
    so a sweep that finds nothing new costs a few queries, not one per clock."""
    thresholds = parse_thresholds(settings.HUYING_REMINDER_THRESHOLDS)
    if not thresholds:
        return 0
    calendar = load_calendar()
    until = horizon(now, thresholds, calendar)
    window = {"due_at__gt": now, "due_at__lte": until, "paused_remaining__isnull": True}
    live = [
        ("a", Assignment.objects.filter(**window, state__in=rules.ACTIVE_ASSIGNMENT_STATES)),
        (
            "c",
            Case.objects.filter(**window, state__in=[CaseState.SELF_HANDLING, CaseState.VERIFYING]),
        ),
    ]
    due: list[tuple[str, int, list[str]]] = []  # (kind, pk, keys widest first)
    for kind, rows in live:
        for pk, due_at, unit in rows.values_list("pk", "due_at", "clock_unit").iterator(2000):
            if due_at is None:  # excluded by the window; for the type checker
                continue
            try:
                left = calendar.remaining(now, due_at, unit or "minutes")
            except CalendarYearMissing:
                continue
            hits = reached(thresholds, left=left, clock_unit=unit, calendar=calendar)
            if hits:
                due.append((kind, pk, [reminder_key(kind, pk, due_at, t) for t in hits]))
    sent = 0
    for start in range(0, len(due), 1000):
        chunk = due[start : start + 1000]
        claimed = set(
            Counter.objects.filter(key__in=[keys[-1] for _, _, keys in chunk]).values_list(
                "key", flat=True
            )
        )
        for kind, pk, keys in chunk:
            if keys[-1] in claimed or sent >= batch:
                continue
            for wider in keys[:-1]:
                claim(wider)
            if not claim(keys[-1]):
                continue  # another worker got there first
            _tell(kind, pk, Threshold(0, keys[-1].rsplit(":", 1)[1]), now)
            sent += 1
    return sent


def reminder_message(threshold: Threshold) -> str:
    """The reminder's words, in the site's language (sent, not shown)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("即将超期（%(left)s），请抓紧办理") % {"left": threshold.label()}


def _tell(kind: str, pk: int, threshold: Threshold, now: datetime) -> None:
    message = reminder_message(threshold)
    if kind == "a":
        a = Assignment.objects.select_related("case").get(pk=pk)
        tell_department(a, a.case, "reminder", message, now)
    else:
        tell_street(Case.objects.get(pk=pk), "reminder", message, now)
