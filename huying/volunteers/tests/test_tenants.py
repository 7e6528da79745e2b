"""Districts as tenants: a district reads its own volunteers and figures, none of the next
district's; the city reads every district's; a volunteer registered in a district signs in as
that district's resident."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from huying.conftest import Neighbour, World
from huying.core.errors import InvalidInput, PermissionDenied
from huying.org.models import Role, RoleGrant
from huying.volunteers import selectors, services
from huying.volunteers.models import Volunteer
from huying.volunteers.tests.helpers import T0, WHEN, posted, volunteer


def _theirs(neighbour: Neighbour) -> Volunteer:
    return services.volunteer_register(
        actor=None,
        community_id=neighbour.community.pk,
        name="青城志愿者",
        phone="13800000001",
        now=T0,
    )


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _listed(client: Client) -> set[int]:
    response = client.get("/api/v1/volunteers")
    assert response.status_code == 200
    return {v["id"] for v in response.json()}


@pytest.mark.parametrize("who", ("hub", "hub_sup", "leader", "admin"))
def test_a_district_reads_none_of_the_next_ones_volunteers(
    world: World, neighbour: Neighbour, who: str
) -> None:
    ours, theirs = volunteer(world), _theirs(neighbour)
    client = _client(world, who)
    assert _listed(client) == {ours.pk}
    assert client.get(f"/volunteers/people/{theirs.pk}/").status_code == 404
    ranked = client.get("/api/v1/volunteer-rankings", {"unit_id": neighbour.community.pk})
    assert ranked.status_code == 404
    report = client.get("/volunteers/report/", {"unit": neighbour.district.pk})
    assert report.status_code == 404


def test_the_neighbour_and_the_city_read_theirs(world: World, neighbour: Neighbour) -> None:
    ours, theirs = volunteer(world), _theirs(neighbour)
    assert _listed(_client(world, "leader_q")) == {theirs.pk}
    city = _client(world, "city_sup")
    assert _listed(city) == {ours.pk, theirs.pk}
    report = city.get("/volunteers/report/", {"unit": neighbour.district.pk})
    assert report.status_code == 200
    assert "青城社区" in report.content.decode()


def test_a_new_volunteer_is_a_resident_of_his_communitys_district(
    world: World, neighbour: Neighbour
) -> None:
    theirs = _theirs(neighbour)
    grant = RoleGrant.objects.get(user=theirs.user)
    assert (grant.role, grant.unit_id) == (Role.RESIDENT, neighbour.district.pk)


def test_each_district_sets_its_own_points_rule(world: World, neighbour: Neighbour) -> None:
    """A district's rule gives its volunteers' points, not the next district's; the city
    sets none."""
    day = date(2026, 4, 1)
    ours = services.rule_set(actor=world.actor("admin"), valid_from=day, points_per_hour=5, now=T0)
    theirs = services.rule_set(
        actor=world.actor("admin_q"), valid_from=day, points_per_hour=8, now=T0
    )
    assert selectors.rule_in_force(day, world.district.pk) == ours
    assert selectors.rule_in_force(day, neighbour.district.pk) == theirs
    listed = _client(world, "leader").get("/api/v1/volunteer-points-rules").json()
    assert [r["points_per_hour"] for r in listed] == ["5.00"]
    with pytest.raises(PermissionDenied):
        services.rule_set(actor=world.actor("city_admin"), valid_from=day, points_per_hour=9)


def test_a_resident_asks_and_serves_in_his_own_district(world: World, neighbour: Neighbour) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.order_post(
            actor=world.actor("resident"),
            community_id=neighbour.community.pk,
            title="陪同老人就医",
            place="青城路 1 号",
            wanted_at=WHEN,
            contact_name="王阿姨",
            now=T0,
        )
    assert refused.value.details == {"field": "community_id"}
    with pytest.raises(InvalidInput) as across:
        services.volunteer_register(
            actor=world.actor("community"),
            community_id=world.communities[0].pk,
            name="跨区志愿者",
            phone="13800000002",
            area_ids=[neighbour.community.pk],
            now=T0,
        )
    assert across.value.details == {"field": "area_ids"}
    page = _client(world, "resident").get("/m/volunteers/post").content.decode()
    assert "第1社区" in page and "青城社区" not in page


def test_the_city_reads_every_districts_orders(world: World, neighbour: Neighbour) -> None:
    ours = posted(world)
    theirs = services.order_post(
        actor=world.actor("resident_q"),
        community_id=neighbour.community.pk,
        title="青城陪诊",
        place="青城路 1 号",
        wanted_at=WHEN,
        contact_name="李阿姨",
        now=T0,
    )

    def orders(who: str) -> set[int]:
        response = _client(world, who).get("/api/v1/volunteer-orders")
        assert response.status_code == 200
        return {o["id"] for o in response.json()}

    assert orders("city_sup") == {ours.pk, theirs.pk}
    assert orders("leader") == {ours.pk}
