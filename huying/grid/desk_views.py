"""Pages of the grid network: the district's duty template (the admin's), a grid's page with
its duty list (edited there by the grid's leaders), a patrol's page with its checklist,
companions and track map, and the weekly 三陪同 compliance table with its XLSX export."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from huying.cases.map_views import grid_features, map_config_base
from huying.catalogue.selectors import current_items
from huying.core.changelog import object_type
from huying.core.errors import DomainError, InvalidInput
from huying.core.geo import from_wgs84
from huying.core.models import ChangeLog
from huying.core.web import file_download
from huying.grid import duties, selectors, xlsx
from huying.grid.models import DutyTemplate, GridDuty
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role
from huying.org.roles import may_manage
from huying.org.web import ACTION_LABELS, admin_view, staff_view


class DutyForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("职责"), required=False, max_length=200)
    item_id = forms.TypedChoiceField(
        label=gettext_lazy("或选清单事项"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, district_id: int | None, **kwargs: Any) -> None:
        """``district_id``: whose current catalogue the items come from (None: a city role's,
        every district's; the service then refuses an item of another district than the
        grid's)."""
        super().__init__(*args, **kwargs)
        items = current_items(district_id).values_list("pk", "code", "name")
        self.fields["item_id"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(pk), f"{code} {name}") for pk, code, name in items),
        ]


def _change_rows(records: Any) -> list[dict[str, Any]]:
    """Duty-list change-log records, for a page: when, who, what, before → after."""
    roles = dict(Role.choices)
    return [
        {
            "at": r.at,
            "who": r.username or _("系统"),
            "role": roles.get(r.role, ""),
            "action": ACTION_LABELS.get(r.action, r.action),
            "duty": r.object_repr,
            "before": (r.before or {}).get("text", ""),
            "after": (r.after or {}).get("text", ""),
            "position": "position" in (r.after or {}) and r.action == "update",
            "removed": (r.after or {}).get("is_active") is False or r.action == "delete",
            "restored": (r.after or {}).get("is_active") is True and r.action == "update",
            "copied": (r.after or {}) if r.action == "duties_copy" else None,
        }
        for r in records
    ]


def _duty_changes(grid_duties: list[GridDuty]) -> list[dict[str, Any]]:
    """The change log of this grid's duties, newest first."""
    records = ChangeLog.objects.filter(
        object_type=object_type(GridDuty()), object_id__in=[str(d.pk) for d in grid_duties]
    ).order_by("-id")[:30]
    return _change_rows(records)


