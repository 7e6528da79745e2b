"""The public certificate pages and the API: scope (another unit's task is a 404), the gate's
refusal as a structured error that is still recorded, and the figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huying.access import services
from huying.access.models import (
    Application,
    ApplicationState,
    CommunityTask,
    ListKind,
    TaskAttachment,
    TaskState,
)
from huying.access.tests.helpers import publish_lists
from huying.conftest import World
from huying.core.tests.images import png
from huying.org.models import Role
from huying.org.services import grant_role, person_create

pytestmark = pytest.mark.django_db


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("url", ["/access/certificates/", "/m/certificates"])
def test_anyone_reads_the_certificates_and_what_to_do_instead(world: World, url: str) -> None:
    assert "清单尚未发布" in Client().get(url).content.decode()
    items = publish_lists(world)
    page = Client().get(url)
    text = page.content.decode()
    assert page.status_code == 200
    certificate = items[ListKind.CERTIFICATE]
    assert certificate.title in text and certificate.alternative in text
    # Only certificates: the duties and the assisting work are not on the residents' page.
    assert items[ListKind.DUTY].title not in text
    english = Client(headers={"accept-language": "en"}).get(url).content.decode()
    assert "Certificates communities no longer issue" in english


def test_the_api_sends_through_the_gate_and_refuses_off_the_lists(world: World) -> None:
    items = publish_lists(world)
    dept = _client(world, "dept_cg")
    body = {
        "recipient_id": world.communities[0].pk,
        "title": "入户核对常住人口",
        "basis": "区人口普查领导小组通知",
        "item_id": items[ListKind.ASSIST].pk,
        "deadline": "2030-03-20",
    }
    sent = _post(dept, "/api/v1/access/tasks", body)
    assert sent.status_code == 201, sent.content
    assert sent.json()["state"] == TaskState.DELIVERED
    refused = _post(dept, "/api/v1/access/tasks", {**body, "item_id": None})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "not_on_access_list" and "未引用准入清单事项" in error["message"]
    # The refusal is kept and counted, though the answer was an error.
    task = CommunityTask.objects.get(pk=error["details"]["task_id"])
    assert task.state == TaskState.REFUSED
    figures = dept.get("/api/v1/access/figures", {"month": task.created_at.strftime("%Y-%m")})
    assert [(f["sender"], f["sent"], f["refused"]) for f in figures.json()] == [("城管局", 2, 1)]
    # Bad input: a structured error, nothing written.
    bad = _post(dept, "/api/v1/access/tasks", {**body, "recipient_id": world.streets[0].pk})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "recipient_id"
    assert _post(dept, "/api/v1/access/tasks", {**body, "title": " "}).status_code == 422
    assert CommunityTask.objects.count() == 2
    assert _post(_client(world, "community"), "/api/v1/access/tasks", body).status_code == 403


def test_tasks_in_scope_and_only_the_recipient_flags(world: World) -> None:
    items = publish_lists(world)
    task = services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="报送辖区商户台账",
        basis="局办公室通知",
        item_id=items[ListKind.DUTY].pk,
    )
    services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="无依据的任务",
        basis="口头通知",
    )
    ids = {
        who: [t["id"] for t in _client(world, who).get("/api/v1/access/tasks").json()]
        for who in ("dept_cg", "dept_sw", "community", "hub", "street_b")
    }
    assert len(ids["dept_cg"]) == 2 and len(ids["hub"]) == 2
    assert ids["community"] == [task.pk]
    assert ids["dept_sw"] == [] and ids["street_b"] == []
    url = f"/api/v1/access/tasks/{task.pk}/flag"
    reason = {"reason": "实为部门台账报送"}
    assert _post(_client(world, "dept_sw"), url, reason).status_code == 404
    assert _post(_client(world, "dept_cg"), url, reason).status_code == 403
    assert _post(_client(world, "community"), url, {"reason": " "}).status_code == 422
    flagged = _post(_client(world, "community"), url, reason)
    assert flagged.status_code == 200 and flagged.json()["flag_reason"] == "实为部门台账报送"
    again = _post(_client(world, "community"), url, reason)
    assert again.status_code == 409


def test_the_api_applies_reviews_and_reads_the_lists(world: World) -> None:
    publish_lists(world)
    dept = _client(world, "dept_cg")
    body = {
        "kind": "assist",
        "title": "协助开展食品安全宣传",
        "legal_basis": "《食品安全法》第十条",
        "funding": "每年 2 万元",
        "staffing": "联络员 1 名",
    }
    missing = _post(dept, "/api/v1/access/applications", {**body, "staffing": ""})
    assert missing.status_code == 422 and missing.json()["error"]["details"]["field"] == "staffing"
    applied = _post(dept, "/api/v1/access/applications", body)
    assert applied.status_code == 201
    application_id = applied.json()["id"]
    url = f"/api/v1/access/applications/{application_id}/review"
    assert _post(dept, url, {"approve": True}).status_code == 403
    assert _post(_client(world, "hub"), url, {"approve": True, "version": 9}).status_code == 409
    assert _post(_client(world, "hub"), url, {"approve": False}).status_code == 422
    approved = _post(_client(world, "hub"), url, {"approve": True, "version": 1})
    assert approved.status_code == 200 and approved.json()["state"] == ApplicationState.APPROVED
    assert Application.objects.get(pk=application_id).draft is not None
    assert _client(world, "dept_sw").get("/api/v1/access/applications").json() == []
    assist = dept.get("/api/v1/access/lists/assist").json()
    assert assist["version"] == 1  # the approved item waits for the next publication
    assert [i["title"] for i in assist["items"]] == ["协助开展人口普查"]
    assert assist["items"][0]["funding"] == "每户普查经费 5 元，由统计局拨付"
    assert dept.get("/api/v1/access/lists/other").status_code == 422
    assert Client().get("/api/v1/access/lists/duty").status_code == 401


def test_the_figures_page_and_its_drill_down(world: World) -> None:
    items = publish_lists(world)
    for item in (items[ListKind.DUTY], None):
        services.task_send(
            actor=world.actor("dept_cg"),
            recipient_id=world.communities[0].pk,
            title="报送辖区商户台账" if item is None else "组织居民议事",
            basis="局办公室通知",
            item_id=item.pk if item else None,
        )
    hub = _client(world, "hub")
    page = hub.get("/access/").content.decode()
    assert "城管局" in page and "社区准入" in page
    refused = hub.get(
        "/access/tasks/", {"sender": str(world.departments["cg"].pk), "only": "refused"}
    ).content.decode()
    assert "报送辖区商户台账" in refused and "组织居民议事" not in refused
    assert "未引用准入清单事项" in refused
    # A department reads its own; a grid worker has no such page.
    assert "城管局" not in _client(world, "dept_sw").get("/access/").content.decode()
    assert _client(world, "grid_worker").get("/access/").status_code == 404
    assert Client().get("/access/").status_code == 302


def test_the_community_flags_from_its_task_list(world: World) -> None:
    items = publish_lists(world)
    task = services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="组织居民议事",
        basis="局办公室通知",
        item_id=items[ListKind.DUTY].pk,
    )
    community = _client(world, "community")
    page = community.get("/access/tasks/").content.decode()
    assert "组织居民议事" in page and "标记为清单外任务" in page
    empty = community.post(f"/access/tasks/{task.pk}/flag", {"reason": " "}, follow=True)
    assert "请填写标记理由" in empty.content.decode()
    assert not CommunityTask.objects.get(pk=task.pk).flagged_at
    done = community.post(f"/access/tasks/{task.pk}/flag", {"reason": "实为台账报送"}, follow=True)
    assert "已标记为清单外任务" in done.content.decode()
    assert CommunityTask.objects.get(pk=task.pk).flag_reason == "实为台账报送"
    # Another community's staff: the task does not exist for them.
    other = Client()
    other.force_login(
        grant_role(
            user=person_create(username="cs_other", full_name="另一社区"),
            role=Role.COMMUNITY_STAFF,
            unit=world.communities[1],
        ).user
    )
    assert "组织居民议事" not in other.get("/access/tasks/").content.decode()
    assert other.post(f"/access/tasks/{task.pk}/flag", {"reason": "x"}).status_code == 404
    assert (
        _client(world, "street_b")
        .post(f"/access/tasks/{task.pk}/flag", {"reason": "x"})
        .status_code
        == 404
    )


def test_a_department_sends_a_task_from_the_page(world: World) -> None:
    items = publish_lists(world)
    dept = _client(world, "dept_cg")
    form = dept.get("/access/tasks/new").content.decode()
    assert items[ListKind.ASSIST].title in form and items[ListKind.CERTIFICATE].title not in form
    body = {
        "recipient_id": str(world.communities[0].pk),
        "item_id": str(items[ListKind.ASSIST].pk),
        "title": "入户核对常住人口",
        "basis": "区人口普查领导小组通知",
        "deadline": "",
    }
    sent = dept.post("/access/tasks/new", body, follow=True).content.decode()
    assert "任务已送达第1社区" in sent
    refused = dept.post("/access/tasks/new", {**body, "item_id": ""}, follow=True)
    assert "任务被拒收：未引用准入清单事项" in refused.content.decode()
    assert CommunityTask.objects.filter(state=TaskState.REFUSED).count() == 1
    # Bad input: the form says it, nothing is written.
    bad = dept.post("/access/tasks/new", {**body, "deadline": "2020-01-01"})
    assert bad.status_code == 422 and "完成期限不能早于今天" in bad.content.decode()
    assert CommunityTask.objects.count() == 2
    # A street offers its own communities only; a community has no such page.
    street = _client(world, "street").get("/access/tasks/new").content.decode()
    assert "第1社区" in street and "第2社区" not in street
    assert _client(world, "community").get("/access/tasks/new").status_code == 404


def test_a_department_applies_and_the_hub_approves_and_publishes_from_the_pages(
    world: World,
) -> None:
    publish_lists(world)
    dept = _client(world, "dept_cg")
    body = {
        "kind": "assist",
        "action": "add",
        "title": "协助开展食品安全宣传",
        "legal_basis": "《食品安全法》第十条",
        "funding": "每年 2 万元",
        "staffing": "",
    }
    missing = dept.post("/access/applications/", body)
    assert missing.status_code == 422 and "请填写随事人员" in missing.content.decode()
    assert not Application.objects.exists()
    done = dept.post("/access/applications/", {**body, "staffing": "联络员 1 名"}, follow=True)
    assert "申请已提交" in done.content.decode()
    application = Application.objects.get()
    hub = _client(world, "hub")
    assert "核准，纳入下一版" in hub.get("/access/applications/").content.decode()
    refuse = hub.post(
        f"/access/applications/{application.pk}/review", {"approve": "0"}, follow=True
    )
    assert "请填写不予核准的理由" in refuse.content.decode()
    hub.post(
        f"/access/applications/{application.pk}/review",
        {"approve": "1", "version": str(application.version)},
    )
    assert Application.objects.get().state == ApplicationState.APPROVED
    draft = hub.get("/access/lists/?kind=assist").content.decode()
    assert "XZ02 协助开展食品安全宣传" in draft and "发布此版" in draft
    # A department reads the lists but has no draft to publish.
    assert "发布此版" not in dept.get("/access/lists/?kind=assist").content.decode()
    assert dept.post("/access/lists/assist/publish").status_code == 302
    assert "协助开展食品安全宣传" not in dept.get("/access/lists/?kind=assist").content.decode()
    hub.post("/access/lists/assist/publish")
    page = dept.get("/access/lists/?kind=assist").content.decode()
    assert "协助开展食品安全宣传" in page and "联络员 1 名" in page
    # Another department's application is not shown.
    assert (
        "协助开展食品安全宣传"
        not in _client(world, "dept_sw").get("/access/applications/").content.decode()
    )


def test_a_task_s_attachment_is_read_in_scope(world: World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    items = publish_lists(world)
    dept = _client(world, "dept_cg")
    sent = dept.post(
        "/access/tasks/new",
        {
            "recipient_id": str(world.communities[0].pk),
            "item_id": str(items[ListKind.DUTY].pk),
            "title": "组织居民议事",
            "basis": "区里通知",
            "files": [SimpleUploadedFile("通知.png", png(), content_type="image/png")],
        },
        follow=True,
    )
    assert "任务已送达" in sent.content.decode()
    attachment = TaskAttachment.objects.get()
    community = _client(world, "community")
    assert "通知.png" in community.get("/access/tasks/").content.decode()
    answer = community.get(f"/access/files/{attachment.pk}")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert _client(world, "dept_sw").get(f"/access/files/{attachment.pk}").status_code == 404
