"""Reporting up the ladder: informants' and street chiefs' reports wait with the grid worker,
who settles, merges or raises them; a chief's own fix counts as settled at the grid."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huying.cases import services
from huying.cases.models import Case, CaseState, Route, Source, Tier
from huying.cases.queues import grid_home, street_home
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, InvalidTransition, PermissionDenied, RuleViolation
from huying.core.models import Notification
from huying.core.tests.images import png

pytestmark = pytest.mark.django_db

S = CaseState
T = MONDAY_10AM


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png(), content_type="image/png")


def test_an_informants_report_waits_with_the_grid_worker_not_the_street(world: World) -> None:
    case = submit(world, who="informant")
    assert case.state == S.AT_GRID
    assert case.source == Source.INFORMANT
    assert case.reporter_id == world.actor("informant").user.pk
    worker, street = world.actor("grid_worker"), world.actor("street")
    tasks = grid_home(worker, T).queues[0]
    assert [c.pk for c in tasks.rows] == [case.pk]
    triage = next(q for q in street_home(street, T).queues if q.key == "triage")
    assert case.pk not in [c.pk for c in triage.rows]
    assert Notification.objects.filter(recipient=worker.user, kind="submitted").exists()
    assert not Notification.objects.filter(recipient=street.user).exists()
    with pytest.raises(InvalidTransition):
        services.case_triage(actor=street, case_id=case.pk, item_id=world.items[Level.GENERAL].pk)


def test_a_residents_report_and_a_report_from_a_grid_without_a_worker_go_to_the_street(
    world: World,
) -> None:
    assert submit(world, who="resident").state == S.SUBMITTED
    # grids[1] has no grid worker: nobody to wait with.
    assert submit(world, who="informant", grid=1).state == S.SUBMITTED


def test_settled_on_the_spot_is_l1_self_handling_at_grid_tier_checked_and_followed_up(
    world: World,
) -> None:
    case = submit(world, who="informant")
    services.case_grid_settle(
        actor=world.actor("grid_worker"), case_id=case.pk, result="已清理", files=[photo()], now=T
    )
    case.refresh_from_db()
    assert (case.state, case.route, case.tier, case.level) == (
        S.VERIFYING,
        Route.SELF,
        Tier.GRID,
        Level.SIMPLE,
    )
    assert list(case.events.values_list("action", flat=True)) == [
        "submit",
        "grid_handle",
        "complete_self",
    ]
    services.case_verify(actor=world.actor("street"), case_id=case.pk, passed=True, now=T)
    services.case_follow_up(
        actor=world.actor("informant"), case_id=case.pk, satisfaction="satisfied", now=T
    )
    assert Case.objects.get(pk=case.pk).state == S.CLOSED


def test_a_refused_settle_takes_nothing_on(world: World) -> None:
    case = submit(world, who="informant")
    with pytest.raises(InvalidInput):
        services.case_grid_settle(actor=world.actor("grid_worker"), case_id=case.pk, result=" ")
    after = Case.objects.get(pk=case.pk)
    assert (after.state, after.version) == (S.AT_GRID, case.version)


def test_raised_to_the_community_it_is_the_communitys_l1_case(world: World) -> None:
    case = submit(world, who="street_chief")
    services.case_raise(
        actor=world.actor("grid_worker"), case_id=case.pk, to="community", reason="需协调物业"
    )
    case.refresh_from_db()
    assert (case.state, case.tier, case.route) == (S.SELF_HANDLING, Tier.COMMUNITY, Route.SELF)
    assert case.due_at is not None
    # and up the existing ladder from there: community → street
    services.case_escalate(actor=world.actor("community"), case_id=case.pk, reason="超出能力")
    assert Case.objects.get(pk=case.pk).tier == Tier.STREET


def test_raised_to_the_street_it_joins_the_streets_triage(world: World) -> None:
    case = submit(world, who="informant")
    services.case_raise(actor=world.actor("grid_worker"), case_id=case.pk, to="street")
    case.refresh_from_db()
    assert case.state == S.SUBMITTED
    triage = next(q for q in street_home(world.actor("street"), T).queues if q.key == "triage")
    assert case.pk in [c.pk for c in triage.rows]
    with pytest.raises(InvalidInput):
        services.case_raise(actor=world.actor("grid_worker"), case_id=case.pk, to="hub")


def test_merged_into_an_open_case_by_the_grid_worker(world: World) -> None:
    master = submit(world, title="同一路灯")
    case = submit(world, who="informant")
    services.case_merge(actor=world.actor("grid_worker"), case_id=case.pk, master_id=master.pk)
    case.refresh_from_db()
    assert (case.state, case.master_id) == (S.MERGED, master.pk)
    assert case.events.last().action == "grid_merge"  # type: ignore[union-attr]


def test_only_the_grids_staff_act_on_it_and_the_informant_only_watches(world: World) -> None:
    case = submit(world, who="informant")
    with pytest.raises(PermissionDenied):
        services.case_grid_handle(actor=world.actor("informant"), case_id=case.pk)
    services.case_grid_handle(actor=world.actor("grid_leader"), case_id=case.pk)
    assert Case.objects.get(pk=case.pk).state == S.SELF_HANDLING


def test_a_chiefs_own_fix_is_closed_at_grid_tier_with_both_photos(world: World) -> None:
    chief = world.actor("street_chief")
    lat, lng = world.point_in(0)
    case = services.case_report_fixed(
        actor=chief,
        title="井盖松动",
        result="已垫稳井盖",
        before=[photo("前.png")],
        after=[photo("后.png")],
        lat=lat,
        lng=lng,
        now=T,
    )
    assert (case.state, case.tier, case.route, case.source) == (
        S.CLOSED,
        Tier.GRID,
        Route.SELF,
        Source.STREET_CHIEF,
    )
    assert case.closed_at == T
    assert case.attachments.count() == 2
    assert [e.action for e in case.events.order_by("seq")] == ["submit", "self_fixed"]


@pytest.mark.parametrize("missing", ["before", "after"])
def test_a_chiefs_fix_without_a_photo_is_refused_and_leaves_nothing(
    world: World, missing: str
) -> None:
    photos: dict[str, Any] = {"before": [photo()], "after": [photo()], missing: []}
    with pytest.raises(InvalidInput) as raised:
        services.case_report_fixed(
            actor=world.actor("street_chief"), title="井盖松动", result="已垫稳", **photos
        )
    assert raised.value.details["field"] == missing
    assert not Case.objects.exists()


def test_a_chiefs_fix_sent_twice_with_its_key_is_one_case(world: World) -> None:
    """The phone's offline queue may send a fix again: the key returns the one recorded."""
    chief = world.actor("street_chief")
    sent = [
        services.case_report_fixed(
            actor=chief,
            title="井盖松动",
            result="已垫稳井盖",
            before=[photo("前.png")],
            after=[photo("后.png")],
            submission_key="fix-1",
            now=T,
        )
        for _ in range(2)
    ]
    assert sent[0].pk == sent[1].pk
    assert Case.objects.count() == 1
    assert Case.objects.get().attachments.count() == 2


def test_only_a_chief_records_his_own_fix(world: World) -> None:
    for who in ("informant", "grid_worker"):
        with pytest.raises((PermissionDenied, RuleViolation)):
            services.case_report_fixed(
                actor=world.actor(who),
                title="井盖松动",
                result="已垫稳",
                before=[photo()],
                after=[photo()],
            )
    assert not Case.objects.exists()


def test_a_chief_records_his_fix_through_the_api(world: World) -> None:
    client = Client()
    client.force_login(world.actor("street_chief").user)
    answer = client.post(
        "/api/v1/street-chief/fixes",
        {
            "title": "井盖松动",
            "result": "已垫稳井盖",
            "before": photo("前.png"),
            "after": photo("后.png"),
        },
    )
    assert answer.status_code == 201, answer.content
    case = Case.objects.get(pk=answer.json()["id"])
    assert (case.state, case.tier, case.grid) == (S.CLOSED, Tier.GRID, world.grids[0])
    refused = client.post(
        "/api/v1/street-chief/fixes", {"title": "井盖", "result": "已垫稳", "before": photo()}
    )
    assert refused.status_code == 422
    assert Case.objects.count() == 1
