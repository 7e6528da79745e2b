"""Districts as tenants: a district's roles that "see all" see all of their own district and
nothing of the next one (absent: 404, and nothing changes); the city's roles read across."""

from __future__ import annotations

import pytest
from django.test import Client

from huying.cases import services
from huying.cases.models import Case, CaseEvent
from huying.cases.selectors import assignments_actionable_by, cases_visible_to, grids_visible_to
from huying.conftest import Neighbour, World
from huying.core.errors import NotFound

from .helpers import case_in_state

#: The world's roles whose scope is their whole district.
WORLD_WIDE = ("hub", "hub_sup", "leader", "admin")
NEIGHBOUR_WIDE = ("hub_q", "sup_q", "leader_q", "admin_q")


def _listed(world: World, who: str) -> set[int]:
    client = Client()
    client.force_login(world.actor(who).user)
    response = client.get("/api/v1/cases", {"limit": 200})
    assert response.status_code == 200
    return {c["id"] for c in response.json()["items"]}


@pytest.mark.parametrize("who", WORLD_WIDE)
def test_a_district_sees_none_of_the_next_ones_cases(
    world: World, neighbour: Neighbour, who: str
) -> None:
    ours = case_in_state(world, "in_progress")
    listed = _listed(world, who)
    assert ours.pk in listed
    assert not {neighbour.case.pk, neighbour.handled.pk} & listed
    client = Client()
    client.force_login(world.actor(who).user)
    for case in (neighbour.case, neighbour.handled):
        assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404
        assert client.get(f"/api/v1/cases/by-number/{case.number}").status_code == 404


@pytest.mark.parametrize("who", NEIGHBOUR_WIDE)
def test_the_neighbours_roles_see_only_their_district(
    world: World, neighbour: Neighbour, who: str
) -> None:
    ours = case_in_state(world, "in_progress")
    listed = _listed(world, who)
    assert {neighbour.case.pk, neighbour.handled.pk} <= listed
    assert ours.pk not in listed
    actor = world.actor(who)
    assert not assignments_actionable_by(actor).filter(case=ours).exists()
    grids = set(grids_visible_to(actor).values_list("pk", flat=True))
    assert grids == {neighbour.grid.pk}


@pytest.mark.parametrize("who", ("city_sup", "city_admin"))
def test_the_city_reads_across_districts(world: World, neighbour: Neighbour, who: str) -> None:
    ours = case_in_state(world, "in_progress")
    listed = _listed(world, who)
    assert {ours.pk, neighbour.case.pk, neighbour.handled.pk} <= listed
    actor = world.actor(who)
    assert assignments_actionable_by(actor).filter(case=ours).exists()
    assert cases_visible_to(actor).count() == Case.objects.count()


def test_a_hub_cannot_act_on_the_next_districts_case(world: World, neighbour: Neighbour) -> None:
    case = neighbour.case
    before = (Case.objects.get(pk=case.pk).version, CaseEvent.objects.filter(case=case).count())
    with pytest.raises(NotFound):
        services.case_reject(actor=world.actor("hub"), case_id=case.pk, reason="不属于本区")
    client = Client()
    client.force_login(world.actor("hub").user)
    response = client.post(
        f"/api/v1/cases/{case.pk}/triage",
        {"item_id": world.items[2].pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    after = (Case.objects.get(pk=case.pk).version, CaseEvent.objects.filter(case=case).count())
    assert after == before
    # Its own district's hub may.
    client.force_login(world.actor("hub_q").user)
    response = client.post(
        f"/api/v1/cases/{case.pk}/triage",
        {"item_id": neighbour.items[1].pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def test_a_district_wide_actor_knows_its_district(world: World, neighbour: Neighbour) -> None:
    assert world.actor("hub").district_id == world.district.pk
    assert world.actor("dept_cg_unit").district_id == world.district.pk
    assert world.actor("hub_q").district_id == neighbour.district.pk
    assert world.actor("city_sup").district_id is None
    assert world.actor("city_sup").reach == ""
    assert world.actor("hub").reach == f"/{world.district.pk}/"


def test_the_citys_every_row_survives_an_or(world: World, neighbour: Neighbour) -> None:
    """``under(…, "")`` is a condition, not an empty ``Q``: or-ed with another, it still
    means every row."""
    from django.db.models import Q

    from huying.org.actors import under

    either = Q(pk=neighbour.case.pk) | under("territory_path", "")
    assert Case.objects.filter(either).count() == Case.objects.count() > 1
