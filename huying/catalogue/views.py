"""Console pages for the item catalogue (清单管理): versions, items by class, item forms.

Admins only (``admin_view``: 404 for every other role), each of its district's catalogue
(a city admin picks the district: ``?district=``). Published versions are read-only history;
changes go into a draft version that is then published in one step.
"""

from __future__ import annotations

import base64
import io
import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huying.catalogue import selectors, services
from huying.catalogue.forms import ImportForm, ItemForm
from huying.catalogue.models import Catalogue, CatalogueItem
from huying.catalogue.xlsx import (
    XLSX,
    ImportResult,
    catalogue_export,
    catalogue_import,
    error_report,
    export_filename,
)
from huying.core.changelog import changes_for
from huying.core.errors import DomainError, InvalidInput, NotFound
from huying.core.spreadsheets import row_errors
from huying.core.web import file_download, form_error
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.web import admin_view, change_rows

NAV = {"nav": "manage", "tab": "catalogue"}
#: Field names → their (lazy) labels, for the change log.
ITEM_LABELS = {name: field.label for name, field in ItemForm.base_fields.items()}
VERSION_LABELS = {
    "current_version": gettext_lazy("现行版本"),
    "version": gettext_lazy("版本"),
    "source_version": gettext_lazy("复制自"),
    "name": gettext_lazy("名称"),
    "file": gettext_lazy("文件"),
    "classes": gettext_lazy("类别"),
    "items": gettext_lazy("事项"),
}


def _status(catalogue: Catalogue) -> str:
    if catalogue.is_current:
        return _("现行")
    return _("草稿") if catalogue.is_draft else _("历史版本")


