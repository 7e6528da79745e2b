"""街长制 pages: the public boards (no sign-in; page and A3 PDF) and the keepers' pages."""

from __future__ import annotations

import json
from typing import Any, TypeVar
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from huying.cases.callsheet import render_pdf
from huying.cases.map_views import map_config_base
from huying.core.errors import DomainError
from huying.core.geo import from_wgs84
from huying.core.spreadsheets import row_errors
from huying.core.web import form_error
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.org.web import change_rows, staff_view
from huying.roads import selectors, services
from huying.roads.board import COLOURS, board_context, legend
from huying.roads.models import Duty, Road, Segment, SegmentPerson

# --- public -------------------------------------------------------------------------------------


@require_GET
def boards(request: HttpRequest) -> HttpResponse:
    roads = (
        Road.objects.select_related("street")
        .filter(segments__isnull=False)
        .distinct()
        .order_by("street__code", "name")
    )
    return render(request, "roads/boards.html", {"roads": roads})


def _road(road_id: int) -> Road:
    return get_object_or_404(Road.objects.select_related("street"), pk=road_id)


@require_GET
def board(request: HttpRequest, road_id: int) -> HttpResponse:
    return render(request, "roads/board.html", board_context(_road(road_id)))


@require_GET
def board_pdf(request: HttpRequest, road_id: int) -> HttpResponse:
    context = board_context(_road(road_id))
    pdf = render_pdf(render_to_string("roads/board_print.html", context))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = quote(f"{context['title']}.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    return response


# --- the keepers' pages -------------------------------------------------------------------------


def _keeper(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not selectors.streets_kept_by(actor).exists():
        raise Http404
    return actor


class RoadForm(forms.Form):
    street_id = forms.TypedChoiceField(label=gettext_lazy("街道"), coerce=int)
    name = forms.CharField(label=gettext_lazy("道路名称"), max_length=60)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=500)


class SegmentForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("路段编号"), max_length=32)
    name = forms.CharField(
        label=gettext_lazy("路段名称"),
        max_length=80,
        help_text=gettext_lazy("如：石油大街至兴隆大街段"),
    )
    line = forms.CharField(
        label=gettext_lazy("路段走向（GeoJSON LineString，WGS-84）"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    patrol_range = forms.CharField(label=gettext_lazy("巡查范围"), required=False, max_length=200)
    duties = forms.CharField(
        label=gettext_lazy("岗位职责"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_line(self) -> Any:
        try:
            return json.loads(self.cleaned_data["line"])
        except ValueError:
            raise ValidationError(_("路段走向不是有效的 JSON")) from None


class PersonForm(forms.Form):
    duty = forms.ChoiceField(label=gettext_lazy("职责"), choices=Duty.choices)
    user_id = forms.TypedChoiceField(
        label=gettext_lazy("人员"), required=False, coerce=int, empty_value=None
    )
    name = forms.CharField(
        label=gettext_lazy("姓名"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("执法、绿化联系人可只填姓名"),
    )
    unit_id = forms.TypedChoiceField(
        label=gettext_lazy("所属单位"), required=False, coerce=int, empty_value=None
    )
    shop_name = forms.CharField(label=gettext_lazy("店铺名称"), required=False, max_length=80)
    shop_address = forms.CharField(label=gettext_lazy("店铺地址"), required=False, max_length=120)
    public_phone = forms.CharField(
        label=gettext_lazy("公示电话"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("印在公示栏上的工作电话，不是本人手机"),
    )

    def __init__(self, street: OrgUnit, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grants = (
            RoleGrant.objects.filter(
                role__in=(Role.GRID_WORKER, Role.STREET_CHIEF),
                unit__kind=OrgUnit.Kind.GRID,
                unit__path__startswith=street.path,
            )
            .select_related("user", "unit")
            .order_by("role", "unit__code", "user__first_name")
        )
        people: dict[str, list[tuple[str, str]]] = {}
        for g in grants:
            label = f"{g.user.get_full_name() or g.user.username} · {g.unit.name}"
            people.setdefault(str(g.get_role_display()), []).append((str(g.user_id), label))
        self.fields["user_id"].choices = [("", "—"), *people.items()]  # type: ignore[attr-defined]
        units = OrgUnit.objects.filter(
            kind__in=(OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.FIELD_UNIT), is_active=True
        ).order_by("code")
        self.fields["unit_id"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(u.pk), u.name) for u in units.only("name")),
        ]


#: The field names in the change log, as the forms call them.
CHANGE_LABELS = {
    name: field.label
    for form in (RoadForm, SegmentForm, PersonForm)
    for name, field in form.base_fields.items()
} | {
    "user": gettext_lazy("人员"),
    "unit": gettext_lazy("所属单位"),
    "road": gettext_lazy("道路"),
    "street": gettext_lazy("街道"),
    "order": gettext_lazy("顺序"),
}


def _map_config(found: list[Segment]) -> dict[str, Any]:
    """The segments for the keepers' map, in the tiles' coordinate system."""
    config = map_config_base()
    project = from_wgs84(config["system"]["code"])
    features = []
    for segment in found:
        feature = selectors.feature(segment)
        points = [project(lat, lng) for lng, lat in segment.line["coordinates"]]
        feature["geometry"] = {
            "type": "LineString",
            "coordinates": [[lng, lat] for lat, lng in points],
        }
        features.append(feature)
    config["segments"] = {"type": "FeatureCollection", "features": features}
    config["colours"] = {str(k): v for k, v in COLOURS.items()}
    return config


class ImportForm(forms.Form):
    street_id = forms.TypedChoiceField(label=gettext_lazy("街道"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("GeoJSON 文件"),
        help_text=gettext_lazy(
            "FeatureCollection，每条路段一个 LineString，properties 写 road（道路名称）、"
            "code（路段编号）、name（路段名称），可选 patrol_range、duties；"
            "编号已有的路段按文件重画"
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("文件不能超过 2 MB"))
        try:
            return json.loads(upload.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise ValidationError(_("文件不是有效的 GeoJSON（UTF-8 编码的 JSON）")) from None


#: A GeoJSON file of a street's segments is kilobytes; the bound keeps a wrong file out.
MAX_IMPORT_BYTES = 2 * 1024 * 1024


StreetForm = TypeVar("StreetForm", RoadForm, ImportForm)


def _with_streets(actor: Actor, form: StreetForm) -> StreetForm:
    """The form's street choices: the streets the person keeps."""
    streets = selectors.streets_kept_by(actor)
    form.fields["street_id"].choices = [(s.pk, s.name) for s in streets]  # type: ignore[attr-defined]
    return form


def _manage_page(
    request: HttpRequest,
    actor: Actor,
    *,
    form: RoadForm | None = None,
    import_form: ImportForm | None = None,
    import_errors: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    form = form or _with_streets(actor, RoadForm())
    import_form = import_form or _with_streets(actor, ImportForm())
    roads = list(selectors.roads_kept_by(actor))
    segments = list(selectors.segments().filter(road__in=roads))
    context = {
        "roads": roads,
        "form": form,
        "import_form": import_form,
        "import_errors": import_errors,
        "map_config": _map_config(segments),
        "legend": legend(),
        "nav": "roads",
    }
    return render(request, "roads/manage.html", context, status=status)


@staff_view
def manage(request: HttpRequest) -> HttpResponse:
    actor = _keeper(request)
    if request.method != "POST":
        return _manage_page(request, actor)
    form = _with_streets(actor, RoadForm(request.POST))
    if form.is_valid():
        try:
            road = services.road_create(actor=actor, now=timezone.now(), **form.cleaned_data)
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已添加道路「{name}」").format(name=road.name))
            return redirect("roads:road", road_id=road.pk)
    return _manage_page(request, actor, form=form, status=422)


@require_POST
@staff_view
def segments_import(request: HttpRequest) -> HttpResponse:
    actor = _keeper(request)
    form = _with_streets(actor, ImportForm(request.POST, request.FILES))
    errors = None
    if form.is_valid():
        try:
            created, redrawn = services.segments_import(
                actor=actor,
                street_id=form.cleaned_data["street_id"],
                collection=form.cleaned_data["file"],
                now=timezone.now(),
            )
        except DomainError as exc:
            errors = row_errors(exc)
            if errors is None:
                _refused(form, exc)
        else:
            messages.success(
                request,
                _("已导入：新增 {created} 个路段，重画 {redrawn} 个").format(
                    created=created, redrawn=redrawn
                ),
            )
            return redirect("roads:manage")
    return _manage_page(request, actor, import_form=form, import_errors=errors, status=422)


def _refused(form: forms.Form, exc: DomainError) -> None:
    if exc.status == 404:  # never dress up "does not exist" as a form error
        raise exc
    form_error(form, exc)


def _kept_road(actor: Actor, road_id: int) -> Road:
    road = selectors.roads_kept_by(actor).filter(pk=road_id).first()
    if road is None:
        raise Http404
    return road


def _road_page(
    request: HttpRequest,
    road: Road,
    *,
    segment_form: SegmentForm | None = None,
    person_forms: dict[int, PersonForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    segments = list(selectors.segments(road_id=road.pk))
    person_forms = person_forms or {}
    for segment in segments:
        segment.person_form = person_forms.get(segment.pk) or PersonForm(  # type: ignore[attr-defined]
            road.street, prefix=f"p{segment.pk}"
        )
    context = {
        "road": road,
        "segments": segments,
        "segment_form": segment_form or SegmentForm(),
        "map_config": _map_config(segments),
        "changes": change_rows(selectors.road_changes(road), CHANGE_LABELS),
        "legend": legend(),
        "nav": "roads",
    }
    return render(request, "roads/road.html", context, status=status)


@staff_view
def road_page(request: HttpRequest, road_id: int) -> HttpResponse:
    actor = _keeper(request)
    road = _kept_road(actor, road_id)
    if request.method != "POST":
        return _road_page(request, road)
    form = SegmentForm(request.POST)
    if form.is_valid():
        try:
            segment = services.segment_create(
                actor=actor, road=road, now=timezone.now(), **form.cleaned_data
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已添加路段「{code}」").format(code=segment.code))
            return redirect("roads:road", road_id=road.pk)
    return _road_page(request, road, segment_form=form, status=422)


@staff_view
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    actor = _keeper(request)
    segment = get_object_or_404(Segment.objects.select_related("road__street"), pk=segment_id)
    road = _kept_road(actor, segment.road_id)
    initial = {
        "code": segment.code,
        "name": segment.name,
        "line": json.dumps(segment.line, ensure_ascii=False),
        "patrol_range": segment.patrol_range,
        "duties": segment.duties,
    }
    form = SegmentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.segment_update(
                    actor=actor, segment=segment, now=timezone.now(), **form.cleaned_data
                )
            except DomainError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("已保存路段「{code}」").format(code=segment.code))
                return redirect("roads:road", road_id=road.pk)
    context = {"road": road, "segment": segment, "form": form, "nav": "roads"}
    return render(request, "roads/segment_form.html", context, status=status)


@require_POST
@staff_view
def person_add(request: HttpRequest, segment_id: int) -> HttpResponse:
    actor = _keeper(request)
    segment = get_object_or_404(Segment.objects.select_related("road__street"), pk=segment_id)
    road = _kept_road(actor, segment.road_id)
    form = PersonForm(road.street, request.POST, prefix=f"p{segment.pk}")
    if form.is_valid():
        try:
            person = services.person_add(
                actor=actor, segment=segment, now=timezone.now(), **form.cleaned_data
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("已添加{duty}「{name}」").format(
                    duty=person.get_duty_display(), name=person.name
                ),
            )
            return redirect(reverse("roads:road", args=[road.pk]) + f"#seg-{segment.pk}")
    return _road_page(request, road, person_forms={segment.pk: form}, status=422)


@require_POST
@staff_view
def person_remove(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _keeper(request)
    person = get_object_or_404(SegmentPerson.objects.select_related("segment"), pk=person_id)
    road = _kept_road(actor, person.segment.road_id)
    services.person_remove(actor=actor, person_id=person.pk, now=timezone.now())
    messages.success(request, _("已移除「{name}」").format(name=person.name))
    return redirect(reverse("roads:road", args=[road.pk]) + f"#seg-{person.segment_id}")
