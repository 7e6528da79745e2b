"""反复发生预警 pages: the weekly list (预警清单), its XLSX, and the hub's 发起系统性问题.

Thin: the warnings come from ``recurrence.recurrences`` under the acting role's scope, the
workbook from ``xlsx.recurrence_workbook``, the new case from ``services.case_open_systemic``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from huying.cases import recurrence, rules, services, xlsx
from huying.cases.forms import SystemicForm, WarningListForm
from huying.core.errors import Conflict, InvalidInput
from huying.core.web import file_download
from huying.org.actors import Actor
from huying.org.web import staff_view


def _week(request: HttpRequest) -> tuple[WarningListForm, date | None]:
    data = request.GET.copy()
    if not data.get("end"):
        data["end"] = timezone.localdate().isoformat()  # shown in the date box too
    form = WarningListForm(data)
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data["end"]


#: Warnings a page lists, most cases first; the export has them all.
PAGE_LIMIT = 100


def _warnings(
    actor: Actor, end: date, *, limit: int | None = None
) -> tuple[recurrence.Found, Any, Any]:
    first, last = recurrence.week_of(end)
    found = recurrence.recurrences(actor, until=last, active_since=first, limit=limit)
    return found, first, last


@staff_view
def warning_list(request: HttpRequest) -> HttpResponse:
    """预警清单: the warnings with a case reported in the seven days ending ``end``, counted
    over the ``HUYING_RECURRENCE_DAYS`` before its end."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    recurrence.check_may_see(actor)
    form, end = _week(request)
    context: dict[str, Any] = {
        "form": form,
        "recurrence_rule": recurrence.rule(),
        "may_open": actor.role in rules.SYSTEMIC_ROLES,
        "nav": "home",
    }
    if end is None:
        return render(request, "cases/warnings.html", context, status=400)
    warnings, first, last = _warnings(actor, end, limit=PAGE_LIMIT)
    context |= {
        "warnings": warnings,
        "first": first,
        "last": last,
        "end": end,
        "open_key": form.cleaned_data["open"],
    }
    return render(request, "cases/warnings.html", context)


@never_cache
@staff_view
def warning_export(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    recurrence.check_may_see(actor)
    _form, end = _week(request)
    if end is None:
        raise InvalidInput(_("日期有误"), field="end")
    warnings, first, last = _warnings(actor, end)
    title = _("反复发生预警 {first} 至 {last}").format(
        first=f"{first:%Y-%m-%d}", last=f"{last:%Y-%m-%d}"
    )
    return file_download(
        xlsx.recurrence_workbook(warnings, title=title),
        filename=_("预警清单-{day}.xlsx").format(day=f"{end:%Y%m%d}"),
        content_type=xlsx.CONTENT_TYPE,
    )


@require_POST
@staff_view
def open_systemic(request: HttpRequest) -> HttpResponse:
    """发起系统性问题 from a warning of the list (the hub's: the service refuses others): the
    warning found again for the same week, its cases not yet linked to one."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    recurrence.check_may_see(actor)
    form = SystemicForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise InvalidInput(str(errors[0]), field=field)
    data = form.cleaned_data
    warnings, _first, _last = _warnings(actor, data["end"], limit=PAGE_LIMIT)
    warning = next((w for w in warnings if w.key == data["key"]), None)
    if warning is None:
        raise Conflict(_("这条预警已有变化，请刷新预警清单后再发起"))
    case_ids = warning.unlinked_ids
    parent = services.case_open_systemic(
        actor=actor, case_ids=case_ids, title=data["title"], reason=data["reason"]
    )
    messages.success(
        request,
        _("已发起系统性问题 {number}，关联 {count} 个事件").format(
            number=parent.number, count=len(case_ids)
        ),
    )
    return redirect("cases:detail", parent.pk)
