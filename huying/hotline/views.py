"""The hub's 回传 page: pick a period, see how many tickets ended in it, download the XLSX
the city platform takes. Reads through ``replies``; the hub and the administrator only (for
any other role the page does not exist)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from huying.core.errors import DomainError, NotFound
from huying.hotline.replies import (
    COLUMNS,
    REPLY_ROLES,
    all_replies,
    replies_filename,
    replies_workbook,
    reply_page,
    tickets_answered,
)
from huying.org.web import staff_view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(text: str | None, default: dt.date) -> dt.date | None:
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@staff_view
def replies(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in REPLY_ROLES:
        raise NotFound(_("页面不存在"))
    today = timezone.localdate()
    since = _day(request.GET.get("since"), today.replace(day=1))
    until = _day(request.GET.get("until"), today)
    error, count, preview = "", None, []
    if since is None or until is None:
        error = _("日期格式应为 年-月-日")
    else:
        try:
            if request.GET.get("download"):
                data = replies_workbook(all_replies(since, until, actor=actor))
                response = HttpResponse(data, content_type=XLSX)
                response["Content-Disposition"] = content_disposition_header(
                    True, replies_filename(since, until)
                )
                return response
            count = tickets_answered(since, until, actor=actor).count()
            preview = [r.cells() for r in reply_page(since, until, actor=actor, limit=20).items]
        except DomainError as exc:
            error = str(exc.message)
    context = {
        "since": request.GET.get("since") or (since.isoformat() if since else ""),
        "until": request.GET.get("until") or (until.isoformat() if until else ""),
        "count": count,
        "error": error,
        "columns": [str(c) for c in COLUMNS],
        "preview": preview,
        "nowrap": (1, 3, 6, 7),  # the number, the time, the state, the case number
    }
    return render(request, "hotline/replies.html", context, status=422 if error else 200)
