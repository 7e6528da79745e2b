"""Core writes: the working-day calendar (工作日历).

The district enters a year's holidays (休息日) and make-up workdays (调休上班) day by day or
from an XLSX file, then confirms the year: from then on a working-day deadline may reach into
it. Every write is one transaction with its change-log record (on the year's
``CalendarYear`` row, so the year's page lists them) and makes this process's calendar
reload once it commits. ``actor`` None is the system: a management command or the demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from huying.core.acting import Acting
from huying.core.changelog import change_record
from huying.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from huying.core.models import CalendarYear, WorkdayOverride
from huying.core.spreadsheets import refuse_rows, sheet_rows
from huying.core.workcalendar import invalidate_calendar, package_covers

#: Years the calendar may be edited for: wide enough for any real deadline.
FIRST_YEAR, LAST_YEAR = 2000, 2099
NOTE_MAX = 100
YEAR_NOTE_MAX = 200

HOLIDAY = "holiday"
WORKDAY = "workday"
#: The import's 类型 column: what each word means (is it a workday?). The file format is
#: Chinese whatever the page's language; the codes are accepted too.
KIND_WORDS: dict[str, bool] = {
    "休息日": False,
    "节假日": False,
    "休": False,
    HOLIDAY: False,
    "调休上班": True,
    "工作日": True,
    "班": True,
    WORKDAY: True,
}
#: How the 类型 column is explained (the words are the file format, hence not translated).
KIND_HINT = "休息日（节假日）、调休上班（工作日）"
COLUMNS = ("日期", "类型", "说明")
MAX_ROWS = 2000


def _require_manager(actor: Acting | None) -> None:
    if actor is not None and not actor.can_manage:
        raise PermissionDenied(_("只有管理员可以维护工作日历"))


def check_calendar_year(year: int, *, field: str = "year") -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            _("年份须在 %(first)d–%(last)d 之间") % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field=field,
        )
    return year


def _day_value(day: WorkdayOverride | ImportRow | None) -> dict[str, Any] | None:
    """A day's entry as the change log records it (None: not entered)."""
    if day is None:
        return None
    return {"kind": WORKDAY if day.is_workday else HOLIDAY, "note": day.note}


def _year_row(year: int) -> CalendarYear:
    row, _created = CalendarYear.objects.get_or_create(year=year)
    return row


def _reload_after_commit() -> None:
    # Again after commit: another thread may have cached the pre-commit tables meanwhile.
    transaction.on_commit(invalidate_calendar)
    invalidate_calendar()


def calendar_day_set(
    *,
    actor: Acting | None,
    date: dt.date,
    is_workday: bool,
    note: str = "",
    now: dt.datetime,
) -> WorkdayOverride:
    """Enter or change one day: a holiday (休息日) or a make-up workday (调休上班)."""
    _require_manager(actor)
    check_calendar_year(date.year, field="date")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("说明最多 %(max)d 个字") % {"max": NOTE_MAX}, field="note")
    with transaction.atomic():
        year = _year_row(date.year)
        override = WorkdayOverride.objects.select_for_update().filter(date=date).first()
        before = _day_value(override)
        if override is None:
            override = WorkdayOverride.objects.create(date=date, is_workday=is_workday, note=note)
        else:
            override.is_workday, override.note = is_workday, note
            override.save(update_fields=["is_workday", "note"])
        after = _day_value(override)
        if before != after:
            key = date.isoformat()
            change_record(
                actor=actor,
                action="calendar.day.update" if before else "calendar.day.create",
                obj=year,
                now=now,
                before={key: before},
                after={key: after},
            )
        _reload_after_commit()
    return override


def calendar_day_unset(*, actor: Acting | None, date: dt.date, now: dt.datetime) -> None:
    """Remove a day's entry: it becomes what chinese_calendar (or Monday–Friday) says."""
    _require_manager(actor)
    with transaction.atomic():
        override = WorkdayOverride.objects.select_for_update().filter(date=date).first()
        if override is None:
            raise NotFound(_("%(date)s 没有录入过") % {"date": date.isoformat()})
        key = date.isoformat()
        change_record(
            actor=actor,
            action="calendar.day.delete",
            obj=_year_row(date.year),
            now=now,
            before={key: _day_value(override)},
            after={key: None},
        )
        override.delete()
        _reload_after_commit()


