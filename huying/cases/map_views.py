"""The case map (地图): a page, and the JSON it draws from.

Stored coordinates are WGS-84. Every coordinate leaves here in the tiles' system
(``HUYING_MAP_COORDS``: WGS-84 for 天地图, GCJ-02 for 高德/腾讯), converted by
``huying.core.geo``; the browser never converts. Points, grids and the warnings' hot spots
are each read from the acting role's scope (``selectors.case_points``,
``selectors.grids_visible_to``, ``recurrence.hot_spots``); the grid
polygons themselves, large and shared by everyone, come from a cache and are only picked
by id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET
from shapely import unary_union
from shapely.geometry import mapping, shape

from huying.cases import recurrence, selectors
from huying.cases.forms import CaseFilterForm
from huying.cases.models import CaseState
from huying.core.geo import SYSTEMS, WGS84, LatLng, from_wgs84, geometry_from_wgs84
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.selectors import CACHE_SECONDS, ancestors, grid_at, grid_index
from huying.org.web import staff_view

#: The most points one map draws (the most recent); beyond it the page asks for a narrower filter.
POINT_LIMIT = 20_000

POINT_FIELDS = ["id", "number", "title", "state", "lat", "lng"]


def _json(data: Any, *, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _tiles() -> dict[str, str]:
    return {
        "url": settings.HUYING_MAP_TILE_URL,
        "attribution": settings.HUYING_MAP_TILE_ATTRIBUTION,
    }


def _system() -> dict[str, str]:
    system = settings.HUYING_MAP_COORDS
    return {"code": system, "label": SYSTEMS[system], "stored": SYSTEMS[WGS84]}


def map_config_base() -> dict[str, Any]:
    """What every map page needs: the tiles and the coordinate system they are drawn in."""
    return {"tiles": _tiles(), "system": _system()}


def _filter_form(request: HttpRequest) -> CaseFilterForm:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = CaseFilterForm(request.GET, actor=actor)  # an empty query is a valid, unfiltered one
    form.is_valid()
    return form


def _form_errors(form: CaseFilterForm) -> JsonResponse:
    errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
    body = {"code": "invalid_input", "message": _("筛选条件有误"), "details": {"errors": errors}}
    return _json({"error": body}, status=400)


@require_GET
@staff_view
def case_map(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.is_reporter:
        return redirect("phone:mine")
    form = _filter_form(request)
    points = reverse("cases:map_points")
    if request.GET:
        points += f"?{request.GET.urlencode()}"
    config = {
        "points": points if form.is_valid() else None,
        "grids": reverse("cases:map_grids"),
        "warnings": (
            reverse("cases:map_warnings") if recurrence.may_see_recurrences(actor) else None
        ),
        "detail": reverse("cases:detail", args=[0]),
        **map_config_base(),
        "limit": POINT_LIMIT,
        "states": dict(CaseState.choices),
    }
    context = {"form": form, "config": config, "nav": "map"}
    return render(request, "cases/map.html", context, status=200 if form.is_valid() else 400)


@require_GET
@gzip_page  # megabytes of JSON; nothing secret is reflected in it
@staff_view
def map_points(request: HttpRequest) -> HttpResponse:
    """The filtered cases with a location: ``rows`` of ``fields``, most recent first, at most
    ``limit`` (``capped`` says more matched)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = _filter_form(request)
    if not form.is_valid():
        return _form_errors(form)
    rows, capped = selectors.case_points(
        actor, form.filters(), now=timezone.now(), limit=POINT_LIMIT
    )
    convert = from_wgs84(settings.HUYING_MAP_COORDS)
    out = []
    for r in rows:
        lat, lng = convert(r["lat"], r["lng"])
        out.append([r["id"], r["number"], r["title"], r["state"], round(lat, 6), round(lng, 6)])
    return _json(
        {
            "system": settings.HUYING_MAP_COORDS,
            "fields": POINT_FIELDS,
            "rows": out,
            "count": len(out),
            "capped": capped,
            "limit": POINT_LIMIT,
        }
    )


#: Hot spots drawn, most cases first: a city's month can make tens of thousands.
MAP_LIMIT = 500


