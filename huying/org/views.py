"""Console pages for the organisation (组织管理): departments with their field units, grids.

Admins only (``admin_view``: 404 for every other role). Views parse a form, call the
service, and render; on a refusal the form comes back with the reason (422).
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from shapely.geometry import shape

from huying.core.changelog import changes_for
from huying.core.errors import DomainError
from huying.core.web import form_error
from huying.org import selectors, services
from huying.org.actors import Actor
from huying.org.forms import FieldUnitForm, GridForm, UnitForm
from huying.org.geometry import area_m2
from huying.org.models import OrgUnit
from huying.org.web import admin_view, change_rows

K = OrgUnit.Kind
#: Field names → their (lazy) labels, for the change log.
UNIT_LABELS = {name: field.label for name, field in UnitForm.base_fields.items()} | {
    "stationed_in": OrgUnit._meta.get_field("stationed_in").verbose_name
}
GRID_LABELS = {name: field.label for name, field in GridForm.base_fields.items()}


def _refused(form: Any, exc: DomainError) -> None:
    if exc.status == 404:  # never dress up "does not exist" as a form error
        raise exc
    form_error(form, exc)


# --- departments --------------------------------------------------------------------------


@admin_view
def org_index(request: HttpRequest) -> HttpResponse:
    """/manage/org/: the organisation's first page (its tabs lead to the others)."""
    return redirect("org:departments")


@admin_view
def department_list(request: HttpRequest) -> HttpResponse:
    context = {
        "departments": list(selectors.departments_overview(request.actor)),  # type: ignore[attr-defined]
        "nav": "manage",
        "tab": "departments",
    }
    return render(request, "org/departments.html", context)