def _district(request: HttpRequest) -> OrgUnit:
    """The district whose catalogue the page keeps: the admin's own; a city admin's choice
    (``?district=``), the first district before one is chosen."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    districts = selectors.managed_districts(actor)
    chosen = request.GET.get("district", "")
    district = districts.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    district = district or districts.first()
    if district is None:
        raise NotFound(_("还没有区"))
    return district


def _versions_page(request: HttpRequest, status: int = 200, **imported: Any) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    district = _district(request)
    versions = list(selectors.catalogue_versions(district.pk))
    for v in versions:
        v.status = _status(v)  # type: ignore[attr-defined]
    context = {
        "district": district,
        # A city admin keeps every district's catalogue: it picks one.
        "districts": selectors.managed_districts(actor) if actor.district_id is None else None,
        "versions": versions,
        "draft": selectors.draft_catalogue(district.pk),
        "current": selectors.current_catalogue(district.pk),
        "import_form": ImportForm(),
        **imported,
        **NAV,
    }
    return render(request, "catalogue/manage/versions.html", context, status=status)


@admin_view
def version_list(request: HttpRequest) -> HttpResponse:
    return _versions_page(request)


def _version_context(catalogue: Catalogue) -> dict[str, Any]:
    return {
        "catalogue": catalogue,
        "status": _status(catalogue),
        "classes": selectors.items_by_class(catalogue),
        "draft": selectors.draft_catalogue(catalogue.district_id),
        "changes": change_rows(changes_for(catalogue), VERSION_LABELS),
        **NAV,
    }


@admin_view
def version_detail(request: HttpRequest, catalogue_id: int) -> HttpResponse:
    catalogue = selectors.catalogue_get(request.actor, catalogue_id)  # type: ignore[attr-defined]
    return render(request, "catalogue/manage/version.html", _version_context(catalogue))


@require_POST
@admin_view
def draft_create(request: HttpRequest, catalogue_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    source = selectors.catalogue_get(actor, catalogue_id)
    try:
        draft = services.catalogue_draft_create(actor=actor, source=source, now=timezone.now())
    except InvalidInput as exc:
        context = {**_version_context(source), "error": exc}
        return render(request, "catalogue/manage/version.html", context, status=exc.status)
    messages.success(
        request,
        _("已起草 v{draft}（复制自 v{source}），修改后发布").format(
            draft=draft.version, source=source.version
        ),
    )
    return redirect("catalogue:version", catalogue_id=draft.pk)


@require_POST
@admin_view
def publish(request: HttpRequest, catalogue_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    catalogue = selectors.catalogue_get(actor, catalogue_id)
    if not catalogue.is_draft:
        raise NotFound(_("草稿版本不存在"))
    try:
        services.catalogue_publish(catalogue=catalogue, now=timezone.now(), actor=actor)
    except InvalidInput as exc:
        context = {**_version_context(catalogue), "error": exc}
        return render(request, "catalogue/manage/version.html", context, status=exc.status)
    messages.success(
        request,
        _("v{version} 已发布为现行清单，新受理的事件按此版本").format(version=catalogue.version),
    )
    return redirect("catalogue:version", catalogue_id=catalogue.pk)


def _item_page(
    request: HttpRequest,
    form: ItemForm,
    *,
    catalogue: Catalogue,
    item: CatalogueItem | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "catalogue": catalogue,
        "item": item,
        "changes": change_rows(changes_for(item), ITEM_LABELS) if item else [],
        **NAV,
    }
    return render(request, "catalogue/manage/item_form.html", context, status=status)


@admin_view
def item_create(request: HttpRequest, catalogue_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    catalogue = selectors.catalogue_get(actor, catalogue_id)
    if not catalogue.is_draft:
        raise NotFound(_("草稿版本不存在"))
    if request.method != "POST":
        return _item_page(request, ItemForm(catalogue=catalogue), catalogue=catalogue, item=None)
    form = ItemForm(request.POST, catalogue=catalogue)
    if form.is_valid():
        klass = catalogue.classes.get(pk=form.cleaned_data["klass"])
        try:
            item = services.catalogue_item_create(
                actor=actor, klass=klass, now=timezone.now(), **form.service_kwargs()
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            form_error(form, exc)
        else:
            messages.success(
                request, _("已新增事项「{item}」").format(item=f"{item.code} {item.name}")
            )
            return redirect(reverse("catalogue:version", args=[catalogue.pk]) + f"#item-{item.pk}")
    return _item_page(request, form, catalogue=catalogue, item=None, status=422)


@admin_view
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    item = selectors.item_get(actor, item_id)
    catalogue = item.klass.catalogue
    if request.method != "POST":
        form = ItemForm(catalogue=catalogue, item=item)
        if not catalogue.is_draft:
            for field in form.fields.values():
                field.disabled = True
        return _item_page(request, form, catalogue=catalogue, item=item)
    form = ItemForm(request.POST, catalogue=catalogue, item=item)
    if form.is_valid():
        try:
            services.catalogue_item_update(
                actor=actor, item=item, now=timezone.now(), **form.service_kwargs()
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("已保存事项「{item}」").format(item=f"{item.code} {form.cleaned_data['name']}"),
            )
            return redirect(reverse("catalogue:version", args=[catalogue.pk]) + f"#item-{item.pk}")
    return _item_page(request, form, catalogue=catalogue, item=item, status=422)


# --- XLSX out and in ---------------------------------------------------------------------------

#: The checked file waiting for its confirmation, and the last refused file's error report,
#: in the session: the confirmation imports exactly the file that was checked (checked again).
PENDING_KEY = "catalogue_import"
REPORT_KEY = "catalogue_import_errors"
#: Beyond the row cap, a limit on what the session keeps (a catalogue file is ~100 KB).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


@admin_view
def export(request: HttpRequest, catalogue_id: int) -> HttpResponse:
    """Any version as the XLSX that the import reads back."""
    catalogue = selectors.catalogue_get(request.actor, catalogue_id)  # type: ignore[attr-defined]
    return file_download(
        io.BytesIO(catalogue_export(catalogue)),
        filename=export_filename(catalogue),
        content_type=XLSX,
    )


def _import(
    request: HttpRequest,
    form: ImportForm | None,
    *,
    data: bytes,
    district: OrgUnit,
    file_name: str,
    name: str,
    dry_run: bool,
) -> ImportResult | HttpResponse:
    """Run the import; a refusal comes back on the page (on the upload form when there is
    one; the rows listed, their report kept for download) with its status."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    request.session.pop(REPORT_KEY, None)
    try:
        return catalogue_import(
            actor=actor,
            district=district,
            file=io.BytesIO(data),
            now=timezone.now(),
            dry_run=dry_run,
            name=name,
            file_name=file_name,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        if form is not None:
            form_error(form, exc)
        errors = row_errors(exc)
        report = error_report(io.BytesIO(data), district) if errors else None
        if report is not None:
            request.session[REPORT_KEY] = base64.b64encode(report).decode()
        return _versions_page(
            request,
            import_form=form or ImportForm(),
            import_failure=None if form is not None else exc.message,
            import_errors=errors,
            report_url=reverse("catalogue:import_errors") if report else None,
            status=exc.status,
        )


@require_POST
@admin_view
def import_check(request: HttpRequest) -> HttpResponse:
    """Step 1: check the file (nothing written) and show what would be created, or why not."""
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _versions_page(request, import_form=form, status=422)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        form.add_error("file", _("文件不能超过 2 MB"))
        return _versions_page(request, import_form=form, status=422)
    data = upload.read()
    name = form.cleaned_data["name"]
    district = _district(request)
    outcome = _import(
        request,
        form,
        data=data,
        district=district,
        file_name=upload.name,
        name=name,
        dry_run=True,
    )
    if isinstance(outcome, HttpResponse):
        return outcome
    token = secrets.token_urlsafe(16)
    request.session[PENDING_KEY] = {
        "token": token,
        "file": base64.b64encode(data).decode(),
        "file_name": upload.name,
        "name": name,
        "district": district.pk,
    }
    return _versions_page(request, preview=outcome, token=token)


@require_POST
@admin_view
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: import the checked file as a new draft (every row checked again)."""
    pending = request.session.get(PENDING_KEY) or {}
    token = request.POST.get("token", "").encode()
    district = _district(request)
    if (
        not pending
        or pending.get("district") != district.pk  # the file was checked for another district
        or not secrets.compare_digest(str(pending.get("token", "")).encode(), token)
    ):
        failure = _("检查结果已失效，请重新选择文件并检查")
        return _versions_page(request, import_failure=failure, status=409)
    outcome = _import(
        request,
        None,
        data=base64.b64decode(pending["file"]),
        district=district,
        file_name=pending["file_name"],
        name=pending["name"],
        dry_run=False,
    )
    if isinstance(outcome, HttpResponse):
        return outcome
    request.session.pop(PENDING_KEY, None)
    assert outcome.catalogue is not None
    messages.success(
        request,
        _("已导入为草稿 v{version}「{name}」：{classes} 类 {items} 项，核对后发布").format(
            version=outcome.version,
            name=outcome.name,
            classes=len(outcome.classes),
            items=outcome.items,
        ),
    )
    return redirect("catalogue:version", catalogue_id=outcome.catalogue.pk)


@admin_view
def import_errors(request: HttpRequest) -> HttpResponse:
    """The last refused file's rows, each with its problems, to correct in Excel."""
    report = request.session.get(REPORT_KEY)
    if not report:
        raise NotFound(_("没有可下载的错误清单"))
    return file_download(
        io.BytesIO(base64.b64decode(report)),
        filename=_("事项清单导入错误") + ".xlsx",
        content_type=XLSX,
    )