@require_GET
@staff_view
def map_warnings(request: HttpRequest) -> HttpResponse:
    """The 反复发生预警 as hot spots: a GeoJSON FeatureCollection of points in the tiles'
    system, as of the end of today (what the week's 预警清单 counts), each with its cases and
    links to the list (and to 发起系统性问题 there, for the hub). Roles without warnings: 404,
    as the list."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    today = timezone.localdate()
    spots = recurrence.hot_spots(actor, until=recurrence.week_of(today)[1], limit=MAP_LIMIT)
    convert = from_wgs84(settings.HUYING_MAP_COORDS)
    features = [_spot_feature(spot, convert, today) for spot in spots]
    body = {
        "type": "FeatureCollection",
        "system": settings.HUYING_MAP_COORDS,
        "rule": recurrence.rule(),
        "features": features,
        "total": spots.total,
    }
    return JsonResponse(
        body,
        content_type="application/geo+json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


def _spot_feature(
    spot: recurrence.HotSpot, convert: Callable[[float, float], LatLng], today: date
) -> dict[str, Any]:
    w = spot.warning
    lat, lng = convert(spot.lat, spot.lng)
    # The week whose list shows it: this one if a case came this week, else the latest week
    # that still has its last case (its anchor is then the same warning's, as a rule).
    end = min(today, timezone.localdate(w.last_at) + timedelta(days=6))
    listed = f"{reverse('cases:warnings')}?end={end.isoformat()}"
    return {
        "type": "Feature",
        "id": w.key,
        "geometry": {"type": "Point", "coordinates": [round(lng, 6), round(lat, 6)]},
        "properties": {
            "item": {"code": w.item_code, "name": w.item_name},
            "grid": {"id": w.grid_id, "name": w.grid_name},
            "place": w.place,
            "nearby": w.nearby,
            "community": w.community_name,
            "street": w.street_name,
            "count": w.count,
            "days": spot.days,
            "since": timezone.localtime(spot.since).isoformat(),
            "until": timezone.localtime(spot.until).isoformat(),
            "first": timezone.localtime(w.first_at).isoformat(),
            "last": timezone.localtime(w.last_at).isoformat(),
            "centre": "grid" if spot.from_grid else "cases",
            "cases": [
                {"id": c.id, "number": c.number, "url": reverse("cases:detail", args=[c.id])}
                for c in w.latest_cases
            ],
            "earlier": w.earlier_count,
            "systemic": [
                {"id": pk, "number": number, "url": reverse("cases:detail", args=[pk])}
                for pk, number in w.systemic
            ],
            "list_url": f"{listed}#{w.key}",
            "open_url": f"{listed}&open={w.key}#{w.key}" if spot.may_open else None,
        },
    }


def grid_features(system: str) -> dict[int, str]:
    """Every active grid as a GeoJSON Feature (already serialised) in ``system``, by id.

    Shared by all roles and cached: the demo district's 274 polygons are about a megabyte,
    and converting them costs more than the rest of the request. A grid redrawn in this
    process shows at once (the key carries ``grid_index.generation``); other processes see
    it within ``CACHE_SECONDS``."""
    key = f"cases:map:grids:{system}:{grid_index.generation}"
    features: dict[int, str] | None = cache.get(key)
    if features is None:
        rows = OrgUnit.objects.filter(
            kind=OrgUnit.Kind.GRID, is_active=True, boundary__isnull=False
        ).values("id", "code", "name", "boundary")
        features = {
            r["id"]: json.dumps(
                {
                    "type": "Feature",
                    "id": r["id"],
                    "properties": {"code": r["code"], "name": r["name"]},
                    "geometry": geometry_from_wgs84(r["boundary"] or {}, system),
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for r in rows.order_by("code")
        }
        cache.set(key, features, CACHE_SECONDS)
    return features


#: Outline simplification for the base map's streets and communities (≈ 2 m): a union of
#: grids keeps every shared vertex, which the eye does not need at street scale.
BASE_SIMPLIFY = 0.00002


def base_map(system: str) -> str:
    """The district drawn from its own polygons, for a map without tiles (the demo, a closed
    government network): streets and communities (each the union of its grids) and the grids,
    as one GeoJSON FeatureCollection text in ``system``, largest first so that the smaller
    draw on top. Cached like ``grid_features``."""
    key = f"cases:map:base:{system}:{grid_index.generation}"
    body: str | None = cache.get(key)
    if body is not None:
        return body
    grids = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID, is_active=True, boundary__isnull=False)
        .only("id", "name", "path", "boundary")
        .order_by("path")
    )
    parts: dict[int, list[Any]] = {}
    features: list[dict[str, Any]] = []
    for grid in grids:
        polygon = shape(grid.boundary)
        for unit_id in (int(p) for p in grid.path.strip("/").split("/")[:-1]):
            parts.setdefault(unit_id, []).append(polygon)
        features.append(_feature(grid.pk, "grid", grid.name, grid.boundary, system))
    above = OrgUnit.objects.filter(
        pk__in=parts, kind__in=[OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY]
    ).values_list("pk", "kind", "name")
    outlines = [
        _feature(pk, kind, name, mapping(unary_union(parts[pk]).simplify(BASE_SIMPLIFY)), system)
        for pk, kind, name in above
    ]
    outlines.sort(key=lambda f: f["properties"]["kind"] != OrgUnit.Kind.STREET)
    body = json.dumps(
        {"type": "FeatureCollection", "features": outlines + features},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    cache.set(key, body, CACHE_SECONDS)
    return body


def _feature(pk: int, kind: str, name: str, geometry: Any, system: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": pk,
        "properties": {"kind": kind, "name": name},
        "geometry": geometry_from_wgs84(dict(geometry), system),
    }


def place_names(lat: float, lng: float) -> dict[str, str]:
    """The street, community and grid a stored (WGS-84) point falls in, by kind; empty
    outside every grid. Intake places a report by the same index."""
    grid = grid_at(lat, lng)
    if grid is None:
        return {}
    kinds = {OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID}
    return {u.kind: u.name for u in ancestors(grid) if u.kind in kinds}


@require_GET
@gzip_page  # megabytes of JSON; nothing secret is reflected in it
@staff_view
def map_grids(request: HttpRequest) -> HttpResponse:
    """The grids the acting role may see, as a GeoJSON FeatureCollection."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    visible = set(selectors.grids_visible_to(actor).values_list("pk", flat=True))
    features = grid_features(settings.HUYING_MAP_COORDS)
    chosen = [text for pk, text in features.items() if pk in visible]
    body = '{"type":"FeatureCollection","features":[' + ",".join(chosen) + "]}"
    return HttpResponse(body, content_type="application/geo+json; charset=utf-8")


@require_GET
@staff_view
def case_geo(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case's point and its grid's outline, for the detail page's mini-map."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    case = selectors.case_get(actor, case_id=case_id)  # out of scope: 404
    system = settings.HUYING_MAP_COORDS
    point = None
    if case.lat is not None and case.lng is not None:
        lat, lng = from_wgs84(system)(case.lat, case.lng)
        point = {"lat": round(lat, 6), "lng": round(lng, 6)}
    grid = None
    if case.grid_id is not None:
        text = grid_features(system).get(case.grid_id)
        grid = json.loads(text) if text else None
    return _json({"system": _system(), "tiles": _tiles(), "point": point, "grid": grid})
