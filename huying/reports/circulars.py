"""Pages of the monthly circular (/reports/circulars/): the list with its request form, and
the downloads. Thin: reads through ``circular.selectors``, writes through
``circular.services``; who may generate or read is in ``circular.rules``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from huying.core.errors import DomainError, NotFound
from huying.core.web import file_download, form_error
from huying.org.actors import Actor
from huying.org.web import staff_view
from huying.reports.circular import selectors
from huying.reports.circular.rules import may_generate, may_read
from huying.reports.models import Circular, CircularState
from huying.reports.tasks import circular_request

LIST_ROWS = 120

FILE_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class CircularRequestForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        error_messages={
            "required": gettext_lazy("请填写年度"),
            "invalid": gettext_lazy("年度须为整数"),
        },
    )
    month = forms.TypedChoiceField(
        label=gettext_lazy("月份"),
        coerce=int,
        choices=[(m, gettext_lazy("{month}月").format(month=m)) for m in range(1, 13)],
        error_messages={"invalid_choice": gettext_lazy("月份须为 1–12")},
    )


def _last_month(today: date) -> dict[str, int]:
    if today.month == 1:
        return {"year": today.year - 1, "month": 12}
    return {"year": today.year, "month": today.month - 1}


def _reader(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not may_read(actor.role):
        raise NotFound(_("页面不存在"))
    return actor


def _rows(actor: Actor) -> list[dict[str, Any]]:
    """The circulars, each month's newest finished one marked current (现行)."""
    rows = []
    current_seen: set[tuple[int, int]] = set()
    for c in selectors.circular_list(actor)[:LIST_ROWS]:
        current = c.state == CircularState.DONE and (c.year, c.month) not in current_seen
        if current:
            current_seen.add((c.year, c.month))
        rows.append({"c": c, "current": current})
    return rows


@never_cache
@require_http_methods(["GET", "POST"])
@staff_view
def circular_list(request: HttpRequest) -> HttpResponse:
    actor = _reader(request)
    can_generate = may_generate(actor.role)
    form = CircularRequestForm(initial=_last_month(timezone.localdate()))
    status = 200
    if request.method == "POST":
        if not can_generate:
            raise NotFound(_("页面不存在"))
        form = CircularRequestForm(request.POST)
        if form.is_valid():
            try:
                circular = circular_request(
                    actor=actor,
                    year=form.cleaned_data["year"],
                    month=form.cleaned_data["month"],
                    now=timezone.now(),
                )
            except DomainError as exc:
                if exc.status != 422:
                    raise
                form_error(form, exc)
                status = 422
            else:
                messages.success(
                    request,
                    _(
                        "已开始生成 {year}年{month}月的通报（{number}），完成后可在下方下载。"
                    ).format(year=circular.year, month=circular.month, number=circular.doc_number),
                )
                return redirect("reports:circulars")
        else:
            status = 422
    rows = _rows(actor)
    context = {
        "rows": rows,
        "busy": any(r["c"].in_progress for r in rows),
        "form": form if can_generate else None,
        "nav": "reports",
    }
    template = "reports/circular_list.html"
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        template += "#rows"
    return render(request, template, context, status=status)


def download_name(circular: Circular, kind: str) -> str:
    return _("{number} {year}年{month}月“街道呼·部门应”工作通报.{ext}").format(
        number=circular.doc_number, year=circular.year, month=circular.month, ext=kind
    )


@never_cache
@staff_view
def circular_download(request: HttpRequest, circular_id: int, kind: str) -> HttpResponse:
    """A finished circular's Word or PDF file, under its Chinese name (RFC 5987)."""
    actor = _reader(request)
    circular = selectors.circular_get(actor, circular_id=circular_id)
    field = circular.docx if kind == "docx" else circular.pdf
    if kind not in FILE_TYPES or circular.state != CircularState.DONE or not field:
        raise NotFound(_("通报文件尚未生成"))
    return file_download(
        field.open("rb"), filename=download_name(circular, kind), content_type=FILE_TYPES[kind]
    )
