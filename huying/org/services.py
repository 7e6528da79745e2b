"""Writes to the organisation tree."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape

from huying.core.changelog import change_record, diff, snapshot
from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.core.i18n import join_list
from huying.org import geometry
from huying.org.actors import Actor
from huying.org.models import OrgUnit, RoleGrant
from huying.org.roles import may_manage, placement_error
from huying.org.selectors import district_streets, grants_changed, grid_index

K = OrgUnit.Kind

#: Which kinds may sit under which.
ALLOWED_PARENTS: dict[str, frozenset[str | None]] = {
    K.CITY: frozenset({None}),
    K.DISTRICT: frozenset({None}),
    K.STREET: frozenset({K.DISTRICT}),
    K.COMMUNITY: frozenset({K.STREET}),
    K.GRID: frozenset({K.COMMUNITY}),
    K.HUB: frozenset({K.DISTRICT}),
    K.DEPARTMENT: frozenset({K.DISTRICT}),
    K.FIELD_UNIT: frozenset({K.DEPARTMENT}),
}

#: Unit-grid codes: 6-digit county code + 3 street + 3 community + 3 grid sequence.
CODE_LENGTH = {K.CITY: 6, K.DISTRICT: 6, K.STREET: 9, K.COMMUNITY: 12, K.GRID: 15}


def _validate_code(*, kind: str, code: str, parent: OrgUnit | None) -> None:
    length = CODE_LENGTH.get(K(kind))
    if length is None:
        return
    if len(code) != length or not code.isdigit():
        raise InvalidInput(
            _("{kind}编码应为{length}位数字").format(kind=K(kind).label, length=length),
            field="code",
        )
    if parent is not None and parent.kind in CODE_LENGTH and not code.startswith(parent.code):
        raise InvalidInput(_("编码须以上级编码 {code} 开头").format(code=parent.code), field="code")


def _grid_boundary(
    boundary: dict[str, Any], *, community: OrgUnit | None, exclude_pk: int | None = None
) -> tuple[float, float, float, float]:
    """Every boundary rule of :mod:`huying.org.geometry` for a grid under ``community``;
    the bounding box (min_lng, min_lat, max_lng, max_lat) when they all hold."""
    geom = geometry.parse_boundary(boundary)
    if community is not None and community.boundary:
        geometry.check_inside(
            geom, geometry.parse_boundary(community.boundary), container_name=community.name
        )
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    # Any active grid may be a neighbour, not only the siblings: grid_at must stay unambiguous.
    neighbours = OrgUnit.objects.filter(
        kind=K.GRID,
        is_active=True,
        boundary__isnull=False,
        min_lng__lte=max_lng,
        max_lng__gte=min_lng,
        min_lat__lte=max_lat,
        max_lat__gte=min_lat,
    ).only("name", "boundary")
    if exclude_pk is not None:
        neighbours = neighbours.exclude(pk=exclude_pk)
    geometry.check_no_overlap(geom, [(n.name, shape(n.boundary)) for n in neighbours])
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
        if parent_kind:
            message = _("{kind}不能设在{parent}之下").format(
                kind=K(kind).label, parent=K(parent_kind).label
            )
        else:
            message = _("{kind}不能设在顶层").format(kind=K(kind).label)
        raise InvalidInput(message)
    _validate_code(kind=kind, code=code, parent=parent)
    if OrgUnit.objects.filter(code=code).exists():
        raise InvalidInput(_("编码 {code} 已存在").format(code=code), field="code")
    unit = OrgUnit(
        kind=kind, code=code, name=name, parent=parent, subtype=subtype, abbr=abbr, phone=phone
    )
    if boundary is not None:
        if kind != K.GRID:
            raise InvalidInput(_("只有网格可以设置边界"), field="boundary")
        unit.boundary = boundary
        unit.min_lng, unit.min_lat, unit.max_lng, unit.max_lat = _grid_boundary(
            boundary, community=parent
        )
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
    grant, _created = RoleGrant.objects.get_or_create(
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


# --- back-office edits (清单和组织管理): admins only, each one in the change log -------------

#: Department and field-unit codes: letters, digits, "-" and "_" (e.g. ``510199-cg-01``).
_DEPT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
#: Phone numbers as people write them: 028-8888 8888, (028)88888888, 12345转1, +86 138…
PHONE_PATTERN = re.compile(r"^\+?[0-9()（）\- ]{3,28}(转[0-9]{1,6})?$")

DEPARTMENT_SIDE = frozenset({K.DEPARTMENT, K.FIELD_UNIT})
UNIT_FIELDS = ("name", "code", "phone", "is_active")
GRID_FIELDS = ("name", "code", "boundary", "is_active")


def _require_manager(actor: Actor, unit: OrgUnit) -> None:
    """An administrator, of the unit's district (the city's: of any)."""
    if not may_manage(actor.role):
        raise PermissionDenied(_("只有管理员可以维护组织机构"))
    if not actor.reaches(unit.path):
        raise NotFound(_("组织节点不存在"))


def _clean_name(name: str, *, label: Any) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("{kind}名称不能为空").format(kind=label), field="name")
    if len(name) > 100:
        raise InvalidInput(_("{kind}名称不能超过100个字符").format(kind=label), field="name")
    return name


def _check_sibling_name(
    *, name: str, parent: OrgUnit | None, kind: str, exclude_pk: int | None
) -> None:
    taken = OrgUnit.objects.filter(parent=parent, kind=kind, name=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput(
            _("同一上级下已有名为「{name}」的{kind}").format(name=name, kind=K(kind).label),
            field="name",
        )


def _check_code_free(code: str, *, exclude_pk: int | None) -> None:
    taken = OrgUnit.objects.filter(code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput(_("编码 {code} 已被其他机构使用").format(code=code), field="code")


def _clean_dept_code(code: str, *, department: OrgUnit | None) -> str:
    """``department``: the parent of a field unit, whose code its own must extend."""
    code = (code or "").strip()
    if not _DEPT_CODE.match(code):
        raise InvalidInput(_("编码只能由字母、数字、“-”和“_”组成，最长32位"), field="code")
    if department is not None and not code.startswith(f"{department.code}-"):
        raise InvalidInput(
            _("派驻机构编码须以所属部门编码「{prefix}」开头").format(prefix=f"{department.code}-"),
            field="code",
        )
    return code


def _clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if phone and not PHONE_PATTERN.match(phone):
        raise InvalidInput(_("联系电话格式不正确，例如 028-88888888"), field="phone")
    return phone


def _deactivation_error(unit: OrgUnit) -> str | None:
    """Why a department or field unit may not be switched off now, if it may not."""
    live = models.Q(klass__catalogue__is_current=True) | models.Q(
        klass__catalogue__published_at__isnull=True
    )
    item = unit.lead_items.filter(live).order_by("code").first()
    if item is not None:
        return _("「{unit}」是现行或草稿清单事项「{item}」的主办部门，请先在清单中调整").format(
            unit=unit.name, item=f"{item.code} {item.name}"
        )
    item = unit.co_items.filter(live).order_by("code").first()
    if item is not None:
        return _("「{unit}」是现行或草稿清单事项「{item}」的协办部门，请先在清单中调整").format(
            unit=unit.name, item=f"{item.code} {item.name}"
        )
    active_units = list(
        unit.children.filter(is_active=True).order_by("code").values_list("name", flat=True)
    )
    if active_units:
        return _("请先停用其下属派驻机构：{units}").format(units=join_list(active_units))
    return None


@transaction.atomic
def department_update(
    *,
    actor: Actor,
    unit: OrgUnit,
    name: str,
    code: str,
    phone: str,
    is_active: bool,
    now: datetime,
    stationed_in: Sequence[int] | None = None,
) -> OrgUnit:
    """Rename, recode, change the phone of, or switch on/off a department or field unit;
    ``stationed_in``, when given, a field unit's streets (派驻街道).

    A department's new code carries over to its field units' codes (``<dept>-NN``)."""
    _require_manager(actor, unit)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.kind not in DEPARTMENT_SIDE:
        raise InvalidInput(_("只能在这里修改区级部门或派驻机构"), field="unit")
    label = K(unit.kind).label
    parent = unit.parent if unit.kind == K.FIELD_UNIT else None
    name = _clean_name(name, label=label)
    code = _clean_dept_code(code, department=parent)
    phone = _clean_phone(phone)
    _check_sibling_name(name=name, parent=unit.parent, kind=unit.kind, exclude_pk=unit.pk)
    _check_code_free(code, exclude_pk=unit.pk)
    if unit.is_active and not is_active:
        error = _deactivation_error(unit)
        if error:
            raise InvalidInput(error, field="is_active")
    if is_active and not unit.is_active and parent is not None and not parent.is_active:
        raise InvalidInput(
            _("所属部门「{name}」已停用，不能启用其派驻机构").format(name=parent.name),
            field="is_active",
        )
    streets = None if stationed_in is None else _stations(unit.kind, unit, stationed_in)
    before = snapshot(unit, UNIT_FIELDS)
    old_code = unit.code
    unit.name, unit.code, unit.phone, unit.is_active = name, code, phone, is_active
    old, new = diff(before, snapshot(unit, UNIT_FIELDS))
    had = sorted(unit.stationed_in.values_list("pk", flat=True))
    if streets is not None and [s.pk for s in streets] != had:
        old["stationed_in"], new["stationed_in"] = had, [s.pk for s in streets]
    if not new:
        return unit
    unit.save(update_fields=[f for f in new if f != "stationed_in"])
    if "stationed_in" in new:
        unit.stationed_in.set(streets or [])
    change_record(actor=actor, action="org.unit.update", obj=unit, now=now, before=old, after=new)
    if unit.kind == K.DEPARTMENT and code != old_code:
        for child in unit.children.filter(kind=K.FIELD_UNIT, code__startswith=f"{old_code}-"):
            child_code = code + child.code.removeprefix(old_code)
            _check_code_free(child_code, exclude_pk=child.pk)
            change_record(
                actor=actor,
                action="org.unit.update",
                obj=child,
                now=now,
                before={"code": child.code},
                after={"code": child_code},
            )
            child.code = child_code
            child.save(update_fields=["code"])
    return unit


def _stations(kind: str, within: OrgUnit, street_ids: Sequence[int]) -> list[OrgUnit]:
    """A field unit's streets, in id order: active streets of its district (``within``'s)
    only; a department has none."""
    ids = sorted(set(street_ids))
    if ids and kind != K.FIELD_UNIT:
        raise InvalidInput(_("只有派驻机构有派驻街道"), field="stationed_in")
    streets = list(district_streets(within).filter(pk__in=ids).order_by("pk"))
    if len(streets) != len(ids):
        raise InvalidInput(_("派驻街道须是本区启用的街道"), field="stationed_in")
    return streets


@transaction.atomic
def field_unit_create(
    *,
    actor: Actor,
    department: OrgUnit,
    code: str,
    name: str,
    phone: str = "",
    now: datetime,
    stationed_in: Sequence[int] = (),
) -> OrgUnit:
    """A new field unit (派驻机构) under an active department, stationed in ``stationed_in``."""
    _require_manager(actor, department)
    if department.kind != K.DEPARTMENT:
        raise InvalidInput(_("派驻机构只能设在区级部门之下"), field="department")
    if not department.is_active:
        raise InvalidInput(
            _("部门「{name}」已停用，不能新增派驻机构").format(name=department.name),
            field="department",
        )
    name = _clean_name(name, label=K.FIELD_UNIT.label)
    code = _clean_dept_code(code, department=department)
    phone = _clean_phone(phone)
    _check_sibling_name(name=name, parent=department, kind=K.FIELD_UNIT, exclude_pk=None)
    _check_code_free(code, exclude_pk=None)
    streets = _stations(K.FIELD_UNIT, department, stationed_in)
    unit = unit_create(kind=K.FIELD_UNIT, code=code, name=name, parent=department, phone=phone)
    unit.stationed_in.set(streets)
    change_record(
        actor=actor,
        action="org.unit.create",
        obj=unit,
        now=now,
        after=snapshot(unit, ("parent", *UNIT_FIELDS, "stationed_in")),
    )
    return unit


@transaction.atomic
def grid_update(
    *,
    actor: Actor,
    grid: OrgUnit,
    name: str,
    code: str,
    boundary: dict[str, Any] | None,
    is_active: bool,
    now: datetime,
) -> OrgUnit:
    """Rename, recode, redraw or switch on/off a grid; point-in-polygon uses the new shape as
    soon as the transaction commits (other processes within ``CACHE_SECONDS``)."""
    _require_manager(actor, grid)
    # Lock the grid row only: PostgreSQL refuses FOR UPDATE on the outer-joined parent.
    grid = OrgUnit.objects.select_for_update(of=("self",)).select_related("parent").get(pk=grid.pk)
    if grid.kind != K.GRID:
        raise InvalidInput(_("只能在这里修改网格"), field="grid")
    community = grid.parent
    name = _clean_name(name, label=K.GRID.label)
    code = (code or "").strip()
    _validate_code(kind=K.GRID, code=code, parent=community)
    _check_code_free(code, exclude_pk=grid.pk)
    _check_sibling_name(name=name, parent=community, kind=K.GRID, exclude_pk=grid.pk)
    # Neighbours are checked when the grid enters the index with a new shape or comes back
    # into it, so an old overlap elsewhere does not block renaming a grid.
    enters_index = is_active and (boundary != grid.boundary or not grid.is_active)
    if boundary is None:
        if is_active:
            raise InvalidInput(_("启用的网格必须有边界"), field="boundary")
        bounds: tuple[float | None, ...] = (None, None, None, None)
    elif enters_index:
        bounds = _grid_boundary(boundary, community=community, exclude_pk=grid.pk)
    else:
        bounds = geometry.parse_boundary(boundary).bounds
    if is_active and community is not None and not community.is_active:
        raise InvalidInput(
            _("所属社区「{name}」已停用，不能启用网格").format(name=community.name),
            field="is_active",
        )
    before = snapshot(grid, GRID_FIELDS)
    grid.name, grid.code, grid.boundary, grid.is_active = name, code, boundary, is_active
    old, new = diff(before, snapshot(grid, GRID_FIELDS))
    if not new:
        return grid
    grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat = bounds
    grid.save(update_fields=[*new, "min_lng", "min_lat", "max_lng", "max_lat"])
    change_record(actor=actor, action="org.grid.update", obj=grid, now=now, before=old, after=new)
    # The index holds the grid rows themselves (name included), not only their shapes.
    transaction.on_commit(grid_index.invalidate)
    return grid
