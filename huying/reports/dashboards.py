"""The dashboard pages: the acting role's dashboard (统计) and the command centre's wall
screen (大屏). Both are a frame: the numbers come from /api/v1/dashboard/* (``api.py``),
fetched by dashboard.js, so the wall can refresh itself without reloading."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from huying.cases.map_views import map_config_base
from huying.org.actors import Actor
from huying.org.web import staff_view
from huying.reports.dashboard_data import SCOPE_DIMS, dashboard_scope
from huying.reports.tally import day_of


def _config(actor: Actor, *, wall: bool) -> dict[str, Any]:
    scope = dashboard_scope(actor)
    today = day_of(timezone.now())
    # 一月一考评 is published for the month just ended.
    last_month = today.replace(day=1) - timedelta(days=1)
    return {
        "scope": scope.kind,
        "unit": scope.unit.name,
        "wall": wall,
        "today": today.isoformat(),
        "api": reverse("api:api-root").rstrip("/") + "/dashboard/",
        "grant": actor.grant_id,
        "dims": list(SCOPE_DIMS[scope.kind]),
        "cases": reverse("cases:list"),
        "detail": reverse("cases:detail", args=[0]),
        "map": map_config_base(),
        "refresh": 60 if wall else 0,
        "ranking": {"year": last_month.year, "month": last_month.month},
        # The tiles that are an indicator's part drill down through the indicator tables'
        # parameters (evaluation.drilldown): the same cases the indicator counts.
        # The city's figures are several districts': no one indicator group to open.
        "drill": None
        if scope.is_department or scope.is_city
        else {"by": scope.kind, "key": scope.unit.pk},
    }


@require_GET
@staff_view
def dashboard(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    config = _config(actor, wall=False)
    return render(request, "reports/dashboard.html", {"config": config, "nav": "reports"})


@require_GET
@staff_view
def wall(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    config = _config(actor, wall=True)
    return render(request, "reports/wall.html", {"config": config})
