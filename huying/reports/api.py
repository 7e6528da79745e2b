"""/api/v1/dashboard/…: the dashboards' data, one endpoint per chart (the pages fetch them
in parallel and refresh them on a timer). The acting role decides the scope; the window is
``first``–``last`` (dates, both included), by default this month up to today."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from huying.core.api_types import ERRORS, Day, Id
from huying.org.api_auth import acting
from huying.reports import coverage
from huying.reports import dashboard_data as data
from huying.reports.models import Dim
from huying.reports.tally import day_of

router = Router(tags=["统计 dashboard"])


class WindowIn(Schema):
    first: Day | None = None
    last: Day | None = None

    def window(self) -> data.Window:
        today = day_of(timezone.now())
        last = self.last or today
        first = self.first or last.replace(day=1)
        return data.Window(first, last)


def _scope(request: HttpRequest) -> data.Scope:
    return data.dashboard_scope(acting(request))


@router.get("/dashboard/kpis", summary="概况：区间内的上报、结案、超期、满意率与当前在办")
def kpis(request: HttpRequest, q: Query[WindowIn]) -> dict[str, Any]:
    scope = _scope(request)
    return {
        "scope": scope.kind,
        "unit": scope.unit.name,
        **data.kpis(scope, q.window(), timezone.now()),
    }


class TrendIn(WindowIn):
    step: Literal["day", "week", "month"] = "day"


@router.get("/dashboard/trend", summary="趋势：按日、周或月")
def trend(request: HttpRequest, q: Query[TrendIn]) -> dict[str, Any]:
    return data.trend(_scope(request), q.window(), q.step)


#: What a breakdown groups by: every dimension but the total (a street's scope narrows this
#: further, ``dashboard_data.SCOPE_DIMS``).
BreakdownDim = Literal[
    Dim.STREET, Dim.COMMUNITY, Dim.GRID, Dim.CATALOGUE_CLASS, Dim.ITEM, Dim.SOURCE
]


class BreakdownIn(WindowIn):
    dim: BreakdownDim
    top: int = Field(10, ge=1, le=50)


@router.get("/dashboard/breakdown", summary="分布：按街道、社区、网格、类别、事项或来源")
def breakdown(request: HttpRequest, q: Query[BreakdownIn]) -> list[dict[str, Any]]:
    return data.breakdown(_scope(request), q.window(), q.dim, top=q.top)


@router.get("/dashboard/departments", summary="部门：派单、报到、办结及按时率")
def departments(request: HttpRequest, q: Query[WindowIn]) -> list[dict[str, Any]]:
    return data.departments(_scope(request), q.window())


class MonthIn(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    month: int | None = Field(None, ge=1, le=12)


@router.get("/dashboard/ranking", summary="一月一考评：部门得分与排名")
def ranking(request: HttpRequest, q: Query[MonthIn]) -> list[dict[str, Any]]:
    today = day_of(timezone.now())
    return data.ranking(_scope(request), q.year or today.year, q.month or today.month)


@router.get("/dashboard/heat", summary="热力：各网格的上报数")
def heat(request: HttpRequest, q: Query[WindowIn]) -> list[list[float]]:
    return data.heat(_scope(request), q.window())


@router.get("/dashboard/overdue", summary="超期督办榜：当前超期最久的事件")
def overdue(request: HttpRequest) -> list[dict[str, Any]]:
    return data.clock_board(_scope(request), timezone.now())


class UnitsIn(MonthIn):
    street_id: int | None = Field(None, description="只看该街道给出的评议 / one street's ratings")


@router.get("/rankings/units", summary="派驻机构月度考评：街道评议派驻机构的得分与排名")
def unit_ranking(request: HttpRequest, q: Query[UnitsIn]) -> list[dict[str, Any]]:
    """Published to the district like the departments' ranking (一月一通报)."""
    today = day_of(timezone.now())
    return data.unit_ranking(
        _scope(request), q.year or today.year, q.month or today.month, street_id=q.street_id
    )


class CoverageIn(Schema):
    unit_id: Id | None = Field(
        None, ge=1, description="下钻到的单位（街道、社区或网格）；缺省为本人所在节点"
    )
    month: str | None = Field(
        None, pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM，缺省为本月"
    )


@router.get(
    "/coverage",
    response={200: dict[str, Any], **ERRORS},
    summary="网格覆盖：街道网格中心、社区网格长、网格员、信息员在岗，人均信息员，信息员和街长本月上报"
    "（按上报人所在网格；按下一级单位）",
)
def coverage_figures(request: HttpRequest, q: Query[CoverageIn]) -> dict[str, Any]:
    today = timezone.localdate()
    year, month = (int(p) for p in q.month.split("-")) if q.month else (today.year, today.month)
    cov = coverage.coverage(acting(request), unit_id=q.unit_id, year=year, month=month)
    names = [c.code for c in coverage.COLUMNS]

    def figures(f: coverage.Figures) -> dict[str, Any]:
        return {"unit_id": f.unit.pk, "unit": f.unit.name, "kind": f.unit.kind} | {
            n: getattr(f, n) for n in names
        }

    return {
        "unit_id": cov.unit.pk,
        "month": f"{year:04d}-{month:02d}",
        "target_per_worker": settings.HUYING_INFORMANTS_PER_WORKER,
        "rows": [figures(f) for f in cov.rows],
        "total": figures(cov.total),
    }
