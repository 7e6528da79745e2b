"""社区事务准入清单, the fourth list: affairs admitted into communities beyond the two
statutory lists. Its items bring funding and staff like assisting work, a task may cite
them at the gate, and it is kept and published like the others."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from huying.access import selectors, services
from huying.access.models import ListKind, TaskState
from huying.access.tests.helpers import publish_lists
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def test_an_admitted_affair_needs_its_funding_and_staff(world: World) -> None:
    hub = world.actor("hub")
    for missing in ("funding", "staffing"):
        values = {"funding": "专项经费", "staffing": "专人指导", missing: ""}
        with pytest.raises(InvalidInput) as err:
            services.item_add(
                actor=hub,
                kind=ListKind.ADMISSION,
                title="平安社区创建",
                legal_basis="核准",
                funding=values["funding"],
                staffing=values["staffing"],
            )
        assert err.value.details["field"] == missing
    item = services.item_add(
        actor=hub,
        kind=ListKind.ADMISSION,
        title="平安社区创建",
        legal_basis="核准",
        funding="专项经费",
        staffing="专人指导",
        alternative="不应保存",
    )
    assert item.code == "ZR01" and item.alternative == ""


def test_a_task_citing_an_admitted_affair_passes_the_gate(world: World) -> None:
    items = publish_lists(world)
    task = services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="绿色社区创建材料报送",
        basis="住建局通知",
        item_id=items[ListKind.ADMISSION].pk,
        now=MONDAY_10AM,
    )
    assert task.state == TaskState.DELIVERED
    assert selectors.current_list(ListKind.ADMISSION) is not None


def test_the_fourth_list_on_the_page_the_form_and_the_api(world: World) -> None:
    items = publish_lists(world)
    client = Client()
    client.force_login(world.actor("dept_cg").user)
    lists = client.get("/access/lists/?kind=admission").content.decode()
    assert "社区事务准入清单" in lists and items[ListKind.ADMISSION].title in lists
    assert "随事经费" in lists
    form = client.get("/access/tasks/new").content.decode()
    assert items[ListKind.ADMISSION].title in form
    answer = client.get("/api/v1/access/lists/admission").json()
    assert [i["code"] for i in answer["items"]] == [items[ListKind.ADMISSION].code]
    applied = client.post(
        "/api/v1/access/applications",
        json.dumps({"kind": "admission", "title": "社区慈善超市设立", "legal_basis": "核准"}),
        content_type="application/json",
    )
    assert applied.status_code == 422 and applied.json()["error"]["details"]["field"] == "funding"
