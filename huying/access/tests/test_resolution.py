"""The hub's own changes to a draft (加入、退出 with a reason, on the page and in the API) and
its finding on a community's flag: upheld, the task is withdrawn as 摊派 and counted against
the sender; rejected, it stands with the reason; both sides see it and are told."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from huying.access import selectors, services
from huying.access.models import AccessItem, CommunityTask, FlagOutcome, ListKind, TaskState
from huying.access.tests.helpers import publish_lists
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from huying.core.models import ChangeLog, Notification

pytestmark = pytest.mark.django_db


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _flagged(world: World) -> CommunityTask:
    items = publish_lists(world)
    task = services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="统计辖区门店招牌",
        basis="城管局通知",
        item_id=items[ListKind.DUTY].pk,
        deadline=date(2026, 3, 20),
        now=MONDAY_10AM,
    )
    return services.task_flag(
        actor=world.actor("community"), task_id=task.pk, reason="招牌统计不在清单内"
    )


def test_upholding_a_flag_withdraws_the_task_and_counts_it_against_the_sender(
    world: World,
) -> None:
    task = _flagged(world)
    before = Notification.objects.count()
    done = services.task_flag_resolve(
        actor=world.actor("hub"), task_id=task.pk, upheld=True, reason="属于部门自身工作"
    )
    assert (done.state, done.flag_outcome, done.flag_resolution) == (
        TaskState.WITHDRAWN,
        FlagOutcome.UPHELD,
        "属于部门自身工作",
    )
    # The community still sees it (withdrawn) and the sender too, with the finding.
    assert selectors.task_get(world.actor("community"), task.pk).state == TaskState.WITHDRAWN
    assert selectors.task_get(world.actor("dept_cg"), task.pk).flag_outcome == FlagOutcome.UPHELD
    (row,) = selectors.monthly_figures(world.actor("hub"), 2026, 3)
    assert (row.sent, row.flagged, row.upheld) == (1, 1, 1)
    assert Notification.objects.count() > before
    assert ChangeLog.objects.filter(action="access.task.flag_resolve").count() == 1


def test_rejecting_a_flag_keeps_the_task_and_needs_a_reason(world: World) -> None:
    task = _flagged(world)
    with pytest.raises(InvalidInput):
        services.task_flag_resolve(
            actor=world.actor("hub"), task_id=task.pk, upheld=False, reason=" "
        )
    assert CommunityTask.objects.get(pk=task.pk).flag_outcome == ""
    done = services.task_flag_resolve(
        actor=world.actor("hub"), task_id=task.pk, upheld=False, reason="属于依法履职清单 LZ01"
    )
    assert (done.state, done.flag_outcome) == (TaskState.DELIVERED, FlagOutcome.REJECTED)
    (row,) = selectors.monthly_figures(world.actor("hub"), 2026, 3)
    assert (row.flagged, row.upheld) == (1, 0)
    with pytest.raises(InvalidTransition):  # once
        services.task_flag_resolve(
            actor=world.actor("hub"), task_id=task.pk, upheld=True, reason="改判"
        )


def test_only_the_hub_rules_on_a_flag_and_a_stale_version_is_refused(world: World) -> None:
    task = _flagged(world)
    for who in ("community", "dept_cg"):
        with pytest.raises(PermissionDenied):
            services.task_flag_resolve(
                actor=world.actor(who), task_id=task.pk, upheld=True, reason="x"
            )
    with pytest.raises(Conflict):
        services.task_flag_resolve(
            actor=world.actor("hub"), task_id=task.pk, upheld=True, reason="x", version=1
        )
    assert CommunityTask.objects.get(pk=task.pk).state == TaskState.DELIVERED


def test_an_unflagged_task_has_no_finding(world: World) -> None:
    items = publish_lists(world)
    task = services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="入户核对",
        basis="通知",
        item_id=items[ListKind.DUTY].pk,
        now=MONDAY_10AM,
    )
    with pytest.raises(InvalidTransition):
        services.task_flag_resolve(
            actor=world.actor("hub"), task_id=task.pk, upheld=True, reason="x"
        )


def test_the_api_resolves_a_flag_and_the_figures_count_it(world: World) -> None:
    task = _flagged(world)
    assert (
        _post(
            _client(world, "community"),
            f"/api/v1/access/tasks/{task.pk}/resolve",
            {"upheld": True, "reason": "x"},
        ).status_code
        == 403
    )
    hub = _client(world, "hub")
    stale = _post(
        hub,
        f"/api/v1/access/tasks/{task.pk}/resolve",
        {"upheld": True, "reason": "摊派", "version": 1},
    )
    assert stale.status_code == 409
    answer = _post(
        hub, f"/api/v1/access/tasks/{task.pk}/resolve", {"upheld": True, "reason": "摊派"}
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["state"], answer.json()["flag_outcome"]) == ("withdrawn", "upheld")
    figures = hub.get("/api/v1/access/figures?month=2026-03").json()
    assert [(f["flagged"], f["upheld"]) for f in figures] == [(1, 1)]


def test_the_hub_resolves_on_the_tasks_page_and_the_community_sees_the_finding(
    world: World,
) -> None:
    task = _flagged(world)
    hub = _client(world, "hub")
    page = hub.get("/access/tasks/?month=2026-03&only=flagged").content.decode()
    assert "核查标记" in page
    hub.post(
        f"/access/tasks/{task.pk}/resolve",
        {"upheld": "1", "reason": "属于摊派", "version": task.version},
    )
    assert CommunityTask.objects.get(pk=task.pk).state == TaskState.WITHDRAWN
    seen = _client(world, "community").get("/access/tasks/?month=2026-03").content.decode()
    assert "认定摊派，已撤回" in seen and "属于摊派" in seen
    figures = hub.get("/access/?month=2026-03").content.decode()
    assert "only=upheld" in figures


def test_the_hub_adds_and_withdraws_items_on_the_lists_page(world: World) -> None:
    publish_lists(world)
    hub = _client(world, "hub")
    assert "呼应办直接调整" in hub.get("/access/lists/?kind=assist").content.decode()
    assert "呼应办直接调整" not in _client(world, "dept_cg").get("/access/lists/").content.decode()
    hub.post(
        "/access/lists/assist/items",
        {
            "title": "协助开展退役军人信息采集",
            "legal_basis": "《退役军人保障法》",
            "department_id": world.departments["cg"].pk,
            "funding": "每条 2 元",
            "staffing": "退役军人事务局专员 1 名",
        },
    )
    draft = selectors.draft_list(ListKind.ASSIST)
    assert draft is not None
    added = draft.items.get(title="协助开展退役军人信息采集")
    assert added.department == world.departments["cg"]
    # Missing funding for assisting work: refused, nothing added.
    hub.post("/access/lists/assist/items", {"title": "协助无经费", "legal_basis": "x"})
    assert not AccessItem.objects.filter(title="协助无经费").exists()
    hub.post("/access/lists/assist/withdraw", {"code": added.code, "reason": ""})
    assert draft.items.filter(pk=added.pk).exists()
    hub.post("/access/lists/assist/withdraw", {"code": added.code, "reason": "经费未落实"})
    assert not draft.items.filter(code=added.code).exists()
    assert ChangeLog.objects.filter(action="access.item.withdraw").count() == 1
    # A department may not.
    _client(world, "dept_cg").post(
        "/access/lists/duty/items", {"title": "部门自加", "legal_basis": "x"}
    )
    assert not AccessItem.objects.filter(title="部门自加").exists()


def test_the_api_adds_to_and_withdraws_from_a_draft(world: World) -> None:
    publish_lists(world)
    hub = _client(world, "hub")
    answer = _post(
        hub,
        "/api/v1/access/lists/duty/draft/items",
        {"title": "组织居民公约修订", "legal_basis": "《居委会组织法》第十五条"},
    )
    assert answer.status_code == 201, answer.content
    codes = [i["code"] for i in answer.json()["items"]]
    assert len(codes) == 2
    refused = _post(
        hub, "/api/v1/access/lists/duty/draft/withdrawals", {"code": "NONE", "reason": "x"}
    )
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "code"
    gone = _post(
        hub, "/api/v1/access/lists/duty/draft/withdrawals", {"code": codes[-1], "reason": "合并"}
    )
    assert gone.status_code == 200 and len(gone.json()["items"]) == 1
    dept = _client(world, "dept_cg")
    assert (
        _post(
            dept, "/api/v1/access/lists/duty/draft/items", {"title": "y", "legal_basis": "x"}
        ).status_code
        == 403
    )
