"""地址库 pages: the hub's 待定位 queue (cases the address did not place, placed by hand on
the map), and the back office's gazetteer (its entries, the XLSX import)."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from huying.cases.map_views import map_config_base
from huying.cases.models import Case
from huying.cases.queues import unplaced
from huying.cases.rules import LOCATE_ROLES
from huying.cases.selectors import cases_visible_to
from huying.cases.services import case_locate
from huying.cases.xlsx import CONTENT_TYPE as XLSX
from huying.core.errors import DomainError, NotFound
from huying.core.geo import from_wgs84, to_wgs84
from huying.core.web import file_download, form_error
from huying.gazetteer import importing
from huying.gazetteer.forms import ImportForm, PlaceForm
from huying.gazetteer.models import Entry
from huying.gazetteer.selectors import matcher, unplaced_alike
from huying.gazetteer.services import landmark_remember, place_alike
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.web import admin_view, staff_view

#: Cases the queue lists at once; the count says how many wait in all.
QUEUE_ROWS = 100
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
REPORT_KEY = "gazetteer_import_errors"
#: How a near miss came to be offered.
HOW = {
    "road": gettext_lazy("道路门牌不在登记范围内"),
    "name": gettext_lazy("名称相同、不止一个网格"),
    "fuzzy": gettext_lazy("名称相近"),
}


def _hub(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in LOCATE_ROLES:
        raise NotFound(_("页面不存在"))
    return actor


def _queue_page(
    request: HttpRequest,
    actor: Actor,
    *,
    chosen_id: str,
    form: PlaceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    visible = cases_visible_to(actor)
    waiting = unplaced(visible).select_related("street")
    rows = list(waiting[:QUEUE_ROWS])
    chosen = _chosen(chosen_id, actor, rows, refused=form is not None)
    alike = unplaced_alike(visible, chosen) if chosen is not None else []
    if chosen is not None and form is None:
        form = PlaceForm(initial={"version": chosen.version}, reach=actor.reach, alike=len(alike))
    config = {
        **map_config_base(),
        "grids": reverse("cases:map_grids"),
        "point": None,
        "text": {
            "hint": _("在地图上点击事件的位置，系统按网格边界找到所在网格"),
            "inside": _("位于：{grid}"),
            "outside": _("这个点不在任何网格内，请从列表中选择网格"),
            "failed": _("地图加载失败：{message}"),
        },
    }
    if chosen is not None and chosen.lat is not None and chosen.lng is not None:
        lat, lng = from_wgs84(settings.HUYING_MAP_COORDS)(chosen.lat, chosen.lng)
        config["point"] = {"lat": round(lat, 6), "lng": round(lng, 6)}
    context = {
        "rows": rows,
        "count": waiting.count(),
        "chosen": chosen,
        "form": form,
        "config": config,
        "near_misses": _near_misses(chosen) if chosen is not None else [],
        "nav": "unplaced",
    }
    return render(request, "gazetteer/unplaced.html", context, status=status)


def _near_misses(case: Case) -> list[dict[str, Any]]:
    """What the gazetteer thinks the address might be, each a grid to place it in with one
    click (with the entry's point, in the map's coordinates as the form sends them)."""
    district = matcher(reach=f"/{case.district_id}/")
    offered = [p for p in district.near_misses(case.address) if p.grid_id is not None]
    names = dict(
        OrgUnit.objects.filter(pk__in=[p.grid_id for p in offered]).values_list("pk", "name")
    )
    to_map = from_wgs84(settings.HUYING_MAP_COORDS)
    out = []
    for p in offered:
        assert p.grid_id is not None
        point = to_map(p.lat, p.lng) if p.lat is not None and p.lng is not None else None
        out.append(
            {
                "grid_id": p.grid_id,
                "grid": names.get(p.grid_id, ""),
                "entry": p.entry_name,
                "percent": round(p.score * 100),
                "how": HOW[p.how],
                "lat": round(point[0], 6) if point else "",
                "lng": round(point[1], 6) if point else "",
            }
        )
    return out


def _chosen(raw: str, actor: Actor, rows: list[Case], *, refused: bool = False) -> Case | None:
    """The case asked for while it still waits (or, its placing refused, still: the page says
    why beside it, e.g. someone placed it meanwhile), else the first in the queue."""
    if raw.isdigit():
        cases = cases_visible_to(actor)
        case = (cases if refused else unplaced(cases)).filter(pk=int(raw)).first()
        if case is not None:
            return case
    return rows[0] if rows else None


@require_GET
@staff_view
def unplaced_queue(request: HttpRequest) -> HttpResponse:
    """待定位: the open cases in no grid, one of them chosen to place on the map."""
    return _queue_page(request, _hub(request), chosen_id=request.GET.get("case", ""))


@require_POST
@staff_view
def unplaced_place(request: HttpRequest, case_id: int) -> HttpResponse:
    """Place one case (``case_locate``), and keep its address in the gazetteer if asked."""
    actor = _hub(request)
    case = cases_visible_to(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("事件不存在或无权查看"))
    form = PlaceForm(
        request.POST,
        reach=actor.reach,
        alike=len(unplaced_alike(cases_visible_to(actor), case)),
    )
    if not form.is_valid():
        return _queue_page(request, actor, chosen_id=str(case_id), form=form, status=422)
    data = form.cleaned_data
    lat, lng = data["lat"], data["lng"]
    if lat is not None and lng is not None:
        lat, lng = to_wgs84(settings.HUYING_MAP_COORDS)(lat, lng)
    try:
        with transaction.atomic():
            case = case_locate(
                actor=actor,
                case_id=case_id,
                grid_id=data["grid"],
                lat=lat,
                lng=lng,
                expected_version=data["version"],
            )
            if data["remember"]:
                assert case.grid_id is not None
                landmark_remember(
                    actor=actor, name=case.address, grid_id=case.grid_id, lat=lat, lng=lng
                )
            alike, skipped = (
                place_alike(actor=actor, case=case, lat=lat, lng=lng)
                if data.get("alike")
                else ([], 0)
            )
    except DomainError as exc:
        if exc.status == 404:
            raise
        form_error(form, exc)
        return _queue_page(request, actor, chosen_id=str(case_id), form=form, status=exc.status)
    grid = case.grid.name if case.grid else ""
    messages.success(
        request, _("事件 %(number)s 已定位到 %(grid)s") % {"number": case.number, "grid": grid}
    )
    if alike:
        messages.success(
            request, _("同一地址的另外 %(placed)d 件一并定位") % {"placed": len(alike)}
        )
    if skipped:
        messages.warning(
            request,
            _("同一地址的 %(skipped)d 件已被他人处理，未改动") % {"skipped": skipped},
        )
    return redirect("gazetteer:unplaced")


# --- the back office: the gazetteer itself -------------------------------------------------


@admin_view
def entries(request: HttpRequest) -> HttpResponse:
    """地址库: how many entries of each kind, a search, and the XLSX import: the
    administrator's district's (the city's: every district's)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    context: dict[str, Any] = {"tab": "gazetteer", "nav": "manage", "form": ImportForm()}
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        status = 422
        if form.is_valid() and form.cleaned_data["file"].size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("文件不能超过 5 MB"))
        elif form.is_valid():
            try:
                read = importing.read_rows(form.cleaned_data["file"].read())
                plan = importing.run_import(importing.plan_import(read, reach=actor.reach))
            except DomainError as exc:
                form_error(form, exc)
            else:
                status = 200
                context["plan"] = plan
                context["counts"] = plan.counts()
                if plan.count(importing.ERROR):
                    report = importing.error_report(plan)
                    request.session[REPORT_KEY] = base64.b64encode(report).decode()
    query = request.GET.get("q", "").strip()[:50]
    entries = Entry.objects.filter(under("community__path", actor.reach))
    rows = entries.select_related("community", "grid").defer(
        "community__boundary", "grid__boundary"
    )
    if query:
        # Aliases are a JSON list, stored escaped on some databases: matched here, not in SQL.
        named = entries.values_list("id", "name", "aliases")
        ids = [pk for pk, name, aliases in named if any(query in n for n in (name, *aliases))]
        rows = rows.filter(pk__in=ids[:200])
    totals = dict(entries.values_list("kind").annotate(n=Count("id")).order_by())
    context |= {
        "query": query,
        "rows": list(rows[:200]),
        "kinds": [(label, totals.get(value, 0)) for value, label in Entry.Kind.choices],
    }
    return render(request, "gazetteer/entries.html", context, status=status)


@require_GET
@admin_view
def entries_template(request: HttpRequest) -> HttpResponse:
    import io

    return file_download(
        io.BytesIO(importing.template()), filename="地址库模板.xlsx", content_type=XLSX
    )


@require_GET
@admin_view
def entries_errors(request: HttpRequest) -> HttpResponse:
    """The last import's refused rows, as an XLSX to fix and send again."""
    report = request.session.get(REPORT_KEY)
    if not report:
        raise NotFound(_("没有可下载的错误报告"))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return file_download(
        io.BytesIO(base64.b64decode(report)),
        filename=f"地址库导入错误-{stamp}.xlsx",
        content_type=XLSX,
    )
