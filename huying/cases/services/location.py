"""定位: placing a case the address did not place (the hub's 待定位 queue), by a point on
the map or a grid picked from the list. Not a step of the lifecycle (the case stays in its
state): a change of where it is, recorded on its trail like any other."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from huying.cases import rules
from huying.cases.models import Case
from huying.cases.services.engine import append_event, now_or, run, who_of
from huying.cases.services.intake import validate_report
from huying.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.selectors import ancestors, grid_at

K = OrgUnit.Kind


def case_locate(
    *,
    actor: Actor,
    case_id: int,
    grid_id: int | None = None,
    lat: float | None = None,
    lng: float | None = None,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """Put an open case in a grid: the one its point (``lat``, ``lng``, WGS-84) falls in, or
    ``grid_id`` when there is no point. A point and a grid that disagree are refused, as is a
    point outside every grid with no grid named. The street and community follow the grid;
    the point, when given, replaces the case's."""
    now = now_or(now)
    if actor.role not in rules.LOCATE_ROLES:
        raise PermissionDenied(_("只有呼应办可以为事件定位"))
    validate_report("-", lat, lng)  # the point's rules (both or neither, in range)
    grid = _grid(grid_id, lat, lng)
    chain = {u.kind: u for u in ancestors(grid)}

    def body(case: Case) -> Case:
        if case.state not in rules.OPEN_CASE_STATES:
            raise InvalidTransition(_("只能为未结的事件定位"))
        if grid.district_id != case.district_id:  # a case stays in its district
            raise InvalidInput(_("该位置不在本区范围内"), field="grid_id" if lat is None else "lat")
        fields: dict[str, object] = {
            "street": chain.get(K.STREET),
            "community": chain.get(K.COMMUNITY),
            "grid": grid,
            "territory_path": grid.path,
        }
        if lat is not None:
            fields |= {"lat": lat, "lng": lng}
        append_event(
            case,
            who=who_of(actor),
            action="locate",
            now=now,
            case_fields=fields,
            target=None,
            reason=reason,
            after={"grid_name": grid.name},
        )
        return case

    return run(actor, case_id, expected_version, body)


def _grid(grid_id: int | None, lat: float | None, lng: float | None) -> OrgUnit:
    chosen = None
    if grid_id is not None:
        chosen = OrgUnit.objects.filter(pk=grid_id, kind=K.GRID, is_active=True).first()
        if chosen is None:
            raise InvalidInput(_("所选网格不存在"), field="grid_id")
    if lat is None or lng is None:
        if chosen is None:
            raise InvalidInput(_("请在地图上点选位置或选择网格"), field="grid_id")
        return chosen
    found = grid_at(lat, lng)
    if found is None:
        if chosen is None:
            raise InvalidInput(_("该点不在本区任何网格内，请选择网格"), field="lat")
        raise InvalidInput(_("该点不在所选网格内"), field="lat")
    if chosen is not None and chosen.pk != found.pk:
        raise InvalidInput(_("该点不在所选网格内"), field="lat")
    return found
