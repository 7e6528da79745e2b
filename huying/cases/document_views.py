"""Documents made from cases: the case list as XLSX, the call sheet as a page and a PDF.

Thin like the other views: the rows come from ``selectors.case_list`` under the acting
role's scope, the workbook from ``xlsx``, the job from ``services.export``, the sheet from
``callsheet``.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from huying.cases import callsheet, selectors, xlsx
from huying.cases.forms import CaseFilterForm
from huying.cases.models import CaseExport, ExportState
from huying.cases.tasks import case_export_start
from huying.core.errors import InvalidInput, NotFound
from huying.core.web import file_download
from huying.org.actors import Actor
from huying.org.web import staff_view


def _export_name(at: datetime) -> str:
    return _("事件列表-{time}.xlsx").format(time=f"{timezone.localtime(at):%Y%m%d-%H%M}")


@never_cache
@require_http_methods(["GET", "POST"])
@staff_view
def case_export(request: HttpRequest) -> HttpResponse:
    """The list's rows, filtered by the same query string. Up to ``xlsx.SYNC_LIMIT`` rows
    come back at once; more are a background job (POST starts it; GET asks first)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = CaseFilterForm(request.GET, actor=actor)
    if not form.is_valid():
        raise InvalidInput(_("筛选条件有误，请回到事件列表修改后再导出"))
    now = timezone.now()
    filters = form.filters()
    cases = selectors.case_list(actor, filters, now=now)
    total = cases.count()
    query = request.GET.copy()
    query.pop("cursor", None)
    if total > xlsx.SYNC_LIMIT:
        if request.method == "POST":
            export = case_export_start(actor=actor, filters=filters, total=total, now=now)
            return redirect("cases:export_status", export.pk)
        context = {"total": total, "sync_limit": xlsx.SYNC_LIMIT, "query": query.urlencode()}
        return render(request, "cases/export.html", {**context, "nav": "cases"})
    # Written to a temporary file (openpyxl keeps write-only rows on disk), then streamed
    # from it; the response closes it, and a closed TemporaryFile is gone.
    out = tempfile.TemporaryFile()  # noqa: SIM115 - outlives this function, closed by the response
    xlsx.write_workbook(xlsx.iterate(xlsx.export_rows(cases)), out)
    out.seek(0)
    return file_download(
        out,
        filename=_export_name(now),
        content_type=xlsx.CONTENT_TYPE,
    )


def _own_export(request: HttpRequest, export_id: int) -> CaseExport:
    """Only the person who asked for an export sees it; for anyone else it does not exist."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    export = CaseExport.objects.filter(pk=export_id, requested_by=actor.user).first()
    if export is None:
        raise NotFound(_("导出不存在或无权查看"))
    return export


@never_cache
@staff_view
def export_status(request: HttpRequest, export_id: int) -> HttpResponse:
    context: dict[str, Any] = {"export": _own_export(request, export_id), "nav": "cases"}
    template = "cases/export.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#progress"
    return render(request, template, context)


@never_cache
@staff_view
def export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    export = _own_export(request, export_id)
    if export.state != ExportState.DONE or not export.file:
        raise NotFound(_("导出文件尚未生成"))
    return file_download(
        export.file.open("rb"),
        filename=_export_name(export.created_at),
        content_type=xlsx.CONTENT_TYPE,
    )


# --- call sheet --------------------------------------------------------------------------------


def _sheet(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.is_reporter:  # an internal form: residents follow their case on the phone
        raise NotFound(_("事件不存在或无权查看"))
    return {"sheet": callsheet.call_sheet(actor, case_id=case_id), "printed_at": timezone.now()}


@staff_view
def call_sheet(request: HttpRequest, case_id: int) -> HttpResponse:
    return render(request, "cases/call_sheet.html", _sheet(request, case_id))


@never_cache
@staff_view
def call_sheet_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    context = _sheet(request, case_id)
    pdf = callsheet.render_pdf(render_to_string("cases/call_sheet.html", context))
    name = _("呼叫单-{number}.pdf").format(number=context["sheet"].case.number)
    disposition = content_disposition_header(as_attachment=False, filename=name) or "inline"
    return HttpResponse(
        pdf, content_type="application/pdf", headers={"Content-Disposition": disposition}
    )