def calendar_year_confirm(
    *, actor: Acting | None, year: int, note: str = "", now: dt.datetime
) -> CalendarYear:
    """All of the year's holidays and make-up workdays are entered: deadlines may use it.

    A year with nothing entered counts Monday–Friday as workdays; that must be said in the
    note, since it is usually a mistake (every year has at least 元旦 and 春节)."""
    _require_manager(actor)
    check_calendar_year(year)
    note = (note or "").strip()
    if len(note) > YEAR_NOTE_MAX:
        raise InvalidInput(_("说明最多 %(max)d 个字") % {"max": YEAR_NOTE_MAX}, field="note")
    if package_covers(year):
        raise RuleViolation(
            _("%(year)d 年的节假日已由 chinese_calendar 提供，无需确认") % {"year": year},
            field="year",
        )
    with transaction.atomic():
        row = _year_row(year)
        row = CalendarYear.objects.select_for_update().get(pk=row.pk)
        if row.confirmed_at is not None:
            raise RuleViolation(_("%(year)d 年已确认过") % {"year": year}, field="year")
        entered = WorkdayOverride.objects.filter(date__year=year).count()
        if not entered and not note:
            raise InvalidInput(
                _(
                    "%(year)d 年还没有录入任何节假日或调休；"
                    "如确实按周一至周五上班，请在说明中写明理由"
                )
                % {"year": year},
                field="note",
            )
        row.confirmed_at = now
        row.confirmed_by = actor.user if actor else None
        row.confirmed_by_name = actor.user.get_username() if actor else ""
        row.note = note
        row.save(update_fields=["confirmed_at", "confirmed_by", "confirmed_by_name", "note"])
        change_record(
            actor=actor,
            action="calendar.year.confirm",
            obj=row,
            now=now,
            before={"confirmed": False},
            after={"confirmed": True, "days": entered, "note": note},
        )
        _reload_after_commit()
    return row


# --- XLSX import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    line: int
    date: dt.date
    is_workday: bool
    note: str


@dataclass
class ImportResult:
    """What an import did, or (dry run) would do."""

    rows: list[ImportRow]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    years: list[int] = field(default_factory=list)


def calendar_import(
    *, actor: Acting | None, file: IO[bytes], now: dt.datetime, dry_run: bool = False
) -> ImportResult:
    """Days from an XLSX sheet (columns 日期, 类型, 说明), all or nothing: any bad row and
    nothing is written; every problem is reported with its row number."""
    _require_manager(actor)
    rows = _validated(list(_read_sheet(file)))
    existing = {
        o.date: o
        for o in WorkdayOverride.objects.filter(date__in=[r.date for r in rows]).order_by()
    }
    result = ImportResult(rows=rows, dry_run=dry_run, years=sorted({r.date.year for r in rows}))
    for r in rows:
        old = existing.get(r.date)
        if old is None:
            result.created += 1
        elif (old.is_workday, old.note) != (r.is_workday, r.note):
            result.updated += 1
        else:
            result.unchanged += 1
    if dry_run:
        return result
    with transaction.atomic():
        changes: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        for r in rows:
            old = existing.get(r.date)
            before = _day_value(old)
            after = _day_value(r)
            if before == after:
                continue
            WorkdayOverride.objects.update_or_create(
                date=r.date, defaults={"is_workday": r.is_workday, "note": r.note}
            )
            b, a = changes.setdefault(r.date.year, ({}, {}))
            b[r.date.isoformat()], a[r.date.isoformat()] = before, after
        for year, (before_days, after_days) in sorted(changes.items()):
            change_record(
                actor=actor,
                action="calendar.import",
                obj=_year_row(year),
                now=now,
                before=before_days,
                after=after_days,
            )
        _reload_after_commit()
    return result


@dataclass(frozen=True)
class _RawRow:
    line: int
    date: Any
    kind: Any
    note: Any


def _read_sheet(file: IO[bytes]) -> list[_RawRow]:
    rows = sheet_rows(file, columns=COLUMNS, required=COLUMNS[:2], max_rows=MAX_ROWS)
    return [_RawRow(n, cell["日期"], cell["类型"], cell.get("说明")) for n, cell in rows]


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else None
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:  # 2027-1-1
        y, m, d = (int(part) for part in text.split("-"))
        return dt.date(y, m, d)
    except ValueError:
        return None


def _validated(raw: list[_RawRow]) -> list[ImportRow]:
    if not raw:
        raise InvalidInput(_("文件中没有数据行"), field="file")
    errors: list[dict[str, Any]] = []
    seen: dict[dt.date, int] = {}
    out: list[ImportRow] = []
    for row in raw:
        problems = []
        day = _parse_date(row.date)
        if day is None:
            problems.append(
                _("日期「%(value)s」无效，应写成 2027-01-01") % {"value": row.date or ""}
            )
        elif not FIRST_YEAR <= day.year <= LAST_YEAR:
            problems.append(
                _("年份须在 %(first)d–%(last)d 之间") % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        kind = KIND_WORDS.get(str(row.kind or "").strip())
        if kind is None:
            problems.append(
                _("类型「%(value)s」无效，应为：%(choices)s")
                % {"value": row.kind or "", "choices": KIND_HINT}
            )
        note = "" if row.note is None else str(row.note).strip()
        if len(note) > NOTE_MAX:
            problems.append(_("说明最多 %(max)d 个字") % {"max": NOTE_MAX})
        if not problems and day is not None:
            earlier = seen.setdefault(day, row.line)
            if earlier != row.line:
                problems.append(_("与第 %(line)d 行的日期重复") % {"line": earlier})
        if problems:
            errors.append({"row": row.line, "message": "；".join(problems)})
            continue
        assert day is not None and kind is not None
        out.append(ImportRow(row.line, day, kind, note))
    if errors:
        refuse_rows(errors)
    return out
