"""The pages: the committee's desk verifies residents and moves a proposal through meeting,
vote, result and project; a resident asks to be recognised, proposes with photos, supports,
votes or ranks on the phone and sees the project's progress; the public results; every page
404 outside its scope, and a refused step says why in Chinese and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from huying.conftest import World
from huying.core.tests.images import png
from huying.deliberation import services
from huying.deliberation.models import (
    Ballot,
    Proposal,
    ProposalPhoto,
    Recognition,
    Voter,
)
from huying.deliberation.tests.helpers import (
    menu,
    new_resident,
    propose,
    staff_of,
    verified,
    verify,
)
from huying.org.actors import Actor

pytestmark = pytest.mark.django_db


def _client(actor: Actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_desk_is_the_community_and_its_streets(world: World) -> None:
    assert _client(world.actor("community")).get("/deliberation/").status_code == 200
    assert _client(world.actor("street")).get("/deliberation/").status_code == 200
    for who in ("resident", "dept_cg", "grid_worker", "informant"):
        assert _client(world.actor(who)).get("/deliberation/").status_code == 404, who


def test_a_resident_asks_and_the_desk_verifies(world: World) -> None:
    resident = new_resident(world, "a")
    phone = _client(resident)
    page = phone.get("/m/deliberation/").content.decode()
    assert "申请居民认证" in page
    phone.post(
        "/m/deliberation/",
        {"community_id": world.communities[0].pk, "name": "赵六", "address": "幸福路 8 号"},
    )
    assert "正在等待社区工作人员核实" in phone.get("/m/deliberation/").content.decode()
    made = Recognition.objects.get(user=resident.user)
    desk = _client(world.actor("community"))
    assert "赵六" in desk.get("/deliberation/").content.decode()
    refused = desk.post(
        f"/deliberation/recognitions/{made.pk}/decide", {"verified": "0"}, follow=True
    )
    assert "请填写未通过原因" in _messages(refused)
    desk.post(f"/deliberation/recognitions/{made.pk}/decide", {"verified": "1"})
    assert "您是第1社区的认证居民" in phone.get("/m/deliberation/").content.decode()


def test_propose_with_photos_support_and_the_threshold(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    services.community_rule_set(actor=world.actor("community"), support_threshold=1)
    author, neighbour = verified(world, 2)
    answer = _client(author).post(
        "/m/deliberation/new",
        {
            "title": "修缮自行车棚",
            "description": "棚顶漏雨",
            "estimated_cost": "12000",
            "files": [SimpleUploadedFile("shed.png", png(), content_type="image/png")],
        },
    )
    made = Proposal.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/m/deliberation/{made.pk}/"
    photo = ProposalPhoto.objects.get(proposal=made)
    assert _client(neighbour).get(f"/deliberation/photos/{photo.pk}").status_code == 200
    outsider = verify(world, new_resident(world, "o"), community=1)
    assert _client(outsider).get(f"/deliberation/photos/{photo.pk}").status_code == 404
    assert _client(outsider).get(f"/m/deliberation/{made.pk}/").status_code == 404
    own = _client(author).get(f"/m/deliberation/{made.pk}/").content.decode()
    assert "这是您提出的议题" in own
    _client(neighbour).post(f"/m/deliberation/{made.pk}/", {"step": "support"})
    made.refresh_from_db()
    assert made.state == "deliberating"


def test_the_desk_runs_the_vote_and_the_phone_votes(world: World) -> None:
    staff = world.actor("community")
    a, b = verified(world, 2)
    made = propose(world, a)
    desk = _client(staff)
    url = f"/deliberation/proposals/{made.pk}/"
    desk.post(url, {"step": "open", "version": made.version})
    made.refresh_from_db()
    assert made.state == "deliberating"
    desk.post(
        url,
        {
            "step": "meeting",
            "version": made.version,
            "meeting_at": "2026-03-12T19:00",
            "place": "社区议事厅",
            "participants": "居民代表 15 人",
            "minutes": "同意付诸表决",
        },
    )
    made.refresh_from_db()
    assert made.meeting_place == "社区议事厅"
    now = timezone.localtime()
    bad = desk.post(
        url,
        {
            "step": "vote",
            "version": made.version,
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    assert "投票截止时间须晚于" in _messages(bad)
    desk.post(
        url,
        {
            "step": "vote",
            "version": made.version,
            "opens_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    made.refresh_from_db()
    assert made.state == "voting"
    phone = _client(b)
    phone.post(f"/m/deliberation/{made.pk}/", {"step": "vote", "choice": "yes"})
    again = phone.post(f"/m/deliberation/{made.pk}/", {"step": "vote", "choice": "no"}, follow=True)
    assert "只能投一次" in _messages(again)
    assert Voter.objects.count() == 1 and Ballot.objects.get().yes is True
    # no tally on the desk before the close
    assert "票数在投票截止、公布结果后才显示" in desk.get(url).content.decode()
    desk.post(url, {"step": "close", "version": made.version})
    made.refresh_from_db()
    desk.post(url, {"step": "publish", "version": made.version})
    made.refresh_from_db()
    assert made.state == "accepted"
    desk.post(url, {"step": "project", "version": made.version})
    desk.post(url, {"step": "update", "version": 1, "progress": "60", "note": "电梯井施工"})
    mine = phone.get("/m/deliberation/projects").content.decode()
    assert "电梯井施工" in mine and "60%" in mine
    public = Client().get(f"/deliberation/public/{world.communities[0].pk}/").content.decode()
    assert made.title in public and "1 / 2 人投票" in public


def test_a_ranking_on_the_phone(world: World) -> None:
    (voter,) = verified(world, 1)
    made = menu(world)
    staff = world.actor("community")
    made = services.proposal_open(actor=staff, proposal_id=made.pk, version=made.version)
    now = timezone.now()
    services.vote_open(
        actor=staff,
        proposal_id=made.pk,
        version=made.version,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=1),
    )
    ids = list(made.options.order_by("position").values_list("pk", flat=True))
    phone = _client(voter)
    page = phone.get(f"/m/deliberation/{made.pk}/").content.decode()
    assert "提交排序" in page
    twice = {f"place-{ids[0]}": "1", f"place-{ids[1]}": "1", f"place-{ids[2]}": "2"}
    twice[f"place-{ids[3]}"] = "3"
    refused = phone.post(f"/m/deliberation/{made.pk}/", {"step": "vote", **twice}, follow=True)
    assert "每个名次只能用一次" in _messages(refused)
    assert not Voter.objects.exists()
    order = {f"place-{pk}": str(4 - i) for i, pk in enumerate(ids)}
    phone.post(f"/m/deliberation/{made.pk}/", {"step": "vote", **order})
    assert Ballot.objects.get().ranking == list(reversed(ids))


def test_other_committees_and_residents_cannot_move_it(world: World) -> None:
    made = propose(world, world.actor("community"))
    url = f"/deliberation/proposals/{made.pk}/"
    assert _client(staff_of(world, 1)).get(url).status_code == 404
    street = _client(world.actor("street"))
    assert street.get(url).status_code == 200
    street.post(url, {"step": "open", "version": made.version})
    made.refresh_from_db()
    assert made.state == "collecting"
    assert _client(world.actor("resident")).get("/m/deliberation/projects").status_code == 200
    assert _client(world.actor("community")).get("/m/deliberation/").status_code == 302
    assert Client().get("/deliberation/public/999999/").status_code == 404
