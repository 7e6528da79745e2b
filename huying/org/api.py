"""Organisation read endpoints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from huying.core.api_types import Id
from huying.core.errors import NotFound
from huying.org.api_auth import acting
from huying.org.models import OrgUnit, RoleGrant

router = Router(tags=["组织 organisation"])


class UnitOut(Schema):
    id: int
    parent_id: int | None
    kind: str
    code: str
    name: str
    subtype: str
    depth: int


class UnitDetailOut(UnitOut):
    boundary: dict[str, Any] | None
    phone: str


class GrantOut(Schema):
    id: int
    role: str
    role_label: str
    unit_id: int
    unit_name: str
    scope: str

    @staticmethod
    def resolve_role_label(obj: RoleGrant) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_unit_name(obj: RoleGrant) -> str:
        return obj.unit.name


class MeOut(Schema):
    username: str
    full_name: str
    acting_grant_id: int | None
    grants: list[GrantOut]


@router.get("/me", response=MeOut, summary="当前用户与角色")
def me(request: HttpRequest) -> Any:
    actor = acting(request)
    grants = (
        RoleGrant.objects.select_related("unit")
        .filter(user=actor.user, is_active=True)
        .order_by("pk")
    )
    return {
        "username": request.user.get_username(),
        "full_name": request.user.get_full_name(),  # type: ignore[union-attr]
        "acting_grant_id": actor.grant_id,
        "grants": list(grants),
    }


@router.get("/org/units", response=list[UnitOut], summary="组织节点（不含边界）")
def units(
    request: HttpRequest, kind: OrgUnit.Kind | None = None, parent_id: Id | None = None
) -> Any:
    acting(request)
    qs = OrgUnit.objects.filter(is_active=True).order_by("path")
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return list(qs[:5000])


@router.get("/org/units/{unit_id}", response=UnitDetailOut, summary="组织节点详情（含网格边界）")
def unit(request: HttpRequest, unit_id: Id) -> Any:
    acting(request)
    found = OrgUnit.objects.filter(pk=unit_id).first()
    if found is None:
        raise NotFound(_("组织节点不存在"))
    return found
