"""Pages of the 15-minute life circle: the keepers' list and map (place a point by tapping
the map), the coverage table with a drill-down map per community, the district's kinds, and
the residents' phone page 身边的服务 (no sign-in). Thin over ``services`` and ``selectors``;
a refused write comes back on the form, with nothing changed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from shapely.geometry import mapping
from shapely.ops import unary_union

from huying.cases.map_views import map_config_base
from huying.core.changelog import changes_for
from huying.core.errors import DomainError, NotFound
from huying.core.geo import SYSTEMS, from_wgs84, geometry_from_wgs84, to_wgs84
from huying.core.web import form_error
from huying.lifecircle import rules, selectors, services
from huying.lifecircle.coverage import cell_polygons
from huying.lifecircle.models import ServicePoint
from huying.onewindow.selectors import window_items
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.selectors import grid_index
from huying.org.web import change_rows, staff_view

K = OrgUnit.Kind
DAY_LABELS = {
    "1": gettext_lazy("周一"),
    "2": gettext_lazy("周二"),
    "3": gettext_lazy("周三"),
    "4": gettext_lazy("周四"),
    "5": gettext_lazy("周五"),
    "6": gettext_lazy("周六"),
    "7": gettext_lazy("周日"),
}
#: Simplification of the outlines sent to the browser (degrees; about 5 m).
SIMPLIFY = 0.00005


def _editor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not selectors.may_edit(actor):
        raise NotFound(_("页面不存在"))
    return actor


def _convert_point(lat: float, lng: float) -> list[float]:
    la, ln = from_wgs84(settings.HUYING_MAP_COORDS)(lat, lng)
    return [round(la, 6), round(ln, 6)]


def _outlines(communities: list[OrgUnit]) -> dict[str, Any]:
    """The communities' outlines (each the union of its grids) as GeoJSON in the map's system;
    cached until a grid changes."""
    ids = ",".join(str(c.pk) for c in communities)
    key = f"lifecircle:outlines:{settings.HUYING_MAP_COORDS}:{grid_index.generation}:{hash(ids)}"
    cached: dict[str, Any] | None = cache.get(key)
    if cached is not None:
        return cached
    features = []
    for community in communities:
        area = selectors.community_area(community)
        if area is None:
            continue
        geometry = geometry_from_wgs84(mapping(area.simplify(SIMPLIFY)), settings.HUYING_MAP_COORDS)
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"id": community.pk, "name": community.name},
            }
        )
    body = {"type": "FeatureCollection", "features": features}
    cache.set(key, body, 600)
    return body


def _point_marker(point: ServicePoint) -> dict[str, Any]:
    return {
        "id": point.pk,
        "at": _convert_point(point.lat, point.lng),
        "name": point.name,
        "kind": point.kind.code,
        "kind_name": point.kind.name,
    }


class PointForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    kind_id = forms.TypedChoiceField(label=gettext_lazy("类别"), coerce=int)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200)
    lat = forms.FloatField(
        label=gettext_lazy("纬度"),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "readonly": True}),
    )
    lng = forms.FloatField(
        label=gettext_lazy("经度"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "readonly": True}),
    )
    coords = forms.CharField(required=False, widget=forms.HiddenInput)
    hours_1 = forms.CharField(label=DAY_LABELS["1"], required=False, max_length=100)
    hours_2 = forms.CharField(label=DAY_LABELS["2"], required=False, max_length=100)
    hours_3 = forms.CharField(label=DAY_LABELS["3"], required=False, max_length=100)
    hours_4 = forms.CharField(label=DAY_LABELS["4"], required=False, max_length=100)
    hours_5 = forms.CharField(label=DAY_LABELS["5"], required=False, max_length=100)
    hours_6 = forms.CharField(label=DAY_LABELS["6"], required=False, max_length=100)
    hours_7 = forms.CharField(label=DAY_LABELS["7"], required=False, max_length=100)
    follows_calendar = forms.BooleanField(
        label=gettext_lazy("按工作日历开放（法定节假日休息，调休上班日按周一时间）"),
        required=False,
    )
    phone = forms.CharField(label=gettext_lazy("联系电话"), required=False, max_length=32)
    services = forms.CharField(
        label=gettext_lazy("服务内容（每行一项）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    item_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("可办的一口受理事项"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind_id"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((k.pk, k.name) for k in selectors.kinds()),
        ]
        self.fields["item_ids"].choices = [  # type: ignore[attr-defined]
            (i.pk, i.name) for i in window_items(actor.reach)
        ]
        for day in rules.WEEKDAYS:
            self.fields[f"hours_{day}"].widget.attrs["placeholder"] = "08:30-11:30, 13:30-17:00"

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        system = data.get("coords") or settings.HUYING_MAP_COORDS
        if system not in SYSTEMS:
            system = settings.HUYING_MAP_COORDS
        lat, lng = to_wgs84(system)(data["lat"], data["lng"])
        return {
            "name": data["name"],
            "kind_id": data["kind_id"],
            "address": data["address"],
            "lat": round(lat, 7),
            "lng": round(lng, 7),
            "hours": {
                day: [t for t in (data[f"hours_{day}"] or "").replace("，", ",").split(",")]
                for day in rules.WEEKDAYS
            },
            "follows_calendar": data["follows_calendar"],
            "phone": data["phone"],
            "services": (data["services"] or "").splitlines(),
            "item_ids": data["item_ids"],
        }


def _initial(point: ServicePoint) -> dict[str, Any]:
    lat, lng = _convert_point(point.lat, point.lng)
    return {
        "name": point.name,
        "kind_id": point.kind_id,
        "address": point.address,
        "lat": lat,
        "lng": lng,
        "coords": settings.HUYING_MAP_COORDS,
        **{f"hours_{d}": t for d, t in rules.hours_inputs(point.hours).items()},
        "follows_calendar": point.follows_calendar,
        "phone": point.phone,
        "services": "\n".join(point.services),
        "item_ids": [i.pk for i in point.items.all()],
        "version": point.version,
    }


def _kept_communities(actor: Actor) -> list[OrgUnit]:
    units = OrgUnit.objects.filter(
        under("path", actor.scope_path), kind=K.COMMUNITY, is_active=True
    )
    return list(units.defer("boundary").order_by("code"))


def _map_config(actor: Actor, points: list[ServicePoint], editing: int | None) -> dict[str, Any]:
    return {
        **map_config_base(),
        "coords": settings.HUYING_MAP_COORDS,
        "outlines": _outlines(_kept_communities(actor)),
        "points": [_point_marker(p) for p in points if p.pk != editing],
    }


@staff_view
def manage(request: HttpRequest) -> HttpResponse:
    """The keeper's points (a street's, the district's) on a map and in a table, and the form
    to add one by tapping the map."""
    actor = _editor(request)
    form = PointForm(actor, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                point = services.point_create(actor=actor, now=timezone.now(), **form.values())
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("已添加服务点「{name}」").format(name=point.name))
                return redirect("lifecircle:manage")
        status = 422
    kind = request.GET.get("kind", "")
    points = list(selectors.points_visible_to(actor))
    shown = [p for p in points if not kind or p.kind.code == kind]
    context = {
        "nav": "lifecircle",
        "form": form,
        "points": shown,
        "kinds": list(selectors.kinds()),
        "kind": kind,
        "map_config": _map_config(actor, points, None),
        "days": DAY_LABELS,
    }
    return render(request, "lifecircle/manage.html", context, status=status)


@staff_view
def point_edit(request: HttpRequest, point_id: int) -> HttpResponse:
    actor = _editor(request)
    point = selectors.point_get(actor, point_id)
    form = PointForm(actor, request.POST or None, initial=_initial(point))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.point_update(
                    actor=actor,
                    now=timezone.now(),
                    point_id=point.pk,
                    version=form.cleaned_data["version"] or 0,
                    **form.values(),
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("lifecircle:manage")
        status = 422
    config = _map_config(actor, list(selectors.points_visible_to(actor)), point.pk)
    config["current"] = _convert_point(point.lat, point.lng)
    context = {
        "nav": "lifecircle",
        "form": form,
        "point": point,
        "map_config": config,
        "changes": change_rows(changes_for(point), {}),
    }
    return render(request, "lifecircle/point.html", context, status=status)


@require_POST
@staff_view
def point_delete(request: HttpRequest, point_id: int) -> HttpResponse:
    actor = _editor(request)
    version = request.POST.get("version", "")
    try:
        services.point_delete(
            actor=actor,
            now=timezone.now(),
            point_id=point_id,
            version=int(version) if version.isdigit() else 0,
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("lifecircle:point", point_id)
    messages.success(request, _("已删除服务点"))
    return redirect("lifecircle:manage")


# --- coverage ----------------------------------------------------------------------------------


def _percent(share: float) -> int:
    return int(share * 100 + 0.5) if share < 1 else 100


@staff_view
def coverage_page(request: HttpRequest) -> HttpResponse:
    """Community × essential kind: the share of the community within a 15-minute walk."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    rows = selectors.coverage_for(actor)
    essential = list(selectors.kinds().filter(essential=True))
    table = [
        {
            "community": c.community,
            "cells": [
                {"percent": _percent(k.share.share), "full": k.share.covered == k.share.total}
                for k in c.kinds
            ],
            "gaps": len(c.gaps),
            "drawn": c.area is not None,
        }
        for c in rows
    ]
    context = {
        "nav": "lifecircle",
        "kinds": essential,
        "table": table,
        "minutes": rules.circle_minutes(),
        "reach": int(rules.reach_m(rules.circle_minutes())),
        "step": settings.HUYING_LIFECIRCLE_LATTICE_M,
        "with_gaps": sum(1 for t in table if t["gaps"]),
        "may_edit_kinds": actor.role in rules.KIND_EDITOR_ROLES,
    }
    return render(request, "lifecircle/coverage.html", context)


