"""Writes to the organisation tree."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from shapely.geometry import shape
from shapely.validation import explain_validity

from huying.core.errors import InvalidInput
from huying.org.models import OrgUnit, RoleGrant
from huying.org.roles import placement_error
from huying.org.selectors import grants_changed, grid_index

K = OrgUnit.Kind

#: Which kinds may sit under which.
ALLOWED_PARENTS: dict[str, frozenset[str | None]] = {
    K.DISTRICT: frozenset({None}),
    K.STREET: frozenset({K.DISTRICT}),
    K.COMMUNITY: frozenset({K.STREET}),
    K.GRID: frozenset({K.COMMUNITY}),
    K.HUB: frozenset({K.DISTRICT}),
    K.DEPARTMENT: frozenset({K.DISTRICT}),
    K.FIELD_UNIT: frozenset({K.DEPARTMENT}),
}

#: Unit-grid codes: 6-digit county code + 3 street + 3 community + 3 grid sequence.
CODE_LENGTH = {K.DISTRICT: 6, K.STREET: 9, K.COMMUNITY: 12, K.GRID: 15}


def _validate_code(*, kind: str, code: str, parent: OrgUnit | None) -> None:
    length = CODE_LENGTH.get(K(kind))
    if length is None:
        return
    if len(code) != length or not code.isdigit():
        raise InvalidInput(f"{K(kind).label}编码应为{length}位数字", field="code")
    if parent is not None and parent.kind in CODE_LENGTH and not code.startswith(parent.code):
        raise InvalidInput(f"编码须以上级编码 {parent.code} 开头", field="code")


def _validate_boundary(boundary: dict[str, Any]) -> tuple[float, float, float, float]:
    try:
        geom = shape(boundary)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise InvalidInput("边界不是有效的 GeoJSON 多边形", field="boundary") from exc
    if geom.geom_type not in {"Polygon", "MultiPolygon"} or geom.is_empty:
        raise InvalidInput("边界必须是多边形", field="boundary")
    if not geom.is_valid:
        raise InvalidInput(f"边界多边形无效：{explain_validity(geom)}", field="boundary")
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInput("边界坐标超出经纬度范围", field="boundary")
    return min_lng, min_lat, max_lng, max_lat


@transaction.atomic
def unit_create(
    *,
    kind: str,
    code: str,
    name: str,
    parent: OrgUnit | None = None,
    subtype: str = "",
    abbr: str = "",
    boundary: dict[str, Any] | None = None,
    phone: str = "",
) -> OrgUnit:
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise InvalidInput(
            f"{K(kind).label}不能设在{K(parent_kind).label if parent_kind else '顶层'}之下"
        )
    _validate_code(kind=kind, code=code, parent=parent)
    if OrgUnit.objects.filter(code=code).exists():
        raise InvalidInput(f"编码 {code} 已存在", field="code")
    unit = OrgUnit(
        kind=kind, code=code, name=name, parent=parent, subtype=subtype, abbr=abbr, phone=phone
    )
    if boundary is not None:
        if kind != K.GRID:
            raise InvalidInput("只有网格可以设置边界", field="boundary")
        unit.boundary = boundary
        unit.min_lng, unit.min_lat, unit.max_lng, unit.max_lat = _validate_boundary(boundary)
    unit.path = "/"
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    if kind == K.GRID:
        transaction.on_commit(grid_index.invalidate)
    return unit


def grant_role(*, user: Any, role: str, unit: OrgUnit, scope: str = "") -> RoleGrant:
    error = placement_error(role, unit.kind)
    if error:
        raise InvalidInput(error, field="unit")
    grant, _ = RoleGrant.objects.get_or_create(
        user=user, role=role, unit=unit, defaults={"scope": scope}
    )
    grants_changed()
    return grant


def person_create(
    *, username: str, full_name: str, password: str | None = None, phone: str = ""
) -> Any:
    User = get_user_model()
    user = User(username=username, first_name=full_name[:150])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user
