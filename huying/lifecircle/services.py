"""Writes of the 15-minute life circle. Each is one transaction: a point's edit is a
compare-and-set on its ``version`` (a stale page changes nothing), bad input changes nothing,
and every change lands in the change log (``huying.core.changelog``) with before and after.

A point's community is where it stands: the grid that holds it (``org.selectors.grid_at``)
names its community, and a street's staff may place points only in their own street."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from huying.core.changelog import change_record, diff, snapshot
from huying.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from huying.lifecircle import rules
from huying.lifecircle.models import ServiceKind, ServicePoint
from huying.lifecircle.selectors import point_get
from huying.onewindow.models import ServiceItem
from huying.onewindow.selectors import window_items
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.selectors import grid_at
from huying.org.services import PHONE_PATTERN

#: What the change log records of a point.
FIELDS = (
    "name",
    "kind",
    "community",
    "address",
    "lat",
    "lng",
    "hours",
    "follows_calendar",
    "phone",
    "services",
    "items",
)
MAX_SERVICES = 30

#: The kinds a new district starts with (编码, 名称, 必备), in display order.
DEFAULT_KINDS: tuple[tuple[str, str, bool], ...] = (
    ("party", "党群服务站", True),
    ("resident", "居民服务站", False),
    ("elderly", "日间照料站/养老服务站", True),
    ("health", "社区卫生服务中心/站", True),
    ("social_org", "社会组织服务中心", False),
    ("jobs", "就业服务站", False),
    ("market", "菜市场/便民点", False),
    ("childcare", "托育点", False),
    ("culture", "文体活动室", False),
)


def _text(value: str, field: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写{label}").format(label=label), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("{label}不能超过 {limit} 字").format(label=label, limit=limit), field=field
        )
    return value


def _editor(actor: Actor) -> None:
    if actor.role not in rules.EDITOR_ROLES:
        raise PermissionDenied(_("只有街道和区里的工作人员可以维护服务点"))


def _community_at(actor: Actor, lat: float, lng: float) -> OrgUnit:
    for value in (lat, lng):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidInput(_("位置坐标必须是数字"), field="lat")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput(_("位置坐标超出经纬度范围"), field="lat")
    grid = grid_at(lat, lng)
    community = grid.parent if grid is not None else None
    if community is None:
        raise InvalidInput(_("这个位置不在本区的网格内，请在地图上重新选点"), field="lat")
    if not actor.covers(community.path):
        raise InvalidInput(
            _("这个位置在「{community}」，不在你管理的范围内").format(community=community.name),
            field="lat",
        )
    return community


def _values(
    actor: Actor,
    *,
    name: str,
    kind_id: int,
    address: str,
    lat: float,
    lng: float,
    hours: Mapping[str, Sequence[str]],
    follows_calendar: bool,
    phone: str,
    services: Sequence[str],
) -> dict[str, Any]:
    kind = ServiceKind.objects.filter(pk=kind_id).first()
    if kind is None:
        raise InvalidInput(_("请选择服务点类别"), field="kind_id")
    phone = (phone or "").strip()
    if phone and not PHONE_PATTERN.match(phone):
        raise InvalidInput(_("联系电话格式不正确"), field="phone")
    cleaned = [s.strip() for s in services if s and s.strip()]
    if len(cleaned) > MAX_SERVICES:
        raise InvalidInput(_("服务内容最多 %(n)d 项") % {"n": MAX_SERVICES}, field="services")
    if any(len(s) > 100 for s in cleaned):
        raise InvalidInput(_("每项服务内容不能超过 100 字"), field="services")
    return {
        "name": _text(name, "name", label=_("名称"), limit=100),
        "kind": kind,
        "address": _text(address, "address", label=_("地址"), limit=200),
        "lat": lat,
        "lng": lng,
        "community": _community_at(actor, lat, lng),
        "hours": rules.clean_hours(hours),
        "follows_calendar": bool(follows_calendar),
        "phone": phone,
        "services": list(dict.fromkeys(cleaned)),
    }


def _items(community: OrgUnit, item_ids: Sequence[int]) -> list[ServiceItem]:
    """One-window items a station handles: published ones a station of the community's
    district may accept."""
    ids = set(item_ids)
    items = list(window_items(f"/{community.district_id}/").filter(pk__in=ids))
    if len(items) != len(ids):
        raise InvalidInput(_("可办事项须是已发布、服务站可受理的服务事项"), field="item_ids")
    return items


def point_create(
    *,
    actor: Actor,
    now: datetime,
    name: str,
    kind_id: int,
    address: str,
    lat: float,
    lng: float,
    hours: Mapping[str, Sequence[str]],
    follows_calendar: bool = False,
    phone: str = "",
    services: Sequence[str] = (),
    item_ids: Sequence[int] = (),
) -> ServicePoint:
    _editor(actor)
    values = _values(
        actor,
        name=name,
        kind_id=kind_id,
        address=address,
        lat=lat,
        lng=lng,
        hours=hours,
        follows_calendar=follows_calendar,
        phone=phone,
        services=services,
    )
    items = _items(values["community"], item_ids)
    with transaction.atomic():
        point = ServicePoint.objects.create(updated_at=now, updated_by=actor.user, **values)
        point.items.set(items)
        change_record(
            actor=actor,
            action="lifecircle.point_create",
            obj=point,
            now=now,
            after=snapshot(point, FIELDS),
        )
    return point


def point_update(
    *,
    actor: Actor,
    now: datetime,
    point_id: int,
    version: int,
    name: str,
    kind_id: int,
    address: str,
    lat: float,
    lng: float,
    hours: Mapping[str, Sequence[str]],
    follows_calendar: bool = False,
    phone: str = "",
    services: Sequence[str] = (),
    item_ids: Sequence[int] = (),
) -> ServicePoint:
    """Edit a point the actor keeps; moving it re-derives its community (which must still be
    the actor's)."""
    _editor(actor)
    point_get(actor, point_id)  # 404 outside the actor's scope
    values = _values(
        actor,
        name=name,
        kind_id=kind_id,
        address=address,
        lat=lat,
        lng=lng,
        hours=hours,
        follows_calendar=follows_calendar,
        phone=phone,
        services=services,
    )
    items = _items(values["community"], item_ids)
    with transaction.atomic():
        point = ServicePoint.objects.select_for_update().filter(pk=point_id).first()
        if point is None:
            raise NotFound(_("服务点不存在或无权查看"))
        if point.version != version:
            raise Conflict(_("该服务点已被他人修改，请刷新后重试"))
        before = snapshot(point, FIELDS)
        updated = ServicePoint.objects.filter(pk=point_id, version=version).update(
            version=F("version") + 1, updated_at=now, updated_by=actor.user, **values
        )
        if not updated:
            raise Conflict(_("该服务点已被他人修改，请刷新后重试"))
        point.refresh_from_db()
        point.items.set(items)
        old, new = diff(before, snapshot(point, FIELDS))
        change_record(
            actor=actor,
            action="lifecircle.point_update",
            obj=point,
            now=now,
            before=old,
            after=new,
        )
    return point


def point_delete(*, actor: Actor, now: datetime, point_id: int, version: int) -> None:
    _editor(actor)
    point_get(actor, point_id)
    with transaction.atomic():
        point = ServicePoint.objects.select_for_update().filter(pk=point_id).first()
        if point is None:
            raise NotFound(_("服务点不存在或无权查看"))
        if point.version != version:
            raise Conflict(_("该服务点已被他人修改，请刷新后重试"))
        change_record(
            actor=actor,
            action="lifecircle.point_delete",
            obj=point,
            now=now,
            before=snapshot(point, FIELDS),
        )
        point.delete()


# --- kinds (the district) ----------------------------------------------------------------------


def _kind_editor(actor: Actor) -> None:
    if actor.role not in rules.KIND_EDITOR_ROLES:
        raise PermissionDenied(_("只有区里可以设定服务点类别"))


def kind_defaults_install(*, actor: Actor | None, now: datetime) -> list[ServiceKind]:
    """The default kinds, where the table has none by their code (a new district)."""
    if actor is not None:
        _kind_editor(actor)
    made = []
    with transaction.atomic():
        for order, (code, name, essential) in enumerate(DEFAULT_KINDS, start=1):
            kind, created = ServiceKind.objects.get_or_create(
                code=code, defaults={"name": name, "essential": essential, "order": order}
            )
            if created:
                change_record(
                    actor=actor,
                    action="lifecircle.kind_create",
                    obj=kind,
                    now=now,
                    after=snapshot(kind, ("code", "name", "essential", "order")),
                )
                made.append(kind)
    return made


def kind_create(
    *, actor: Actor, now: datetime, code: str, name: str, essential: bool = False
) -> ServiceKind:
    _kind_editor(actor)
    code = _text(code, "code", label=_("类别编码"), limit=32)
    name = _text(name, "name", label=_("类别名称"), limit=50)
    with transaction.atomic():
        if ServiceKind.objects.filter(code=code).exists():
            raise InvalidInput(_("类别编码 {code} 已存在").format(code=code), field="code")
        order = ServiceKind.objects.order_by("-order").values_list("order", flat=True).first() or 0
        kind = ServiceKind.objects.create(
            code=code, name=name, essential=essential, order=order + 1
        )
        change_record(
            actor=actor,
            action="lifecircle.kind_create",
            obj=kind,
            now=now,
            after=snapshot(kind, ("code", "name", "essential", "order")),
        )
    return kind


def kind_update(
    *, actor: Actor, now: datetime, kind_id: int, version: int, name: str, essential: bool
) -> ServiceKind:
    """Rename a kind or say whether it is essential (the coverage page checks those)."""
    _kind_editor(actor)
    name = _text(name, "name", label=_("类别名称"), limit=50)
    with transaction.atomic():
        kind = ServiceKind.objects.select_for_update().filter(pk=kind_id).first()
        if kind is None:
            raise NotFound(_("服务点类别不存在"))
        before = snapshot(kind, ("name", "essential"))
        updated = ServiceKind.objects.filter(pk=kind_id, version=version).update(
            version=F("version") + 1, name=name, essential=essential
        )
        if not updated:
            raise Conflict(_("该类别已被他人修改，请刷新后重试"))
        kind.refresh_from_db()
        old, new = diff(before, snapshot(kind, ("name", "essential")))
        change_record(
            actor=actor, action="lifecircle.kind_update", obj=kind, now=now, before=old, after=new
        )
    return kind
