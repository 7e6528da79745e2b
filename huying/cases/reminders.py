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
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from huying.cases import rules
from huying.cases.models import Assignment, Case, CaseState
from huying.cases.services.engine import department_notice, street_notice
from huying.core.errors import CalendarYearMissing
from huying.core.models import Counter
from huying.core.notify import notify_each
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


def claim_all(keys: list[str]) -> set[str]:
    """The keys of ``keys`` this call claimed: each key is claimed by exactly one caller,
    however many sweeps and workers race for it (one INSERT … ON CONFLICT DO NOTHING
    RETURNING, on PostgreSQL and SQLite alike)."""
    won: set[str] = set()
    table, key, value = map(connection.ops.quote_name, (Counter._meta.db_table, "key", "value"))
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({key}, {value}) VALUES {', '.join(['(%s, 1)'] * len(part))}"
                f" ON CONFLICT ({key}) DO NOTHING RETURNING {key}",
                part,
            )
            won.update(key for (key,) in cursor.fetchall())
    return won


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
        fresh = [(kind, pk, keys) for kind, pk, keys in chunk if keys[-1] not in claimed]
        fresh = fresh[: batch - sent]
        # The wider thresholds are claimed silently with the tightest, which alone is sent.
        won = claim_all([key for _, _, keys in fresh for key in keys])
        winners = [(kind, pk, keys[-1]) for kind, pk, keys in fresh if keys[-1] in won]
        _tell(winners, now)
        sent += len(winners)
        if sent >= batch:
            break
    return sent


def reminder_message(threshold: Threshold) -> str:
    """The reminder's words, in the site's language (sent, not shown)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("即将超期（%(left)s），请抓紧办理") % {"left": threshold.label()}


def _tell(reminders: list[tuple[str, int, str]], now: datetime) -> None:
    """(kind, pk, key) each: the department's people for an assignment's clock, the
    street's for a case's; read and written together, not one reminder at a time."""
    assignment_ids = [pk for kind, pk, _ in reminders if kind == "a"]
    case_ids = [pk for kind, pk, _ in reminders if kind == "c"]
    assignments = Assignment.objects.select_related("case").in_bulk(assignment_ids)
    cases = Case.objects.in_bulk(case_ids)
    notices = []
    for kind, pk, key in reminders:
        message = reminder_message(Threshold(0, key.rsplit(":", 1)[1]))
        if kind == "a":
            a = assignments[pk]
            notices.append(department_notice(a, a.case, "reminder", message))
        else:
            notices.append(street_notice(cases[pk], "reminder", message))
    notify_each(notices, now=now)
