"""Console pages for the item catalogue (清单管理): versions, items by class, item forms.

Admins only (``admin_view``: 404 for every other role). Published versions are read-only
history; changes go into a draft version that is then published in one step.
"""

from __future__ import annotations

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
from huying.catalogue.forms import ItemForm
from huying.catalogue.models import Catalogue, CatalogueItem
from huying.core.changelog import changes_for
from huying.core.errors import DomainError, InvalidInput, NotFound
from huying.core.web import form_error
from huying.org.actors import Actor
from huying.org.web import admin_view, change_rows

NAV = {"nav": "manage", "tab": "catalogue"}
#: Field names → their (lazy) labels, for the change log.
ITEM_LABELS = {name: field.label for name, field in ItemForm.base_fields.items()}
VERSION_LABELS = {
    "current_version": gettext_lazy("现行版本"),
    "version": gettext_lazy("版本"),
    "source_version": gettext_lazy("复制自"),
}


def _status(catalogue: Catalogue) -> str:
    if catalogue.is_current:
        return _("现行")
    return _("草稿") if catalogue.is_draft else _("历史版本")


@admin_view
def version_list(request: HttpRequest) -> HttpResponse:
    versions = list(selectors.catalogue_versions())
    for v in versions:
        v.status = _status(v)  # type: ignore[attr-defined]
    context = {
        "versions": versions,
        "draft": selectors.draft_catalogue(),
        "current": selectors.current_catalogue(),
        **NAV,
    }
    return render(request, "catalogue/manage/versions.html", context)


def _version_context(catalogue: Catalogue) -> dict[str, Any]:
    return {
        "catalogue": catalogue,
        "status": _status(catalogue),
        "classes": selectors.items_by_class(catalogue),
        "draft": selectors.draft_catalogue(),
        "changes": change_rows(changes_for(catalogue), VERSION_LABELS),
        **NAV,
    }


@admin_view
def version_detail(request: HttpRequest, catalogue_id: int) -> HttpResponse:
    catalogue = selectors.catalogue_get(catalogue_id)
    return render(request, "catalogue/manage/version.html", _version_context(catalogue))


@require_POST
@admin_view
def draft_create(request: HttpRequest, catalogue_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    source = selectors.catalogue_get(catalogue_id)
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
    catalogue = selectors.catalogue_get(catalogue_id)
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
    catalogue = selectors.catalogue_get(catalogue_id)
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
    item = selectors.item_get(item_id)
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
