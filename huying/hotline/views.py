"""工单导入 pages for the hub: upload and check a 12345 export, confirm it, watch the worker
import it; the platforms' column mappings (来源); 回传, the period's results as the city
platform's workbook (read through ``replies``).

Thin: the checks and writes are ``services``'; the import is ``tasks.hotline_import_start``.
Every page is the hub's (``services.check_may_import``: 403 for other roles).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from huying.cases.models import Case
from huying.cases.xlsx import CONTENT_TYPE
from huying.core.errors import DomainError, NotFound, PermissionDenied
from huying.core.web import file_download, form_error
from huying.hotline import importing, services
from huying.hotline.forms import MappingForm, SampleForm, SourceForm, UploadForm
from huying.hotline.models import HotlineImport, HotlineSource, ImportState
from huying.hotline.replies import (
    COLUMNS,
    REPLY_ROLES,
    all_replies,
    replies_filename,
    replies_workbook,
    reply_page,
    tickets_answered,
)
from huying.hotline.tasks import hotline_import_start
from huying.org.actors import Actor
from huying.org.web import staff_view

#: Past imports the list shows.
LIST_ROWS = 50
#: Created cases the result links to (the list of cases has them all: source 12345).
CASE_LINKS = 20
NAV = "hotline"


def _hub(request: HttpRequest) -> Actor:
    """The hub's pages do not exist for other roles (404, as the 待定位 and 回传 pages)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    try:
        services.check_may_import(actor)
    except PermissionDenied:
        raise NotFound(_("页面不存在")) from None
    return actor


def _imports_page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    past = (
        services.imports_visible_to(actor)
        .select_related("requested_by", "source")
        .exclude(state=ImportState.CHECKED)[:LIST_ROWS]
    )
    context = {
        "form": form,
        "past": past,
        "sources": HotlineSource.objects.all(),
        "max_mb": services.MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_rows": importing.MAX_ROWS,
        "nav": NAV,
    }
    return render(request, "hotline/imports.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_view
def imports(request: HttpRequest) -> HttpResponse:
    """The upload form and the past imports; POST checks the file (nothing imported) and
    shows its preview."""
    actor = _hub(request)
    if request.method == "GET":
        return _imports_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _imports_page(request, form, status=422)
    upload = form.cleaned_data["file"]
    try:
        services.check_upload(file_name=upload.name, size=upload.size)
        record, _plan = services.hotline_import_check(
            actor=actor,
            data=upload.read(),
            file_name=upload.name,
            source=form.cleaned_data["source"],
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        form_error(form, exc)
        return _imports_page(request, form, status=exc.status)
    return redirect("hotline:import", record.pk)


def _import_context(record: HotlineImport) -> dict[str, Any]:
    context: dict[str, Any] = {"record": record, "nav": NAV}
    if record.state == ImportState.CHECKED:
        plan = services.import_plan(record)
        context |= {
            "counts": plan.counts(),
            "rows": services.preview_rows(plan),
            "headers": list(dict.fromkeys(h for r in plan.rows[:1] for h in r.raw)),
            "has_errors": any(r.errors for r in plan.rows),
        }
    elif record.state == ImportState.DONE:
        ids = record.created_cases[:CASE_LINKS]
        context["cases"] = Case.objects.filter(pk__in=ids).only("pk", "number", "title")
    return context


@never_cache
@staff_view
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """The preview (checked), the progress (polled by htmx), or the result."""
    actor = _hub(request)
    record = services.import_get(actor, import_id)
    template = "hotline/import.html"
    if request.htmx and record.state != ImportState.CHECKED:  # type: ignore[attr-defined]
        template += "#progress"
    try:
        context = _import_context(record)
    except DomainError as exc:
        context = {"record": record, "failure": exc.message, "nav": NAV}
    return render(request, template, context)


@require_POST
@staff_view
def import_confirm(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = _hub(request)
    hotline_import_start(actor=actor, import_id=import_id)
    return redirect("hotline:import", import_id)


@never_cache
@staff_view
def import_errors(request: HttpRequest, import_id: int) -> HttpResponse:
    """The bad rows as an XLSX (the check's, or the import's once it ran)."""
    actor = _hub(request)
    record = services.import_get(actor, import_id)
    report = services.error_report_of(record)
    if report is None:
        raise NotFound(_("没有出错的行"))
    stamp = f"{timezone.localtime(record.created_at):%Y%m%d-%H%M}"
    return file_download(
        io.BytesIO(report),
        filename=_("12345工单导入错误-{time}.xlsx").format(time=stamp),
        content_type=CONTENT_TYPE,
    )


# --- sources and their column mappings -----------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view
def sources(request: HttpRequest) -> HttpResponse:
    actor = _hub(request)
    form = SourceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                source = services.hotline_source_create(actor=actor, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request, _("已新建来源「{name}」，请设置列对应").format(name=source.name)
                )
                return redirect("hotline:source", source.pk)
        status = 422
    context = {"form": form, "sources": HotlineSource.objects.all(), "nav": NAV}
    return render(request, "hotline/sources.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_view
def source_mapping(request: HttpRequest, source_id: int) -> HttpResponse:
    """The mapping editor: the headers of a sample export (or those mapped now), each to a
    field or to 不导入. POST ``sample``: list a file's headers; POST ``save``: save."""
    actor = _hub(request)
    source = HotlineSource.objects.filter(pk=source_id).first()
    if source is None:
        raise NotFound(_("来源不存在"))
    current = services.mapping_of(source)
    sample = SampleForm()
    headers = list(current)
    form: MappingForm | None = None
    status = 200
    if request.method == "POST" and "sample" in request.POST:
        sample = SampleForm(request.POST, request.FILES)
        if sample.is_valid():
            upload = sample.cleaned_data["file"]
            try:
                services.check_upload(file_name=upload.name, size=upload.size)
                headers = importing.read_headers(upload.read(), upload.name)
            except DomainError as exc:
                form_error(sample, exc)
                status = exc.status
            else:
                if not headers:
                    sample.add_error("file", _("文件第一行没有表头"))
                    status = 422
                # A header the saved mapping does not know yet: the common export's guess.
                defaults = importing.DEFAULT_MAPPING
                current = {h: current.get(h) or defaults.get(h, "") for h in headers}
        else:
            status = 422
    elif request.method == "POST":
        headers = [h for h in request.POST.getlist("header")[:200] if h.strip()]
        form = MappingForm(request.POST, headers=headers, current=current)
        if form.is_valid():
            try:
                services.hotline_source_map(
                    actor=actor, source_id=source.pk, mapping=form.mapping()
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("已保存「{name}」的列对应").format(name=source.name))
                return redirect("hotline:source", source.pk)
        status = 422
    if form is None:
        form = MappingForm(headers=headers, current=current)
    context = {"source": source, "form": form, "sample": sample, "nav": NAV}
    return render(request, "hotline/source.html", context, status=status)


# --- 回传 ---------------------------------------------------------------------------------


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
                response = HttpResponse(data, content_type=CONTENT_TYPE)
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
