"""Each district keeps its own catalogue: a case is triaged (and reported) with an item of its
district's current version, whose lead is that district's department; another district's item
is refused and nothing changes."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseEvent, CaseState
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.core.errors import InvalidInput

LAT, LNG = 30.605, 104.305  # in the neighbour's grid


def _trail(case: Case) -> tuple[str, int, int, int]:
    case.refresh_from_db()
    events = CaseEvent.objects.filter(case=case).count()
    return case.state, case.version, events, Assignment.objects.filter(case=case).count()


def test_a_case_triaged_with_its_districts_item_is_called_to_its_department(
    world: World, neighbour: Neighbour
) -> None:
    street_q = world.actor("street_q")
    case = services.case_submit(actor=street_q, title="路灯坏了", lat=LAT, lng=LNG, now=MONDAY_10AM)
    item = neighbour.items[Level.GENERAL]
    services.case_triage(actor=street_q, case_id=case.pk, item_id=item.pk, now=MONDAY_10AM)
    (assignment,) = services.case_call(actor=street_q, case_id=case.pk, now=MONDAY_10AM)
    assert assignment.department == neighbour.department
    case.refresh_from_db()
    assert case.item == item and case.state == CaseState.IN_PROGRESS
    # The fixture's own case went the same way.
    called = neighbour.called
    assert called.state == CaseState.IN_PROGRESS
    assert [a.department for a in called.assignments.all()] == [neighbour.department]


def test_another_districts_item_is_refused_at_triage_and_nothing_changes(
    world: World, neighbour: Neighbour
) -> None:
    case = neighbour.case
    before = _trail(case)
    for item in world.items.values():  # the same codes and names, the other district's
        with pytest.raises(InvalidInput) as refused:
            services.case_triage(
                actor=world.actor("street_q"), case_id=case.pk, item_id=item.pk, now=MONDAY_10AM
            )
        assert refused.value.details["field"] == "item_id"
        assert "本区" in refused.value.message
    assert _trail(case) == before
    client = Client()
    client.force_login(world.actor("hub_q").user)
    response = client.post(
        f"/api/v1/cases/{case.pk}/triage",
        {"item_id": world.items[Level.GENERAL].pk},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert _trail(case) == before
    # And the other way round: the world's case with the neighbour's item.
    ours = services.case_submit(
        actor=world.actor("street"), title="路灯不亮", lat=30.605, lng=104.005, now=MONDAY_10AM
    )
    with pytest.raises(InvalidInput):
        services.case_triage(
            actor=world.actor("street"),
            case_id=ours.pk,
            item_id=neighbour.items[Level.GENERAL].pk,
            now=MONDAY_10AM,
        )
    assert _trail(ours) == (CaseState.SUBMITTED, ours.version, 1, 0)


def test_a_report_guessing_another_districts_item_is_refused_and_writes_nothing(
    world: World, neighbour: Neighbour
) -> None:
    resident_q = world.actor("resident_q")
    cases = Case.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.case_submit(
            actor=resident_q,
            title="路灯不亮",
            lat=LAT,
            lng=LNG,
            item_id=world.items[Level.GENERAL].pk,
            now=MONDAY_10AM,
        )
    assert refused.value.details["field"] == "item_id"
    assert Case.objects.count() == cases
    case = services.case_submit(
        actor=resident_q,
        title="路灯不亮",
        lat=LAT,
        lng=LNG,
        item_id=neighbour.items[Level.GENERAL].pk,
        now=MONDAY_10AM,
    )
    assert case.item_id == neighbour.items[Level.GENERAL].pk


def test_the_suggestion_for_a_case_offers_only_its_districts_items(
    world: World, neighbour: Neighbour
) -> None:
    ours = {i.pk for i in neighbour.items.values()}
    client = Client()
    client.force_login(world.actor("hub_q").user)
    response = client.get(f"/api/v1/cases/{neighbour.case.pk}/suggestion")
    assert response.status_code == 200, response.content
    data = response.json()
    offered = {s["item_id"] for s in data["items"]}
    assert offered and offered <= ours, data
    assert data["preselected"]["item_id"] == neighbour.items[Level.GENERAL].pk
    # The case page's triage form lists the district's items and none of the other's.
    page = client.get(f"/cases/{neighbour.case.pk}/").content.decode()
    selects = re.findall(r'<select name="[^"]*item_id".*?</select>', page, flags=re.DOTALL)
    assert selects
    for select in selects:
        listed = {int(pk) for pk in re.findall(r'<option value="(\d+)"', select)}
        assert listed == ours
