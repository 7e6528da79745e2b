"""/api/v1/ for grid duty lists and patrols: the checklist, the track the phone sends while the
patrol is open, companions (三陪同) and the weekly compliance table. Same scope as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from huying.core.api_types import ERRORS, Day, Id, In, Latitude, Longitude, Text, file_response
from huying.grid import duties, selectors, services, xlsx
from huying.grid.desk_views import compliance_xlsx
from huying.grid.models import GridDuty, Patrol
from huying.org.api_auth import acting

router = Router(tags=["网格巡查 patrols"])


class DutyOut(Schema):
    id: int
    position: int
    text: str
    item_id: int | None
    item_name: str | None
    from_template: bool
    is_active: bool
    version: int

    @staticmethod
    def resolve_item_name(obj: GridDuty) -> str | None:
        return obj.item.name if obj.item else None

    @staticmethod
    def resolve_from_template(obj: GridDuty) -> bool:
        return obj.template_id is not None


class TemplateOut(Schema):
    id: int
    position: int
    text: str
    item_id: int | None
    version: int


class TemplateUpdateIn(In):
    version: int = Field(ge=0)
    text: Text | None = Field(None, max_length=200)
    item_id: Id | None = Field(
        None, description="清单事项；传 null 去掉事项，不传则不变 / null drops the item"
    )


class TemplateRemovedOut(Schema):
    grids_keep: int = Field(description="仍保留这一项（作为本网格自己的职责）的网格数")


class CopyOut(Schema):
    grids: int
    added: int


class DutyIn(In):
    text: Text = Field("", max_length=200)
    item_id: Id | None = None


class DutyUpdateIn(In):
    version: int = Field(ge=0)
    text: Text | None = Field(None, max_length=200)
    is_active: bool | None = None


class DutyMoveIn(In):
    """Up or down one place: a grid's duty or a line of the district's template."""

    up: bool


class ChecklistOut(Schema):
    id: int
    text: str
    done: bool
    note: str


class CompanionOut(Schema):
    id: int
    user_id: int
    name: str
    kind: str
    kind_label: str
    unit_name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.user.get_full_name() or obj.user.get_username()

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_unit_name(obj: Any) -> str:
        return str(obj.unit.name)


class PatrolOut(Schema):
    id: int
    grid_id: int
    grid_name: str
    worker: str
    role: str
    started_at: Any
    ended_at: Any | None
    note: str
    checklist: list[ChecklistOut]
    companions: list[CompanionOut]
    track: list[list[float]] = Field(description="[[lat, lng, unix seconds], …], thinned")

    @staticmethod
    def resolve_grid_name(obj: Patrol) -> str:
        return obj.grid.name

    @staticmethod
    def resolve_worker(obj: Patrol) -> str:
        return obj.worker.get_full_name() or obj.worker.get_username()

    @staticmethod
    def resolve_checklist(obj: Patrol) -> list[Any]:
        return list(obj.checklist.all())

    @staticmethod
    def resolve_companions(obj: Patrol) -> list[Any]:
        return list(obj.companions.select_related("user", "unit"))


class PatrolBrief(Schema):
    id: int
    grid_id: int
    worker_id: int
    role: str
    started_at: Any
    ended_at: Any | None


class StartIn(In):
    grid_id: Id | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None


class EndIn(In):
    note: Text = Field("", max_length=2000)
    lat: Latitude | None = None
    lng: Longitude | None = None


class TickIn(In):
    done: bool
    note: Text = Field("", max_length=200)


class PointIn(In):
    lat: Latitude
    lng: Longitude
    at: float = Field(description="unix seconds when the phone took the point")


class TrackIn(In):
    points: list[PointIn] = Field(max_length=services.MAX_BATCH)


class TrackOut(Schema):
    kept: int
    track: list[list[float]]


class CompanionIn(In):
    user_id: Id


class ComplianceIn(Schema):
    street_id: Id | None = None
    weeks: int = Field(4, ge=1, le=26)
    until: Day | None = None


class ComplianceRowOut(Schema):
    worker_id: int
    worker: str
    grid: str
    week: date
    patrols: int
    accompanied: int
    target: int
    shortfall: int


class ComplianceOut(Schema):
    street_id: int
    street: str
    target: int
    rows: list[ComplianceRowOut]


def _patrol(request: HttpRequest, patrol_id: int) -> Patrol:
    return selectors.patrol_detail(acting(request), patrol_id)


@router.get(
    "/duty-template", response={200: list[TemplateOut], **ERRORS}, summary="区的网格职责模板"
)
def template_list(request: HttpRequest) -> Any:
    return list(selectors.duty_template(acting(request)))


@router.post(
    "/duty-template",
    response={201: TemplateOut, **ERRORS},
    summary="网格职责模板追加一项（管理员）",
)
def template_add(request: HttpRequest, payload: DutyIn) -> Any:
    line = duties.template_add(actor=acting(request), text=payload.text, item_id=payload.item_id)
    return Status(201, line)


@router.post(
    "/duty-template/copy",
    response={200: CopyOut, **ERRORS},
    summary="把模板复制到每个网格（已有的不重复，网格的修改保留）",
)
def template_copy(request: HttpRequest) -> Any:
    result = duties.template_copy(actor=acting(request))
    return {"grids": result.grids, "added": result.added}


@router.patch(
    "/duty-template/{line_id}",
    response={200: TemplateOut, **ERRORS},
    summary="修改模板的一项（管理员）；已复制到网格的不变；version 不符为 409",
)
def template_update(request: HttpRequest, line_id: int, payload: TemplateUpdateIn) -> Any:
    item_id = payload.item_id if "item_id" in payload.model_fields_set else duties.KEEP
    return duties.template_update(
        actor=acting(request),
        line_id=line_id,
        version=payload.version,
        text=payload.text,
        item_id=item_id,
    )


@router.delete(
    "/duty-template/{line_id}",
    response={200: TemplateRemovedOut, **ERRORS},
    summary="从模板删除一项（管理员）；各网格已有的这一项保留，归网格自己",
)
def template_remove(request: HttpRequest, line_id: int, version: int | None = None) -> Any:
    kept = duties.template_remove(actor=acting(request), line_id=line_id, version=version)
    return {"grids_keep": kept}


@router.post(
    "/duty-template/{line_id}/move",
    response={200: TemplateOut, **ERRORS},
    summary="模板的一项上移或下移（管理员）",
)
def template_move(request: HttpRequest, line_id: int, payload: DutyMoveIn) -> Any:
    return duties.template_move(actor=acting(request), line_id=line_id, up=payload.up)


@router.get(
    "/grids/{grid_id}/duties", response={200: list[DutyOut], **ERRORS}, summary="网格职责清单"
)
def duty_list(request: HttpRequest, grid_id: int, removed: bool = False) -> Any:
    grid = selectors.grid_visible(acting(request), grid_id)
    return list(selectors.grid_duties(grid, removed=removed))


@router.post("/grids/{grid_id}/duties", response={201: DutyOut, **ERRORS}, summary="新增网格职责")
def duty_add(request: HttpRequest, grid_id: int, payload: DutyIn) -> Any:
    duty = duties.duty_add(
        actor=acting(request), grid_id=grid_id, text=payload.text, item_id=payload.item_id
    )
    return Status(201, duty)


@router.patch(
    "/grids/{grid_id}/duties/{duty_id}",
    response={200: DutyOut, **ERRORS},
    summary="修改、删除（is_active=false）或恢复网格职责；version 不符为 409",
)
def duty_update(request: HttpRequest, grid_id: int, duty_id: int, payload: DutyUpdateIn) -> Any:
    return duties.duty_update(
        actor=acting(request),
        grid_id=grid_id,
        duty_id=duty_id,
        version=payload.version,
        text=payload.text,
        is_active=payload.is_active,
    )


@router.post(
    "/grids/{grid_id}/duties/{duty_id}/move",
    response={200: DutyOut, **ERRORS},
    summary="上移或下移",
)
def duty_move(request: HttpRequest, grid_id: int, duty_id: int, payload: DutyMoveIn) -> Any:
    return duties.duty_move(actor=acting(request), grid_id=grid_id, duty_id=duty_id, up=payload.up)


@router.get(
    "/patrols", response={200: list[PatrolBrief], **ERRORS}, summary="范围内的巡查（最近 200 次）"
)
def patrol_list(request: HttpRequest) -> Any:
    return list(selectors.patrols_visible(acting(request)).order_by("-started_at")[:200])


@router.post(
    "/patrols", response={201: PatrolOut, **ERRORS}, summary="开始巡查（带上网格职责清单）"
)
def patrol_start(request: HttpRequest, payload: StartIn) -> Any:
    actor = acting(request)
    patrol = services.patrol_start(
        actor=actor, grid_id=payload.grid_id, lat=payload.lat, lng=payload.lng
    )
    return Status(201, selectors.patrol_detail(actor, patrol.pk))


@router.get(
    "/patrols/compliance", response={200: ComplianceOut, **ERRORS}, summary="三陪同：每周达标情况"
)
def compliance(request: HttpRequest, q: Query[ComplianceIn]) -> Any:
    table = selectors.compliance(
        acting(request), street_id=q.street_id, weeks=q.weeks, until=q.until
    )
    return {
        "street_id": table.street.pk,
        "street": table.street.name,
        "target": table.target,
        "rows": [{**row.__dict__, "shortfall": row.shortfall} for row in table.rows],
    }


@router.get(
    "/patrols/compliance.xlsx",
    response=ERRORS,
    summary="三陪同：每周达标情况（XLSX，同页面导出）",
    openapi_extra=file_response("the compliance table as a workbook", xlsx.CONTENT_TYPE),
)
def compliance_export(request: HttpRequest, q: Query[ComplianceIn]) -> HttpResponse:
    table = selectors.compliance(
        acting(request), street_id=q.street_id, weeks=q.weeks, until=q.until
    )
    return compliance_xlsx(table)


@router.get("/patrols/{patrol_id}", response={200: PatrolOut, **ERRORS}, summary="一次巡查")
def patrol_detail(request: HttpRequest, patrol_id: int) -> Any:
    return _patrol(request, patrol_id)


@router.post("/patrols/{patrol_id}/end", response={200: PatrolOut, **ERRORS}, summary="结束巡查")
def patrol_end(request: HttpRequest, patrol_id: int, payload: EndIn) -> Any:
    actor = acting(request)
    services.patrol_end(
        actor=actor, patrol_id=patrol_id, note=payload.note, lat=payload.lat, lng=payload.lng
    )
    return selectors.patrol_detail(actor, patrol_id)


@router.put(
    "/patrols/{patrol_id}/checklist/{line_id}",
    response={200: ChecklistOut, **ERRORS},
    summary="勾选（或取消）一项职责，可附说明",
)
def patrol_tick(request: HttpRequest, patrol_id: int, line_id: int, payload: TickIn) -> Any:
    return services.patrol_tick(
        actor=acting(request),
        patrol_id=patrol_id,
        duty_id=line_id,
        done=payload.done,
        note=payload.note,
    )


@router.post(
    "/patrols/{patrol_id}/track",
    response={200: TrackOut, **ERRORS},
    summary="上传一批轨迹点（巡查进行中；重发的点不重复，服务器抽稀）",
)
def patrol_track(request: HttpRequest, patrol_id: int, payload: TrackIn) -> Any:
    patrol = services.patrol_track(
        actor=acting(request),
        patrol_id=patrol_id,
        points=[p.dict() for p in payload.points],
    )
    return {"kept": len(patrol.track), "track": patrol.track}


@router.post(
    "/patrols/{patrol_id}/companions",
    response={201: CompanionOut, **ERRORS},
    summary="登记陪同人（三陪同）：须是工作人员",
)
def companion_add(request: HttpRequest, patrol_id: int, payload: CompanionIn) -> Any:
    companion = services.companion_add(
        actor=acting(request), patrol_id=patrol_id, user_id=payload.user_id
    )
    return Status(201, companion)


@router.delete(
    "/patrols/{patrol_id}/companions/{companion_id}",
    response={204: None, **ERRORS},
    summary="取消登记的陪同人",
)
def companion_remove(request: HttpRequest, patrol_id: int, companion_id: int) -> Any:
    services.companion_remove(actor=acting(request), patrol_id=patrol_id, companion_id=companion_id)
    return Status(204, None)