def _department_page(
    request: HttpRequest,
    unit: OrgUnit,
    *,
    form: UnitForm | None = None,
    new_unit_form: FieldUnitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    department = unit.parent if unit.kind == K.FIELD_UNIT else unit
    assert department is not None
    context = {
        "unit": unit,
        "department": department,
        "form": form or UnitForm.for_unit(unit),
        "field_units": list(selectors.field_units_of(department)),
        "new_unit_form": new_unit_form or FieldUnitForm(department=department),
        "changes": change_rows(changes_for(unit), UNIT_LABELS),
        "nav": "manage",
        "tab": "departments",
    }
    return render(request, "org/department_form.html", context, status=status)


@admin_view
def department_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A department or one of its field units."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    unit = selectors.department_get(actor, unit_id)
    if request.method != "POST":
        return _department_page(request, unit)
    form = UnitForm.for_unit(unit, request.POST)
    if form.is_valid():
        try:
            services.department_update(
                actor=actor, unit=unit, now=timezone.now(), **form.cleaned_data
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已保存「{name}」").format(name=form.cleaned_data["name"]))
            return redirect("org:department", unit_id=unit.pk)
    return _department_page(request, unit, form=form, status=422)


@admin_view
def field_unit_create(request: HttpRequest, unit_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    department = selectors.department_get(actor, unit_id)
    if department.kind != K.DEPARTMENT or request.method != "POST":
        return redirect("org:department", unit_id=department.pk)
    form = FieldUnitForm(request.POST, department=department)
    if form.is_valid():
        try:
            unit = services.field_unit_create(
                actor=actor, department=department, now=timezone.now(), **form.cleaned_data
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已新增派驻机构「{name}」").format(name=unit.name))
            return redirect("org:department", unit_id=department.pk)
    return _department_page(request, department, new_unit_form=form, status=422)


# --- grids --------------------------------------------------------------------------------


@admin_view
def grid_list(request: HttpRequest) -> HttpResponse:
    """Grids, all or of one street or community (``?unit=<id>``)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    tree = selectors.streets_and_communities(actor)
    known = {s.pk: s for s, cs in tree} | {c.pk: c for _, cs in tree for c in cs}
    raw = request.GET.get("unit", "")
    unit = known.get(int(raw)) if raw.isdigit() else None
    grids = list(selectors.grids_under(actor, unit))
    context = {
        "tree": tree,
        "unit": unit,
        "grids": grids,
        "active_count": sum(1 for g in grids if g.is_active),
        "nav": "manage",
        "tab": "grids",
    }
    template = "org/grids.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#grid-table"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _svg_preview(grid: OrgUnit, boundary: Any, neighbours: list[OrgUnit]) -> dict[str, Any] | None:
    """The grid (as submitted, when it parses) and its neighbours as SVG paths, north up,
    longitudes shrunk by cos(latitude) so shapes are not stretched."""
    shapes: list[tuple[str, Any, str, int]] = []
    try:
        own = shape(boundary) if boundary else None
    except Exception:  # a broken polygon is reported by the form; just do not draw it
        own = None
    if own is not None and own.geom_type in {"Polygon", "MultiPolygon"} and not own.is_empty:
        shapes.append(("this", own, grid.name, grid.pk))
    for n in neighbours:
        shapes.append(("other" if n.is_active else "other off", shape(n.boundary), n.name, n.pk))
    if not shapes:
        return None
    focus = shapes[0][1] if shapes[0][0] == "this" else None
    bounds = (focus or shapes[0][1]).bounds
    pad = max(bounds[2] - bounds[0], bounds[3] - bounds[1]) * 0.35 or 0.001
    min_x, min_y, max_x, max_y = bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad
    k = math.cos(math.radians((min_y + max_y) / 2))
    width = 640.0
    scale = width / ((max_x - min_x) * k)
    height = (max_y - min_y) * scale

    def xy(lng: float, lat: float) -> str:
        return f"{(lng - min_x) * k * scale:.1f},{(max_y - lat) * scale:.1f}"

    paths = []
    for css, geom, name, pk in shapes:
        polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        d = " ".join(
            "M" + " L".join(xy(x, y) for x, y in ring.coords) + " Z"
            for polygon in polygons
            for ring in [polygon.exterior, *polygon.interiors]
        )
        c = geom.representative_point()
        paths.append({"css": css, "d": d, "name": name, "pk": pk, "label_at": xy(c.x, c.y)})
    paths.sort(key=lambda p: p["css"] == "this")  # the grid itself on top
    return {"width": round(width), "height": round(height), "paths": paths}


def _grid_page(
    request: HttpRequest,
    grid: OrgUnit,
    *,
    form: GridForm | None = None,
    submitted: Any = None,
    status: int = 200,
) -> HttpResponse:
    """``submitted``: the boundary as typed, drawn instead of the stored one so that a refused
    overlap can be seen."""
    form = form or GridForm.for_grid(grid)
    shown = submitted if isinstance(submitted, dict) else grid.boundary
    area = None
    if grid.boundary:
        area = area_m2(shape(grid.boundary)) / 1_000_000
    context = {
        "grid": grid,
        "community": grid.parent,
        "street": grid.parent.parent if grid.parent else None,
        "form": form,
        "area_km2": area,
        "preview": _svg_preview(grid, shown, list(selectors.grids_near(grid))),
        "preview_is_submitted": shown is not grid.boundary,
        "changes": change_rows(changes_for(grid), GRID_LABELS),
        "nav": "manage",
        "tab": "grids",
    }
    return render(request, "org/grid_form.html", context, status=status)


@admin_view
def grid_edit(request: HttpRequest, grid_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    grid = selectors.grid_get(actor, grid_id)
    if request.method != "POST":
        return _grid_page(request, grid)
    form = GridForm.for_grid(grid, request.POST)
    submitted = None
    if form.is_valid():
        submitted = form.cleaned_data["boundary"]
        try:
            services.grid_update(actor=actor, grid=grid, now=timezone.now(), **form.cleaned_data)
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request, _("已保存网格「{name}」").format(name=form.cleaned_data["name"])
            )
            return redirect("org:grid", grid_id=grid.pk)
    return _grid_page(request, grid, form=form, submitted=submitted, status=422)
