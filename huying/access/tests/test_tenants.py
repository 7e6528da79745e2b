"""Districts as tenants: a district reads its own departments' applications and the tasks
sent to its own communities, none of the next district's; a department sends to its own
district's communities only; the city reads every district's."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from huying.access import services
from huying.access.models import Application, CommunityTask, ListKind
from huying.conftest import MONDAY_10AM, Neighbour, World


def _theirs(world: World, neighbour: Neighbour) -> tuple[Application, CommunityTask]:
    dept_q = world.actor("dept_q")
    application = services.application_submit(
        actor=dept_q,
        kind=ListKind.CERTIFICATE,
        title="青城居住证明",
        legal_basis="青城区规定",
        alternative="凭租赁合同办理",
        now=MONDAY_10AM,
    )
    task = services.task_send(
        actor=dept_q,
        recipient_id=neighbour.community.pk,
        title="统计青城商户",
        basis="青城区城管局通知",
        now=MONDAY_10AM,
    )
    return application, task


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _ids(client: Client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {row["id"] for row in response.json()}


@pytest.mark.parametrize("who", ("hub", "hub_sup", "leader", "admin"))
def test_a_district_reads_none_of_the_next_ones_gate(
    world: World, neighbour: Neighbour, who: str
) -> None:
    application, task = _theirs(world, neighbour)
    client = _client(world, who)
    assert task.pk not in _ids(client, "/api/v1/access/tasks")
    assert application.pk not in _ids(client, "/api/v1/access/applications")


def test_the_neighbour_and_the_city_read_theirs(world: World, neighbour: Neighbour) -> None:
    application, task = _theirs(world, neighbour)
    for who in ("hub_q", "city_sup"):
        client = _client(world, who)
        assert task.pk in _ids(client, "/api/v1/access/tasks")
        assert application.pk in _ids(client, "/api/v1/access/applications")


def test_a_department_sends_nothing_to_the_next_districts_communities(
    world: World, neighbour: Neighbour
) -> None:
    response = _client(world, "dept_cg").post(
        "/api/v1/access/tasks",
        json.dumps({"recipient_id": neighbour.community.pk, "title": "越区派活", "basis": "通知"}),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["details"] == {"field": "recipient_id"}
    assert not CommunityTask.objects.exists()