@staff_view
def coverage_community(request: HttpRequest, community_id: int) -> HttpResponse:
    """One community: its outline, the cells no point of the chosen kind reaches, the points."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    result = selectors.coverage_get(actor, community_id)
    code = request.GET.get("kind", "")
    chosen = next((k for k in result.kinds if k.kind.code == code), None)
    if chosen is None and result.kinds:
        chosen = next((k for k in result.kinds if k.share.covered < k.share.total), result.kinds[0])
    gaps: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    near: list[dict[str, Any]] = []
    if chosen is not None and result.area is not None:
        cells = [p for c in chosen.share.uncovered for p in cell_polygons(c, result.area)]
        if cells:
            merged = unary_union(cells)
            gaps["features"].append(
                {
                    "type": "Feature",
                    "geometry": geometry_from_wgs84(
                        mapping(merged.simplify(SIMPLIFY)), settings.HUYING_MAP_COORDS
                    ),
                    "properties": {},
                }
            )
        west, south, east, north = result.area.bounds
        reach = rules.reach_m(rules.circle_minutes())
        centre_lat, centre_lng = (south + north) / 2, (west + east) / 2
        radius = reach + 120_000 * max(north - south, east - west)
        near = [
            {**_point_marker(n.point), "reach": reach}
            for n in selectors.nearby(
                centre_lat,
                centre_lng,
                now=timezone.now(),
                minutes=rules.walking_minutes(radius),
                kind=chosen.kind.code,
            )
        ]
    config = {
        **map_config_base(),
        "outlines": _outlines([result.community]),
        "gaps": gaps,
        "points": near,
    }
    context = {
        "nav": "lifecircle",
        "result": result,
        "chosen": chosen,
        "rows": [
            {"kc": k, "percent": _percent(k.share.share), "full": k.share.covered == k.share.total}
            for k in result.kinds
        ],
        "map_config": config,
        "minutes": rules.circle_minutes(),
    }
    return render(request, "lifecircle/coverage_community.html", context)


class KindForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("类别编码"), max_length=32)
    name = forms.CharField(label=gettext_lazy("类别名称"), max_length=50)
    essential = forms.BooleanField(label=gettext_lazy("必备"), required=False)


@staff_view
def kinds_page(request: HttpRequest) -> HttpResponse:
    """The district's kinds: add one, rename, say which are essential."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in rules.KIND_EDITOR_ROLES:
        raise NotFound(_("页面不存在"))
    form = KindForm(request.POST or None) if request.POST.get("action") == "add" else KindForm()
    status = 200
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "defaults":
                services.kind_defaults_install(actor=actor, now=timezone.now())
                return redirect("lifecircle:kinds")
            if action == "add":
                if form.is_valid():
                    services.kind_create(actor=actor, now=timezone.now(), **form.cleaned_data)
                    return redirect("lifecircle:kinds")
                status = 422
            else:
                kind_id, version = request.POST.get("kind", ""), request.POST.get("version", "")
                services.kind_update(
                    actor=actor,
                    now=timezone.now(),
                    kind_id=int(kind_id) if kind_id.isdigit() else 0,
                    version=int(version) if version.isdigit() else 0,
                    name=request.POST.get("name", ""),
                    essential=request.POST.get("essential") == "on",
                )
                messages.success(request, _("已保存"))
                return redirect("lifecircle:kinds")
        except DomainError as exc:
            if action == "add":
                form_error(form, exc)
            else:
                messages.error(request, exc.message)
            status = 422
    context = {"nav": "lifecircle", "kinds": list(selectors.kinds()), "form": form}
    return render(request, "lifecircle/kinds.html", context, status=status)


