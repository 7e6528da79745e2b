"""``huying calendar``: the working-day calendar (工作日历) from the command line.

    huying calendar show 2027
    huying calendar set 2027-01-01 holiday --note 元旦
    huying calendar set 2027-02-13 workday --note 春节调休
    huying calendar unset 2027-01-01
    huying calendar import 2027.xlsx [--dry-run]
    huying calendar confirm 2027 --note "据国办发明电〔2026〕x 号录入"
    huying calendar check [--today 2026-11-01]

Writes go through the same services as the page (change log as the system). ``check`` exits
with 1 while this year is missing, or from 1 November while next year is: for cron or a
monitoring probe.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from huying.core import selectors, services
from huying.core.errors import DomainError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期应写成 2027-01-01 / not a date: {value!r}") from None


class Command(BaseCommand):
    help = "工作日历：查看、录入、导入、确认某年的节假日和调休 / the working-day calendar"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        show = sub.add_parser("show", help="某年的状态和已录入的日子 / a year's status and days")
        show.add_argument("year", type=int)
        set_ = sub.add_parser("set", help="录入或修改一天 / enter or change a day")
        set_.add_argument("date", type=_date)
        set_.add_argument("kind", choices=[services.HOLIDAY, services.WORKDAY])
        set_.add_argument("--note", default="", help="说明，如 元旦 / e.g. the holiday's name")
        unset = sub.add_parser("unset", help="删除一天的录入 / remove a day's entry")
        unset.add_argument("date", type=_date)
        imp = sub.add_parser("import", help="从 XLSX 导入（日期、类型、说明）/ import an XLSX")
        imp.add_argument("file")
        imp.add_argument(
            "--dry-run", action="store_true", help="只检查，不写入 / check without writing"
        )
        confirm = sub.add_parser("confirm", help="确认某年已全部录入 / confirm a year")
        confirm.add_argument("year", type=int)
        confirm.add_argument("--note", default="", help="说明 / note (required if nothing entered)")
        check = sub.add_parser(
            "check", help="今年或（11 月起）明年未录入时以 1 退出 / exit 1 if a year is missing"
        )
        check.add_argument(
            "--today", type=_date, default=None, help="按这一天检查 / check as of this date"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"do_{action}")(options)
        except DomainError as exc:
            raise CommandError(self._explain(exc)) from None

    def _explain(self, exc: DomainError) -> str:
        rows = exc.details.get("errors") or []
        lines = [exc.message, *(f"  第 {e['row']} 行 row {e['row']}: {e['message']}" for e in rows)]
        return "\n".join(lines)

    # --- actions --------------------------------------------------------------------------

    def do_show(self, options: dict[str, Any]) -> None:
        year = services.check_calendar_year(options["year"])
        state = selectors.calendar_year_status(year)
        if state.source == "package":
            self.stdout.write(f"{year}: chinese_calendar 已包含 / covered by chinese_calendar")
        elif state.source == "confirmed":
            assert state.row is not None and state.row.confirmed_at is not None
            who = state.row.confirmed_by_name or "系统 system"
            at = timezone.localtime(state.row.confirmed_at)
            self.stdout.write(f"{year}: 已确认 confirmed by {who} at {at:%Y-%m-%d %H:%M}")
            if state.row.note:
                self.stdout.write(f"  说明 note: {state.row.note}")
        else:
            self.stdout.write(
                self.style.WARNING(f"{year}: 尚未录入 missing — 工作日时限无法计算到这一年")
            )
        days = selectors.calendar_year_days(year)
        for d in days:
            kind = "调休上班 workday" if d.is_workday else "休息日   holiday"
            source = " (chinese_calendar)" if d.source == "package" else ""
            self.stdout.write(f"  {d.date:%Y-%m-%d} {d.date:%a}  {kind}  {d.note}{source}")
        if not days:
            self.stdout.write("  （没有录入任何日子 / no day entered）")

    def do_set(self, options: dict[str, Any]) -> None:
        day: dt.date = options["date"]
        services.calendar_day_set(
            actor=None,
            date=day,
            is_workday=options["kind"] == services.WORKDAY,
            note=options["note"],
            now=timezone.now(),
        )
        self.stdout.write(f"已保存 saved: {day:%Y-%m-%d} {options['kind']} {options['note']}")

    def do_unset(self, options: dict[str, Any]) -> None:
        day: dt.date = options["date"]
        services.calendar_day_unset(actor=None, date=day, now=timezone.now())
        self.stdout.write(f"已删除 removed: {day:%Y-%m-%d}")

    def do_import(self, options: dict[str, Any]) -> None:
        try:
            handle = open(options["file"], "rb")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise CommandError(f"无法打开文件 cannot open: {exc}") from None
        with handle:
            result = services.calendar_import(
                actor=None, file=handle, now=timezone.now(), dry_run=options["dry_run"]
            )
        verb = "检查通过，未写入 checked, nothing written" if result.dry_run else "已导入 imported"
        self.stdout.write(
            f"{verb}: {len(result.rows)} 行 rows — 新增 added {result.created}, "
            f"修改 changed {result.updated}, 不变 unchanged {result.unchanged}"
        )

    def do_confirm(self, options: dict[str, Any]) -> None:
        row = services.calendar_year_confirm(
            actor=None, year=options["year"], note=options["note"], now=timezone.now()
        )
        self.stdout.write(self.style.SUCCESS(f"已确认 confirmed: {row.year}"))

    def do_check(self, options: dict[str, Any]) -> None:
        today: dt.date = options["today"] or timezone.localdate()
        notice = selectors.calendar_notice(today)
        if notice is None:
            self.stdout.write(f"工作日历正常 calendar ok ({today:%Y-%m-%d})")
            return
        if notice.kind == "current":
            message = (
                f"{notice.year} 年节假日安排尚未录入：工作日时限无法计算。"
                f" / {notice.year} is missing: working-day deadlines cannot be computed."
            )
        else:
            message = (
                f"{notice.year} 年节假日安排尚未录入：工作日时限跨年时将无法计算。"
                f" / {notice.year} is missing: deadlines crossing New Year will be refused."
            )
        raise CommandError(
            f"{message} 请录入并确认：huying calendar import / set / confirm {notice.year}",
            returncode=1,
        )
