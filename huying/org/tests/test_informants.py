"""网格信息员: enrolled by the grid's staff with a name and a number, one grid each,
suspended and reinstated, every change in the change log."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from huying.conftest import World
from huying.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from huying.core.models import ChangeLog
from huying.org import informants
from huying.org.actors import actor_for
from huying.org.models import PhoneAccount, Role, RoleGrant
from huying.org.phone_signin import _resident

pytestmark = pytest.mark.django_db


def enrol(world: World, who: str = "grid_worker", grid: int = 0, **kw: Any) -> RoleGrant:
    data = {"name": "王大姐", "phone": "139 0000 1111", **kw}
    return informants.informant_enrol(actor=world.actor(who), grid_id=world.grids[grid].pk, **data)


def test_enrolled_by_name_and_number_signs_in_by_text_and_reports_as_informant(
    world: World,
) -> None:
    grant = enrol(world)
    assert (grant.role, grant.unit, grant.is_active) == (Role.GRID_INFORMANT, world.grids[0], True)
    assert grant.user.first_name == "王大姐"
    assert PhoneAccount.objects.get(phone="13900001111").user == grant.user
    # the text-message sign-in finds the same person, acting as the grid's informant
    user = _resident("13900001111", grant.user.date_joined)
    assert user == grant.user
    assert actor_for(user).role == Role.GRID_INFORMANT
    log = ChangeLog.objects.get(action="org.informant.enrol")
    assert log.user == world.actor("grid_worker").user
    assert log.after is not None and log.after["phone"] == "13900001111"


def test_a_resident_who_already_signed_in_keeps_the_account(world: World) -> None:
    resident = _resident("13900002222", world.actor("grid_worker").user.date_joined)
    grant = enrol(world, phone="13900002222", name="李师傅")
    assert grant.user == resident
    assert set(resident.grants.values_list("role", flat=True)) == {
        Role.RESIDENT,
        Role.GRID_INFORMANT,
    }


def test_an_informant_is_on_one_grid_only(world: World) -> None:
    enrol(world)
    with pytest.raises(RuleViolation) as raised:
        enrol(world, who="grid_worker_b", grid=2)
    assert world.grids[0].name in raised.value.message
    with pytest.raises(RuleViolation):
        enrol(world)  # the same grid again
    assert RoleGrant.objects.filter(user__phone_account__phone="13900001111").count() == 1


def test_the_database_holds_one_grid_per_informant_too(world: World) -> None:
    grant = enrol(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=grant.user, role=Role.GRID_INFORMANT, unit=world.grids[1])


def test_only_the_grids_staff_and_those_above_it_enrol(world: World) -> None:
    enrol(world, who="community")  # community staff above grids[0]
    with pytest.raises(NotFound):
        enrol(world, who="grid_worker_b", phone="13900003333")  # not his grid
    for who in ("street", "informant", "resident"):
        with pytest.raises(PermissionDenied):
            enrol(world, who=who, phone="13900004444")
    assert (
        RoleGrant.objects.filter(
            role=Role.GRID_INFORMANT, user__phone_account__isnull=False
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": " "}, "name"), ({"phone": "12345"}, "phone"), ({"name": "名" * 31}, "name")],
)
def test_bad_input_is_refused_and_changes_nothing(
    world: World, data: dict[str, Any], field: str
) -> None:
    before = RoleGrant.objects.count(), PhoneAccount.objects.count(), ChangeLog.objects.count()
    with pytest.raises(InvalidInput) as raised:
        enrol(world, **data)
    assert raised.value.details["field"] == field
    after = RoleGrant.objects.count(), PhoneAccount.objects.count(), ChangeLog.objects.count()
    assert after == before


def test_a_suspended_informant_cannot_report_and_reinstated_can(world: World) -> None:
    grant = enrol(world)
    worker = world.actor("grid_worker")
    informants.informant_suspend(actor=worker, grant_id=grant.pk, reason="长期未履职")
    with pytest.raises(PermissionDenied):
        actor_for(grant.user)
    with pytest.raises(RuleViolation):
        informants.informant_suspend(actor=worker, grant_id=grant.pk)
    informants.informant_reinstate(actor=worker, grant_id=grant.pk)
    assert actor_for(grant.user).role == Role.GRID_INFORMANT
    actions = list(ChangeLog.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["org.informant.enrol", "org.informant.suspend", "org.informant.reinstate"]
    suspended = ChangeLog.objects.get(action="org.informant.suspend")
    assert suspended.before is not None and suspended.after is not None
    assert (suspended.before["is_active"], suspended.after["is_active"]) == (True, False)
    assert suspended.after["reason"] == "长期未履职"


def test_another_grids_worker_cannot_suspend(world: World) -> None:
    grant = enrol(world)
    with pytest.raises(NotFound):
        informants.informant_suspend(actor=world.actor("grid_worker_b"), grant_id=grant.pk)
    assert RoleGrant.objects.get(pk=grant.pk).is_active


def test_the_list_is_the_managers_grids_only(world: World) -> None:
    ours = enrol(world)
    theirs = enrol(world, who="grid_worker_b", grid=2, phone="13900005555")
    mine = set(informants.informants_managed_by(world.actor("grid_worker")))
    assert ours in mine and theirs not in mine