# --- the residents' phone page -----------------------------------------------------------------


class NearbyForm(forms.Form):
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    coords = forms.CharField(required=False, widget=forms.HiddenInput)
    community = forms.TypedChoiceField(
        label=gettext_lazy("或选择社区"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(label=gettext_lazy("类别"), required=False)
    open = forms.BooleanField(label=gettext_lazy("只看营业中"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = OrgUnit.objects.filter(kind=K.COMMUNITY, is_active=True).defer("boundary")
        self.fields["community"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((c.pk, c.name) for c in communities.order_by("code")),
        ]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("全部")),
            *((k.code, k.name) for k in selectors.kinds()),
        ]


def _community_point(community_id: int) -> tuple[float, float] | None:
    community = OrgUnit.objects.filter(pk=community_id, kind=K.COMMUNITY).defer("boundary").first()
    area = selectors.community_area(community) if community else None
    if area is None:
        return None
    p = area.representative_point()
    return p.y, p.x


def nearby(request: HttpRequest) -> HttpResponse:
    """身边的服务: what a 15-minute walk reaches from where the resident is (the phone's GPS,
    a tap on the map, or their community), nearest first; no sign-in."""
    form = NearbyForm(request.GET or None)
    here: tuple[float, float] | None = None
    found: list[selectors.Nearby] = []
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["lat"] is not None and data["lng"] is not None:
            system = data["coords"] if data["coords"] in SYSTEMS else settings.HUYING_MAP_COORDS
            here = to_wgs84(system)(data["lat"], data["lng"])
        elif data["community"]:
            here = _community_point(data["community"])
        if here is not None:
            found = selectors.nearby(
                here[0],
                here[1],
                now=timezone.now(),
                kind=data["kind"] or None,
                open_only=data["open"],
            )
    elif form.is_bound:
        status = 400
    communities = list(OrgUnit.objects.filter(kind=K.COMMUNITY, is_active=True).defer("boundary"))
    config = {
        **map_config_base(),
        "coords": settings.HUYING_MAP_COORDS,
        "outlines": _outlines(communities),
        "here": _convert_point(*here) if here else None,
        "reach": rules.reach_m(rules.circle_minutes()),
        "text": {
            "locating": _("定位中…"),
            "failed": _("无法定位，请在地图上点一下你的位置或选择社区"),
        },
        "points": [
            {**_point_marker(n.point), "minutes": round(n.minutes), "open": n.open} for n in found
        ],
    }
    context = {
        "nav": "nearby",
        "form": form,
        "here": here,
        "found": found,
        "minutes": rules.circle_minutes(),
        "map_config": config,
        "speed": int(rules.walk_speed()),
        "detour": f"{rules.detour():g}",
    }
    return render(request, "lifecircle/nearby.html", context, status=status)
