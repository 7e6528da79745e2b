"""The API: the same rules and scope as the services — structured Chinese errors that change
nothing, a resident sees their own community only, no tally before publishing, nobody's
ballot ever, and the public results without sign-in."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from huying.conftest import World
from huying.deliberation.models import Ballot, Proposal, Voter
from huying.deliberation.tests.helpers import menu, new_resident, propose, verified, verify
from huying.org.actors import Actor

pytestmark = pytest.mark.django_db


def _client(actor: Actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_recognition_through_the_api(world: World) -> None:
    resident = new_resident(world, "a")
    phone = _client(resident)
    answer = _post(
        phone,
        "/api/v1/deliberation/recognitions",
        {"community_id": world.communities[0].pk, "name": "李四", "address": "幸福路 1 号"},
    )
    assert answer.status_code == 201, answer.content
    made = answer.json()["id"]
    again = _post(
        phone,
        "/api/v1/deliberation/recognitions",
        {"community_id": world.communities[0].pk, "name": "李四", "address": "幸福路 1 号"},
    )
    assert again.status_code == 422 and "重复" in again.json()["error"]["message"]
    staff = _client(world.actor("community"))
    pending = staff.get("/api/v1/deliberation/recognitions", {"state": "pending"}).json()
    assert [r["id"] for r in pending] == [made]
    refused = _post(staff, f"/api/v1/deliberation/recognitions/{made}/decide", {"verified": False})
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "reason"
    done = _post(staff, f"/api/v1/deliberation/recognitions/{made}/decide", {"verified": True})
    assert done.json()["state"] == "verified"
    # another street sees nothing of it
    other = _client(world.actor("street_b"))
    assert other.get("/api/v1/deliberation/recognitions").json() == []
    assert (
        _post(
            other, f"/api/v1/deliberation/recognitions/{made}/decide", {"verified": True}
        ).status_code
        == 403
    )


def test_a_resident_proposes_and_others_support(world: World) -> None:
    author, supporter = verified(world, 2)
    answer = _post(
        _client(author),
        "/api/v1/deliberation/proposals",
        {"title": "修缮自行车棚", "description": "棚顶漏雨", "estimated_cost": "12000"},
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "collecting" and body["support_threshold"] == 20
    url = f"/api/v1/deliberation/proposals/{body['id']}/support"
    mine = _post(_client(author), url)
    assert mine.status_code == 422 and "自己" in mine.json()["error"]["message"]
    first = _post(_client(supporter), url).json()
    assert first["support_count"] == 1 and first["supported"] is True
    twice = _post(_client(supporter), url)
    assert twice.status_code == 422 and "已支持" in twice.json()["error"]["message"]
    assert Proposal.objects.get(pk=body["id"]).supports.count() == 1


def test_an_unverified_resident_is_told_to_verify(world: World) -> None:
    answer = _post(
        _client(new_resident(world, "x")),
        "/api/v1/deliberation/proposals",
        {"title": "t", "description": "d"},
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "not_verified"
    assert not Proposal.objects.exists()


def test_scope_is_404_outside(world: World) -> None:
    proposal = propose(world, verify(world, new_resident(world, "a")))
    elsewhere = verify(world, new_resident(world, "b"), community=1)
    for actor in (elsewhere, world.actor("street_b"), world.actor("dept_cg")):
        client = _client(actor)
        assert client.get(f"/api/v1/deliberation/proposals/{proposal.pk}").status_code == 404
        assert client.get("/api/v1/deliberation/proposals").json() == []
    assert (
        _client(world.actor("street"))
        .get(f"/api/v1/deliberation/proposals/{proposal.pk}")
        .status_code
        == 200
    )


def test_the_vote_through_the_api(world: World) -> None:
    staff = _client(world.actor("community"))
    a, b = verified(world, 2)
    proposal = propose(world, world.actor("community"))
    base = f"/api/v1/deliberation/proposals/{proposal.pk}"
    opened = _post(staff, f"{base}/open", {"version": proposal.version}).json()
    stale = _post(staff, f"{base}/open", {"version": proposal.version})
    assert stale.status_code == 409
    now = timezone.now()
    window = {
        "version": opened["version"],
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
    }
    voting = _post(staff, f"{base}/vote", window).json()
    assert voting["state"] == "voting"
    cast = _post(_client(a), f"{base}/ballot", {"yes": True}).json()
    assert cast["voted"] is True and cast["result"] is None
    twice = _post(_client(a), f"{base}/ballot", {"yes": False})
    assert twice.status_code == 422 and "只能投一次" in twice.json()["error"]["message"]
    early = _post(staff, f"{base}/publish", {"version": voting["version"]})
    assert early.status_code == 409 and "尚未截止" in early.json()["error"]["message"]
    assert _client(b).get(base).json()["result"] is None
    closed = _post(staff, f"{base}/close-vote", {"version": voting["version"]}).json()
    late = _post(_client(b), f"{base}/ballot", {"yes": True})
    assert late.status_code == 409 and "截止" in late.json()["error"]["message"]
    published = _post(staff, f"{base}/publish", {"version": closed["version"]}).json()
    assert published["state"] == "accepted"
    assert published["result"] == {"eligible": 2, "voters": 1, "yes": 1, "no": 0}
    assert Voter.objects.count() == 1 and Ballot.objects.count() == 1
    # public page
    public = Client().get(f"/api/v1/deliberation/public/{world.communities[0].pk}").json()
    assert [r["id"] for r in public["results"]] == [proposal.pk]
    # a project and its progress, seen by the voter
    project = _post(staff, f"{base}/project").json()["project"]
    update = _post(
        staff,
        f"/api/v1/deliberation/projects/{project['id']}/updates",
        {"version": project["version"], "progress": 30, "note": "材料进场"},
    )
    assert update.status_code == 200, update.content
    mine = _client(a).get("/api/v1/deliberation/projects").json()
    assert [(p["progress"], p["updates"][0]["note"]) for p in mine] == [(30, "材料进场")]
    assert _client(b).get("/api/v1/deliberation/projects").json() == []


def test_a_ranking_ballot_through_the_api(world: World) -> None:
    (voter,) = verified(world, 1)
    proposal = menu(world)
    staff = _client(world.actor("community"))
    base = f"/api/v1/deliberation/proposals/{proposal.pk}"
    opened = _post(staff, f"{base}/open", {"version": proposal.version}).json()
    now = timezone.now()
    _post(
        staff,
        f"{base}/vote",
        {
            "version": opened["version"],
            "opens_at": now.isoformat(),
            "closes_at": (now + timedelta(hours=1)).isoformat(),
        },
    )
    ids = [o["id"] for o in opened["options"]]
    bad = _post(_client(voter), f"{base}/ballot", {"ranking": ids[:2]})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "ranking"
    good = _post(_client(voter), f"{base}/ballot", {"ranking": list(reversed(ids))})
    assert good.status_code == 200 and good.json()["voted"] is True


def test_the_public_results_need_a_community(world: World) -> None:
    assert Client().get(f"/api/v1/deliberation/public/{world.streets[0].pk}").status_code == 404
    empty = Client().get(f"/api/v1/deliberation/public/{world.communities[1].pk}").json()
    assert empty["results"] == []
