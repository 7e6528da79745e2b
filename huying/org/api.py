"""Organisation read endpoints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from huying.core.api_types import ERRORS, FilledText, Id, In, Text
from huying.core.errors import NotFound
from huying.org import informants
from huying.org.actors import under
from huying.org.api_auth import acting
from huying.org.models import OrgUnit, RoleGrant
from huying.org.phone_signin import masked

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
    actor = acting(request)
    qs = OrgUnit.objects.filter(under("path", actor.reach), is_active=True).order_by("path")
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return list(qs[:5000])


@router.get("/org/units/{unit_id}", response=UnitDetailOut, summary="组织节点详情（含网格边界）")
def unit(request: HttpRequest, unit_id: Id) -> Any:
    actor = acting(request)
    found = OrgUnit.objects.filter(under("path", actor.reach), pk=unit_id).first()
    if found is None:
        raise NotFound(_("组织节点不存在"))
    return found


# --- 网格信息员 (huying.org.informants): the grid's staff enrol, suspend, reinstate ----------


class InformantOut(Schema):
    id: int
    name: str
    phone: str  # masked: 139****1111
    grid_id: int
    grid: str
    active: bool


class InformantIn(In):
    grid_id: Id
    name: FilledText = Field(max_length=30)
    phone: FilledText = Field(max_length=20)


class SuspendIn(In):
    reason: Text = ""


def _informant(grant: RoleGrant) -> dict[str, Any]:
    account = getattr(grant.user, "phone_account", None)
    return {
        "id": grant.pk,
        "name": grant.user.first_name,
        "phone": masked(account.phone) if account is not None else "",
        "grid_id": grant.unit_id,
        "grid": grant.unit.name,
        "active": grant.is_active,
    }


@router.get("/informants", response=list[InformantOut], summary="网格信息员：我管辖网格的名单")
def informant_list(request: HttpRequest) -> Any:
    return [_informant(g) for g in informants.informants_managed_by(acting(request))]


@router.post(
    "/informants", response={201: InformantOut, **ERRORS}, summary="登记网格信息员（姓名、手机号）"
)
def informant_enrol(request: HttpRequest, payload: InformantIn) -> Any:
    grant = informants.informant_enrol(actor=acting(request), **payload.dict())
    return Status(201, _informant(grant))


@router.post(
    "/informants/{grant_id}/suspend", response={200: InformantOut, **ERRORS}, summary="暂停信息员"
)
def informant_suspend(request: HttpRequest, grant_id: Id, payload: SuspendIn) -> Any:
    actor = acting(request)
    informants.informant_suspend(actor=actor, grant_id=grant_id, reason=payload.reason)
    return _informant(informants.informants_managed_by(actor).get(pk=grant_id))


@router.post(
    "/informants/{grant_id}/reinstate",
    response={200: InformantOut, **ERRORS},
    summary="恢复信息员",
)
def informant_reinstate(request: HttpRequest, grant_id: Id) -> Any:
    actor = acting(request)
    informants.informant_reinstate(actor=actor, grant_id=grant_id)
    return _informant(informants.informants_managed_by(actor).get(pk=grant_id))
