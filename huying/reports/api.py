"""/api/v1/dashboard/…: the dashboards' data, one endpoint per chart (the pages fetch them
in parallel and refresh them on a timer). The acting role decides the scope; the window is
``first``–``last`` (dates, both included), by default this month up to today. Then what
other report pages give, in the same scope as the page: 网格覆盖 (/coverage), 分级办结
(/indicators/tiers) and a meeting's minutes as Word and PDF."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from huying.core.api_types import ERRORS, Day, Id, file_response
from huying.evaluation.periods import Period
from huying.org.api_auth import acting
from huying.reports import coverage, minutes, table_xlsx, tabulate
from huying.reports import dashboard_data as data
from huying.reports.circulars import FILE_TYPES
from huying.reports.coverage_views import coverage_xlsx
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


#: A month in a query string: ``YYYY-MM``.
MONTH_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"


def _month(value: str | None) -> tuple[int, int]:
    """``YYYY-MM`` (checked by the pattern), this month when missing."""
    if value:
        year, month = value.split("-")
        return int(year), int(month)
    today = timezone.localdate()
    return today.year, today.month


class CoverageIn(Schema):
    unit_id: Id | None = Field(
        None, ge=1, description="下钻到的单位（街道、社区或网格）；缺省为本人所在节点"
    )
    month: str | None = Field(None, pattern=MONTH_PATTERN, description="YYYY-MM，缺省为本月")


@router.get(
    "/coverage",
    response={200: dict[str, Any], **ERRORS},
    summary="网格覆盖：街道网格中心、社区网格长、网格员、信息员在岗，人均信息员，信息员和街长本月上报"
    "（按上报人所在网格；按下一级单位）",
)
def coverage_figures(request: HttpRequest, q: Query[CoverageIn]) -> dict[str, Any]:
    year, month = _month(q.month)
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


@router.get(
    "/coverage.xlsx",
    response=ERRORS,
    summary="网格覆盖（XLSX，同页面导出）",
    openapi_extra=file_response("the coverage table as a workbook", table_xlsx.CONTENT_TYPE),
)
def coverage_export(request: HttpRequest, q: Query[CoverageIn]) -> HttpResponse:
    year, month = _month(q.month)
    cov = coverage.coverage(acting(request), unit_id=q.unit_id, year=year, month=month)
    return coverage_xlsx(cov)


class TiersIn(Schema):
    month: str | None = Field(None, pattern=MONTH_PATTERN, description="YYYY-MM，缺省为本月")
    unit_id: Id | None = Field(
        None,
        description="下钻：街道（其社区或网格）或社区（其网格）；缺省为各街道 / drill into a "
        "street or a community",
    )
    by: Literal["street", "community", "grid"] | None = Field(
        None,
        description="分组；缺省为 unit_id 的下一级，无 unit_id 时按街道 / default: the level "
        "below unit_id, else the streets",
    )


class TierFiguresOut(Schema):
    unit_id: int | None = Field(
        description="the row's street, community or grid (null: the district's total)"
    )
    unit: str
    closed: int = Field(description="结案数: the valid cases closed in the month")
    grid: int = Field(description="网格办结")
    community: int = Field(description="社区办结")
    street: int = Field(description="街道办结")
    above: int = Field(description="街道以上办结: departments, the hub, a district leader")
    grid_share: float | None = Field(description="小事不出网格率 = grid ÷ closed")
    in_community_share: float | None = Field(
        description="大事不出社区率 = (grid + community) ÷ closed"
    )
    in_street_share: float | None = Field(
        description="重大事情不出街道率 = (grid + community + street) ÷ closed"
    )
    above_share: float | None = Field(description="街道以上办结占比 = above ÷ closed")


class TiersOut(Schema):
    month: str
    by: str
    unit_id: int | None = Field(description="the street or community drilled into")
    unit: str | None
    rows: list[TierFiguresOut]
    total: TierFiguresOut | None = Field(
        description="the unit's own figures, or the scope's when the rows split it"
    )


def _tier_figures(table: tabulate.Table, row: tabulate.Row) -> dict[str, Any]:
    figures: dict[str, Any] = {"unit_id": row.key, "unit": row.label}
    for column, cell in zip(table.columns, row.cells, strict=True):
        value = cell.value
        if value is not None and column.kind != tabulate.COUNT:
            value = round(float(value), 4)  # a share, as the dashboards' rates
        figures[column.code] = value
    return figures


@router.get(
    "/indicators/tiers",
    response={200: TiersOut, **ERRORS},
    summary="分级办结：小事不出网格、大事不出社区、重大事情不出街道（按月，可下钻）",
)
def tiers(request: HttpRequest, q: Query[TiersIn]) -> Any:
    """The figures of the indicator page's 分级办结 table, in the same scope: a street's
    staff see their street, a community's its own part; another street is a 404."""
    year, month = _month(q.month)
    view = tabulate.tier_table(
        acting(request), period=Period.month(year, month), unit_id=q.unit_id, by=q.by
    )
    table = view.table
    return {
        "month": f"{year:04d}-{month:02d}",
        "by": view.by,
        "unit_id": view.within.pk if view.within else None,
        "unit": view.within.name if view.within else None,
        "rows": [_tier_figures(table, r) for r in table.rows],
        "total": _tier_figures(table, table.total) if table.total else None,
    }


MINUTES_TAGS = ["会商与联合执法 coordination"]


@router.get(
    "/meetings/{meeting_id}/minutes.docx",
    response=ERRORS,
    tags=MINUTES_TAGS,
    summary="会议纪要（Word）",
    openapi_extra=file_response("the minutes as Word", FILE_TYPES["docx"]),
)
def minutes_docx(request: HttpRequest, meeting_id: Id) -> HttpResponse:
    """The page's minutes, rendered from the meeting as it stands; another street's
    meeting is a 404."""
    return minutes.minutes_file(acting(request), meeting_id, "docx")


@router.get(
    "/meetings/{meeting_id}/minutes.pdf",
    response=ERRORS,
    tags=MINUTES_TAGS,
    summary="会议纪要（PDF）",
    openapi_extra=file_response("the minutes as PDF", FILE_TYPES["pdf"]),
)
def minutes_pdf(request: HttpRequest, meeting_id: Id) -> HttpResponse:
    return minutes.minutes_file(acting(request), meeting_id, "pdf")