@staff_view
def grid_page(request: HttpRequest, grid_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    grid = selectors.grid_visible(actor, grid_id)
    active = list(selectors.grid_duties(grid))
    removed = list(selectors.grid_duties(grid, removed=True))
    context = {
        "grid": grid,
        "community": grid.parent,
        "duties": active,
        "removed": removed,
        "can_edit": duties.may_edit_duties(actor, grid),
        "from_template": any(d.template_id for d in active + removed),
        "manages_template": may_manage(actor.role),
        "form": DutyForm(district_id=grid.district_id),
        "changes": _duty_changes(active + removed),
        "patrols": list(
            selectors.patrols_visible(actor).filter(grid=grid).order_by("-started_at")[:10]
        ),
    }
    return render(request, "grid/grid.html", context)


def _done(request: HttpRequest, grid_id: int, action: Any) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return redirect("grids:grid", grid_id=grid_id)


@require_POST
@staff_view
def duty_add(request: HttpRequest, grid_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = DutyForm(request.POST, district_id=actor.district_id)
    if not form.is_valid():
        raise InvalidInput(_("职责或清单事项无效"), errors=form.errors.get_json_data())
    data = form.cleaned_data
    return _done(
        request,
        grid_id,
        lambda: duties.duty_add(
            actor=actor, grid_id=grid_id, text=data["text"], item_id=data["item_id"]
        ),
    )


@require_POST
@staff_view
def duty_edit(request: HttpRequest, grid_id: int, duty_id: int) -> HttpResponse:
    """One form per duty: save its text, remove or restore it, or move it up or down."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    op = request.POST.get("op", "save")
    if op in ("up", "down"):
        return _done(
            request,
            grid_id,
            lambda: duties.duty_move(actor=actor, grid_id=grid_id, duty_id=duty_id, up=op == "up"),
        )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        raise InvalidInput(_("版本号无效"), field="version") from None
    changes: dict[str, Any] = {}
    if op == "save":
        changes["text"] = request.POST.get("text", "")
    else:
        changes["is_active"] = op == "restore"
    return _done(
        request,
        grid_id,
        lambda: duties.duty_update(
            actor=actor, grid_id=grid_id, duty_id=duty_id, version=version, **changes
        ),
    )


# The district's template (the admin's back office) ---------------------------------------


def _template_changes(district: OrgUnit) -> list[dict[str, Any]]:
    """The template's change log, newest first: its lines' edits (removed lines included:
    only the district's admins write them) and each copy to the grids."""
    records = ChangeLog.objects.filter(
        Q(object_type=object_type(DutyTemplate()), actor_unit_id=district.pk)
        | Q(object_type=object_type(district), object_id=str(district.pk), action="duties_copy")
    ).order_by("-id")[:30]
    return _change_rows(records)


@admin_view
def template_page(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = DutyForm(district_id=actor.district_id)
    context = {
        "lines": list(selectors.template_overview(actor)),
        "form": form,
        "item_choices": form.fields["item_id"].choices,  # type: ignore[attr-defined]
        "grid_count": OrgUnit.objects.filter(
            kind=OrgUnit.Kind.GRID, is_active=True, path__startswith=actor.unit.path
        ).count(),
        "changes": _template_changes(actor.unit),
        "nav": "manage",
        "tab": "grids",
    }
    return render(request, "grid/template.html", context)


def _template_done(request: HttpRequest, action: Any, success: Any) -> HttpResponse:
    try:
        result = action()
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, success(result))
    return redirect("grids:template")


@require_POST
@admin_view
def template_add(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = DutyForm(request.POST, district_id=actor.district_id)
    if not form.is_valid():
        raise InvalidInput(_("职责或清单事项无效"), errors=form.errors.get_json_data())
    data = form.cleaned_data
    return _template_done(
        request,
        lambda: duties.template_add(actor=actor, text=data["text"], item_id=data["item_id"]),
        lambda line: _("已在模板中新增「{text}」").format(text=line.text),
    )


@require_POST
@admin_view
def template_edit(request: HttpRequest, line_id: int) -> HttpResponse:
    """One form per line: save its text and item, remove it, or move it up or down."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    op = request.POST.get("op", "save")
    if op in ("up", "down"):
        return _template_done(
            request,
            lambda: duties.template_move(actor=actor, line_id=line_id, up=op == "up"),
            lambda _line: _("已调整顺序"),
        )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        raise InvalidInput(_("版本号无效"), field="version") from None
    if op == "remove":
        return _template_done(
            request,
            lambda: duties.template_remove(actor=actor, line_id=line_id, version=version),
            lambda kept: ngettext(
                "已从模板删除；{count} 个网格已有的这一项保留，归网格自己",
                "已从模板删除；{count} 个网格已有的这一项保留，归网格自己",
                kept,
            ).format(count=kept),
        )
    form = DutyForm(request.POST, district_id=actor.district_id)
    if not form.is_valid():
        raise InvalidInput(_("职责或清单事项无效"), errors=form.errors.get_json_data())
    data = form.cleaned_data
    return _template_done(
        request,
        lambda: duties.template_update(
            actor=actor,
            line_id=line_id,
            version=version,
            text=data["text"],
            item_id=data["item_id"],
        ),
        lambda _line: _("模板已保存；已复制到网格的职责不变"),
    )


@require_POST
@admin_view
def template_copy(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return _template_done(
        request,
        lambda: duties.template_copy(actor=actor),
        lambda result: _("已复制到 {grids} 个网格，新增 {added} 条职责").format(
            grids=result.grids, added=result.added
        ),
    )


@staff_view
def patrol_page(request: HttpRequest, patrol_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    patrol = selectors.patrol_detail(actor, patrol_id)
    context = {
        "patrol": patrol,
        "checklist": list(patrol.checklist.all()),
        "companions": list(patrol.companions.select_related("user", "unit")),
        "findings": list(patrol.findings.select_related("case")),
        "mine": patrol.worker_id == actor.user.pk,
    }
    return render(request, "grid/patrol_detail.html", context)


@never_cache
@staff_view
def patrol_geo(request: HttpRequest, patrol_id: int) -> HttpResponse:
    """The patrol's track and its grid's outline, in the tiles' coordinate system."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    patrol = selectors.patrol_detail(actor, patrol_id)
    system = settings.HUYING_MAP_COORDS
    convert = from_wgs84(system)
    track = [[round(c, 6) for c in convert(p[0], p[1])] for p in patrol.track]
    outline = grid_features(system).get(patrol.grid_id)
    body = {**map_config_base(), "grid": json.loads(outline) if outline else None, "track": track}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )


class ComplianceForm(forms.Form):
    street = forms.TypedChoiceField(
        label=gettext_lazy("街道"), required=False, coerce=int, empty_value=None
    )
    weeks = forms.TypedChoiceField(
        label=gettext_lazy("周数"),
        coerce=int,
        choices=[(str(n), str(n)) for n in (1, 2, 4, 8, 13)],
    )

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [  # type: ignore[attr-defined]
            (str(s.pk), s.name) for s in selectors.compliance_streets(actor)
        ]


def _compliance(request: HttpRequest) -> tuple[ComplianceForm, selectors.Compliance]:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.setdefault("weeks", "4")
    form = ComplianceForm(actor, query)
    if not form.is_valid():
        raise InvalidInput(_("筛选条件无效"), errors=form.errors.get_json_data())
    data = form.cleaned_data
    return form, selectors.compliance(actor, street_id=data["street"], weeks=data["weeks"])


@staff_view
def compliance_page(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form, table = _compliance(request)
    recent = (
        selectors.patrols_visible(actor)
        .filter(grid__path__startswith=table.street.path)
        .order_by("-started_at")[:20]
    )
    context = {
        "form": form,
        "table": table,
        "recent": list(recent),
        "query": request.GET.urlencode(),
        "nav": "patrols",
    }
    return render(request, "grid/compliance.html", context)


@never_cache
@staff_view
def compliance_export(request: HttpRequest) -> HttpResponse:
    _form, table = _compliance(request)
    return compliance_xlsx(table)


def compliance_xlsx(table: selectors.Compliance) -> HttpResponse:
    """The table as the page's export and the API's download give it."""
    return file_download(
        xlsx.compliance_workbook(table),
        filename=_("三陪同-{street}-{day}.xlsx").format(
            street=table.street.name, day=f"{table.weeks[-1]:%Y%m%d}"
        ),
        content_type=xlsx.CONTENT_TYPE,
    )
