"""网格信息员: residents who report for one grid, enrolled by the grid's staff with a name
and a mobile number. The number is the sign-in the residents' text-message login uses
(``phone_signin``): an informant signs in with a code, no password. An informant is on one
grid only (the database holds it too: ``org_informant_one_grid``); suspended, the grant is
off and they report, if at all, as any resident. Every change is in the change log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.core.changelog import change_record, snapshot
from huying.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from huying.org.actors import Actor
from huying.org.models import OrgUnit, PhoneAccount, Role, RoleGrant
from huying.org.phone_signin import normalize_phone
from huying.org.roles import FIELD_ROLES
from huying.org.selectors import grants_changed

#: Who enrols and suspends informants: the grid's worker, and the grid leader and community
#: staff above it.
INFORMANT_MANAGERS = FIELD_ROLES
FIELDS = ("unit", "is_active")


def _require_manager(actor: Actor) -> None:
    if actor.role not in INFORMANT_MANAGERS:
        raise PermissionDenied(_("只有网格员、网格长和社区工作人员可以管理网格信息员"))


def grids_managed_by(actor: Actor) -> QuerySet[OrgUnit]:
    """The grids whose informants the actor manages: his grid, or the grids below him."""
    _require_manager(actor)
    return OrgUnit.objects.filter(
        kind=OrgUnit.Kind.GRID, is_active=True, path__startswith=actor.unit.path
    ).order_by("path")


def informants_managed_by(actor: Actor) -> QuerySet[RoleGrant]:
    """Their informants, active first, then by grid and name (suspended ones kept)."""
    return (
        RoleGrant.objects.filter(role=Role.GRID_INFORMANT, unit__in=grids_managed_by(actor))
        .select_related("user", "user__phone_account", "unit")
        .order_by("-is_active", "unit__path", "user__first_name", "pk")
    )


def _grid(actor: Actor, grid_id: int) -> OrgUnit:
    grid = grids_managed_by(actor).filter(pk=grid_id).first()
    if grid is None:
        raise NotFound(_("网格不存在或不在本人范围内"))
    return grid


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请填写信息员姓名"), field="name")
    if len(name) > 30:
        raise InvalidInput(_("姓名不能超过 30 字"), field="name")
    return name


def _on_another_grid(grant: RoleGrant) -> RuleViolation:
    return RuleViolation(
        _("该手机号已是「{grid}」的网格信息员，一名信息员只能在一个网格").format(
            grid=grant.unit.name
        ),
        field="phone",
    )


def informant_enrol(
    *, actor: Actor, grid_id: int, name: str, phone: str, now: datetime | None = None
) -> RoleGrant:
    """Enrol a person by name and mobile number (the account is made if the number has
    none); refused if the number is already an informant anywhere."""
    now = now or timezone.now()
    grid = _grid(actor, grid_id)
    name = _clean_name(name)
    phone = normalize_phone(phone)
    try:
        with transaction.atomic():
            account = PhoneAccount.objects.select_related("user").filter(phone=phone).first()
            user = account.user if account is not None else _new_account(phone, name, now)
            held = RoleGrant.objects.filter(user=user, role=Role.GRID_INFORMANT)
            earlier = held.select_related("unit").first()
            if earlier is not None:
                if earlier.unit_id == grid.pk:
                    raise RuleViolation(_("该手机号已是本网格的信息员"), field="phone")
                raise _on_another_grid(earlier)
            if user.first_name != name:
                user.first_name = name
                user.save(update_fields=["first_name"])
            grant = RoleGrant.objects.create(user=user, role=Role.GRID_INFORMANT, unit=grid)
            change_record(
                actor=actor,
                action="org.informant.enrol",
                obj=grant,
                now=now,
                after={**snapshot(grant, FIELDS), "name": name, "phone": phone},
            )
    except IntegrityError:  # the same number enrolled twice at once: one grant stands
        earlier = RoleGrant.objects.select_related("unit").get(
            user__phone_account__phone=phone, role=Role.GRID_INFORMANT
        )
        raise _on_another_grid(earlier) from None
    grants_changed()
    return grant


def _new_account(phone: str, name: str, now: datetime) -> Any:
    users = get_user_model().objects
    username = f"m{phone}"
    if users.filter(username=username).exists():
        username = f"m{phone}-{now:%H%M%S%f}"
    user = users.create_user(username=username, first_name=name)
    PhoneAccount.objects.create(user=user, phone=phone, created_at=now)
    return user


def _set_active(
    *, actor: Actor, grant_id: int, active: bool, reason: str, now: datetime | None
) -> RoleGrant:
    now = now or timezone.now()
    with transaction.atomic():
        grant = (
            informants_managed_by(actor).select_for_update(of=("self",)).filter(pk=grant_id).first()
        )
        if grant is None:
            raise NotFound(_("信息员不存在或不在您的管辖范围"))
        if grant.is_active == active:
            message = _("该信息员已在岗") if active else _("该信息员已暂停")
            raise RuleViolation(message)
        before = snapshot(grant, FIELDS)
        grant.is_active = active
        grant.save(update_fields=["is_active"])
        change_record(
            actor=actor,
            action="org.informant.reinstate" if active else "org.informant.suspend",
            obj=grant,
            now=now,
            before=before,
            after={**snapshot(grant, FIELDS), **({"reason": reason} if reason else {})},
        )
    grants_changed()
    return grant


def informant_suspend(
    *, actor: Actor, grant_id: int, reason: str = "", now: datetime | None = None
) -> RoleGrant:
    """暂停: the informant can no longer report as one (the grant is off, kept on record)."""
    return _set_active(actor=actor, grant_id=grant_id, active=False, reason=reason, now=now)


def informant_reinstate(*, actor: Actor, grant_id: int, now: datetime | None = None) -> RoleGrant:
    return _set_active(actor=actor, grant_id=grant_id, active=True, reason="", now=now)
