"""Phone pages for a patrol: start, tick the duty checklist, add companions, report findings,
end, history. The track goes from the page's script to the API while the patrol is open."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from huying.core.errors import DomainError, InvalidInput
from huying.grid import selectors, services
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.web import staff_view


class PositionForm(forms.Form):
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180)
    grid_id = forms.TypedChoiceField(
        label=gettext_lazy("巡查网格"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(
        label=gettext_lazy("巡查记录"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, actor: Actor, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        grids = (
            OrgUnit.objects.filter(
                kind=OrgUnit.Kind.GRID, is_active=True, path__startswith=actor.unit.path
            )
            .order_by("code")
            .values_list("pk", "name")[:200]
        )
        self.fields["grid_id"].choices = [("", _("本人网格")), *((str(pk), n) for pk, n in grids)]  # type: ignore[attr-defined]


@staff_view
def patrol_home(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    current = selectors.open_patrol(actor)
    context = {
        "current": current,
        "checklist": list(current.checklist.all()) if current else [],
        "companions": list(current.companions.select_related("user", "unit")) if current else [],
        "candidates": selectors.companion_candidates(current) if current else {},
        "history": list(selectors.patrols_of(actor)[:20]),
        "form": PositionForm(actor),
        "nav": "patrol",
    }
    return render(request, "grid/patrol.html", context)


def _position(request: HttpRequest, actor: Actor) -> PositionForm:
    form = PositionForm(actor, request.POST)
    if not form.is_valid():
        raise InvalidInput(_("位置或网格无效"), errors=form.errors.get_json_data())
    return form


@require_POST
@staff_view
def patrol_start(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    data = _position(request, actor).cleaned_data
    try:
        services.patrol_start(
            actor=actor, grid_id=data["grid_id"], lat=data["lat"], lng=data["lng"]
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("巡查已开始，发现问题请点“上报发现”"))
    return redirect("grid:patrol")


@require_POST
@staff_view
def patrol_end(request: HttpRequest, patrol_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    data = _position(request, actor).cleaned_data
    try:
        patrol = services.patrol_end(
            actor=actor, patrol_id=patrol_id, note=data["note"], lat=data["lat"], lng=data["lng"]
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        count = patrol.findings.count()
        messages.success(
            request,
            ngettext(
                "巡查已结束，共上报 {count} 个问题", "巡查已结束，共上报 {count} 个问题", count
            ).format(count=count),
        )
    return redirect("grid:patrol")


def _outcome(request: HttpRequest, action: Callable[[], object], success: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("grid:patrol")


@require_POST
@staff_view
def patrol_checklist(request: HttpRequest, patrol_id: int) -> HttpResponse:
    """The whole checklist in one form: each line's box and note; only changed lines are
    written."""
    actor: Actor = request.actor  # type: ignore[attr-defined]

    def save() -> None:
        patrol = selectors.patrol_detail(actor, patrol_id)
        for line in patrol.checklist.all():
            done = request.POST.get(f"done-{line.pk}") == "on"
            note = request.POST.get(f"note-{line.pk}", line.note)
            if (done, note.strip()) != (line.done, line.note):
                services.patrol_tick(
                    actor=actor, patrol_id=patrol_id, duty_id=line.pk, done=done, note=note
                )

    return _outcome(request, save, _("巡查职责已保存"))


@require_POST
@staff_view
def companion_add(request: HttpRequest, patrol_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    raw = request.POST.get("user_id", "")
    if not raw.isdigit():
        messages.error(request, _("请选择陪同人"))
        return redirect("grid:patrol")
    return _outcome(
        request,
        lambda: services.companion_add(actor=actor, patrol_id=patrol_id, user_id=int(raw)),
        _("已登记陪同人"),
    )


@require_POST
@staff_view
def companion_remove(request: HttpRequest, patrol_id: int, companion_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return _outcome(
        request,
        lambda: services.companion_remove(
            actor=actor, patrol_id=patrol_id, companion_id=companion_id
        ),
        _("已取消陪同人"),
    )
