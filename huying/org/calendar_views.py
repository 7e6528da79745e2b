"""工作日历 (/manage/calendar/): a year's holidays and make-up workdays, entered by hand or
from an XLSX file, and the year's confirmation. Admins only (404 for every other role);
views parse a form, call ``huying.core.services`` and render; a refusal comes back on the
form with its reason (422) and nothing is changed. The calendar's rules are core's (deadlines
need them); its pages are here, above org, because they act under an admin's role grant."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huying.core import selectors, services
from huying.core.calendar_xlsx import XLSX, calendar_template_xlsx
from huying.core.changelog import changes_for
from huying.core.errors import DomainError
from huying.core.forms import CalendarConfirmForm, CalendarDayForm, CalendarImportForm
from huying.core.i18n import join_list
from huying.core.spreadsheets import row_errors
from huying.core.web import file_download, form_error
from huying.org.actors import Actor
from huying.org.web import admin_view, change_rows

DAY_LABELS: dict[str, Any] = {}  # the change log names the days themselves


def _year(raw: Any) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
    if not services.FIRST_YEAR <= year <= services.LAST_YEAR:
        raise Http404
    return year


def _default_year() -> int:
    today = timezone.localdate()
    notice = selectors.calendar_notice(today)
    return notice.year if notice else today.year


def _refused(form: Any, exc: DomainError) -> None:
    if exc.status == 404:
        raise exc
    form_error(form, exc)


def _page(
    request: HttpRequest,
    year: int,
    *,
    day_form: CalendarDayForm | None = None,
    confirm_form: CalendarConfirmForm | None = None,
    import_form: CalendarImportForm | None = None,
    import_errors: dict[str, Any] | None = None,
    preview: services.ImportResult | None = None,
    status: int = 200,
) -> HttpResponse:
    state = selectors.calendar_year_status(year)
    editing = None
    if day_form is None:
        raw = request.GET.get("edit", "")
        try:
            editing = selectors.calendar_day_get(dt.date.fromisoformat(raw)) if raw else None
        except ValueError:
            editing = None
        initial: dict[str, Any] = {"kind": services.HOLIDAY}
        if editing is not None:
            initial = {
                "date": editing.date,
                "kind": services.WORKDAY if editing.is_workday else services.HOLIDAY,
                "note": editing.note,
            }
        day_form = CalendarDayForm(initial=initial)
    days = selectors.calendar_year_days(year)
    this_year = timezone.localdate().year
    context = {
        "year": year,
        "years": [
            y
            for y in sorted({this_year - 1, this_year, this_year + 1, year - 1, year, year + 1})
            if services.FIRST_YEAR <= y <= services.LAST_YEAR
        ],
        "state": state,
        "days": days,
        "holidays": sum(1 for d in days if not d.is_workday),
        "workdays": sum(1 for d in days if d.is_workday),
        "editing": editing,
        "day_form": day_form,
        "confirm_form": confirm_form or CalendarConfirmForm(),
        "import_form": import_form or CalendarImportForm(),
        "import_errors": import_errors,
        "preview": preview,
        "columns": join_list(services.COLUMNS),
        "kinds": services.KIND_HINT,
        "changes": change_rows(changes_for(state.row), DAY_LABELS) if state.row else [],
        "nav": "manage",
        "tab": "calendar",
    }
    return render(request, "core/calendar.html", context, status=status)


def _back(year: int) -> HttpResponse:
    return redirect(f"{reverse('workcalendar:page')}?year={year}")


@admin_view
def calendar_page(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET["year"]) if request.GET.get("year") else _default_year()
    return _page(request, year)


@admin_view
@require_POST
def day_save(request: HttpRequest, year: int) -> HttpResponse:
    """Enter a day, or change it (the same date again)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    year = _year(year)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        day: dt.date = form.cleaned_data["date"]
        try:
            services.calendar_day_set(
                actor=actor,
                date=day,
                is_workday=form.cleaned_data["kind"] == services.WORKDAY,
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已保存 %(date)s") % {"date": day.isoformat()})
            return _back(day.year)
    return _page(request, year, day_form=form, status=422)


@admin_view
@require_POST
def day_delete(request: HttpRequest, year: int, date: str) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    year = _year(year)
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Http404 from None
    services.calendar_day_unset(actor=actor, date=day, now=timezone.now())
    messages.success(request, _("已删除 %(date)s") % {"date": day.isoformat()})
    return _back(year)


@admin_view
@require_POST
def year_confirm(request: HttpRequest, year: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    year = _year(year)
    form = CalendarConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.calendar_year_confirm(
                actor=actor, year=year, note=form.cleaned_data["note"], now=timezone.now()
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已确认 %(year)d 年的工作日历") % {"year": year})
            return _back(year)
    return _page(request, year, confirm_form=form, status=422)


@admin_view
@require_POST
def calendar_import(request: HttpRequest, year: int) -> HttpResponse:
    """Check (``dry_run``) or import an XLSX file; a bad row and nothing is written."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    year = _year(year)
    form = CalendarImportForm(request.POST, request.FILES)
    dry_run = "dry_run" in request.POST
    import_errors = None
    if form.is_valid():
        try:
            result = services.calendar_import(
                actor=actor, file=form.cleaned_data["file"], now=timezone.now(), dry_run=dry_run
            )
        except DomainError as exc:
            _refused(form, exc)
            import_errors = row_errors(exc)
        else:
            if dry_run:
                return _page(request, year, preview=result)
            messages.success(
                request,
                _("已导入 %(rows)d 行：新增 %(created)d 天，修改 %(updated)d 天")
                % {"rows": len(result.rows), "created": result.created, "updated": result.updated},
            )
            shown = year if year in result.years else result.years[0]
            return _back(shown)
    return _page(request, year, import_form=form, import_errors=import_errors, status=422)


@admin_view
def template_download(request: HttpRequest) -> HttpResponse:
    return file_download(
        io.BytesIO(calendar_template_xlsx()), filename="工作日历导入模板.xlsx", content_type=XLSX
    )
