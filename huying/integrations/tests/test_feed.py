"""GET /api/v1/events: the trail in order, in the holder's scope, public parts only."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huying.cases import services
from huying.cases.models import CaseEvent
from huying.cases.tests.helpers import case_in_state, submit
from huying.conftest import World
from huying.integrations.feed import event_feed
from huying.org.api_auth import token_create

#: The horizon's statements on PostgreSQL, inside a test's transaction: savepoint, timeout,
#: highest id and lock, unlock, release.
_HORIZON = 5 if connection.vendor == "postgresql" else 0

PRIVATE = ("张三丰", "13800138000", "路灯不亮", "晚上一片漆黑", "幸福路88号")


def _client(world: World, who: str) -> Client:
    raw = token_create(user=world.actor(who).user, name="sync")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _get(client: Client, **params: Any) -> Any:
    response = client.get("/api/v1/events", params)
    assert response.status_code == 200, response.content
    return response.json()


def _all(client: Client, limit: int = 3) -> list[dict[str, Any]]:
    """Poll to the end, as a syncing system would, passing back ``next_cursor``."""
    items: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = _get(client, **({"after": after} if after else {}), limit=limit)
        items += page["items"]
        after = page["next_cursor"]
        if not page["has_more"]:
            return items


def _report(world: World, **extra: Any) -> Any:
    return submit(
        world,
        who="grid_worker",
        reporter_name="张三丰",
        reporter_phone="13800138000",
        address="幸福路88号",
        **extra,
    )


def test_a_poller_gets_every_event_of_its_scope_once_in_order(world: World) -> None:
    """The hub sees the whole district: every event, oldest first, none twice, paged."""
    case_in_state(world, "in_progress")
    case_in_state(world, "closed", grid=1)
    items = _all(_client(world, "hub"), limit=4)
    expected = list(CaseEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert [i["id"] for i in items] == expected
    closed = [i for i in items if i["to_state"] == "closed"]
    assert len(closed) == 1 and closed[0]["from_state"] == "follow_up"


def test_polling_again_gives_only_what_came_since(world: World) -> None:
    client = _client(world, "street")
    case = submit(world)
    first = _get(client)
    assert [i["action"] for i in first["items"]] == ["submit"]
    again = _get(client, after=first["next_cursor"])
    assert again == {"items": [], "next_cursor": first["next_cursor"], "has_more": False}
    services.case_triage(actor=world.actor("street"), case_id=case.pk, item_id=world.items[2].pk)
    later = _get(client, after=first["next_cursor"])
    assert [(i["action"], i["seq"]) for i in later["items"]] == [("triage", 2)]
    assert later["items"][0]["data"]["level"] == 2


def test_a_street_token_never_sees_another_streets_events(world: World) -> None:
    mine = submit(world, grid=0)
    theirs = submit(world, grid=2)  # street 2
    services.case_triage(
        actor=world.actor("street_b"), case_id=theirs.pk, item_id=world.items[2].pk
    )
    items = _all(_client(world, "street"))
    assert {i["case_id"] for i in items} == {mine.pk}
    assert {i["case_id"] for i in _all(_client(world, "street_b"))} == {theirs.pk}


def test_a_department_sees_the_events_of_the_cases_called_to_it(world: World) -> None:
    called = case_in_state(world, "in_progress")  # called to 城管局
    submit(world)
    items = _all(_client(world, "dept_cg"))
    assert {i["case_id"] for i in items} == {called.pk}
    assert _all(_client(world, "dept_sw")) == []


def test_no_name_phone_or_free_text_reaches_a_staff_holder(world: World) -> None:
    case = _report(world)
    services.case_reject(actor=world.actor("street"), case_id=case.pk, reason="张三丰的电话打不通")
    response = _client(world, "hub").get("/api/v1/events")
    text = response.content.decode()
    assert not [p for p in PRIVATE if p in text]
    assert "电话打不通" not in text  # reasons are free text
    submit_item, reject = response.json()["items"]
    # Staff see which staff member acted, as on the case's timeline.
    assert submit_item["actor"] == "测试grid_worker" and reject["actor"] == "测试street"
    assert reject["actor_unit"] == "第1街道"


def test_a_resident_sees_their_own_case_but_nobody_is_named(world: World) -> None:
    mine = submit(world, who="resident")
    submit(world, who="resident2")
    services.case_triage(actor=world.actor("street"), case_id=mine.pk, item_id=world.items[2].pk)
    items = _all(_client(world, "resident"))
    assert {i["case_id"] for i in items} == {mine.pk}
    assert all(i["actor"] is None and i["actor_unit"] is None for i in items)


def test_a_staff_holder_never_sees_a_residents_name(world: World) -> None:
    """The resident who reported acted on the trail; staff are told the role only."""
    submit(world, who="resident")
    (item,) = _get(_client(world, "hub"))["items"]
    assert item["actor_role"] == "resident" and item["actor"] is None


@pytest.mark.parametrize(
    "after",
    [
        "nonsense",
        "!!!",
        base64.urlsafe_b64encode(b"id:3").decode(),  # a case list's cursor
        base64.urlsafe_b64encode(b"ev:-1").decode(),
        base64.urlsafe_b64encode(b"ev:99999999999999999999999").decode(),
    ],
)
def test_a_bad_cursor_is_a_422_naming_after(world: World, after: str) -> None:
    submit(world)
    response = _client(world, "hub").get("/api/v1/events", {"after": after})
    assert response.status_code == 422
    error = json.loads(response.content)["error"]
    assert error["code"] == "invalid_input" and error["details"]["field"] == "after"


@pytest.mark.parametrize("limit", [0, 501, -1])
def test_the_page_size_is_bounded(world: World, limit: int) -> None:
    response = _client(world, "hub").get("/api/v1/events", {"limit": limit})
    assert response.status_code == 422


def test_without_a_token_it_is_a_401(world: World) -> None:
    assert Client().get("/api/v1/events").status_code == 401


def test_a_page_costs_the_same_queries_whatever_its_size(world: World) -> None:
    client = _client(world, "hub")
    submit(world)
    _get(client)  # the token's first use is recorded once

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _get(client, limit=500)
        return len(ctx.captured_queries)

    few = count()
    for grid in (0, 1):
        case_in_state(world, "closed", grid=grid)
    assert _get(client, limit=500)["items"][-1]["to_state"] == "closed"
    assert count() == few
    assert few <= 3 + _HORIZON


def test_the_feed_reads_one_query_for_its_events(world: World) -> None:
    """The selector itself: the events with their case numbers and names in one query, and
    the horizon's on PostgreSQL (``huying.cases.trailorder``)."""
    case_in_state(world, "closed")
    with CaptureQueriesContext(connection) as ctx:
        page = event_feed(world.actor("hub"), after=None, limit=100)
    assert len(page.items) > 5
    assert len(ctx.captured_queries) == 1 + _HORIZON
