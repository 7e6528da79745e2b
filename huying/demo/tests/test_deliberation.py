"""The demo's 众人议事: resident1's community has verified residents and two to verify, a
proposal voted through and tracked as a project resident1 follows, a ranking vote open for
resident1, and one still collecting supports."""

from __future__ import annotations

import pytest
from django.utils import timezone

from huying.deliberation import selectors
from huying.deliberation.models import Proposal, ProposalState, RecognitionState
from huying.demo.deliberation import build_deliberation
from huying.demo.district import DemoDistrict
from huying.org.actors import Actor
from huying.org.models import Role, RoleGrant

pytestmark = pytest.mark.django_db


def test_the_demo_deliberation(small_district: DemoDistrict) -> None:
    demo = small_district
    counts = build_deliberation(demo, now=timezone.now())
    grant = RoleGrant.objects.get(user__username="resident1", role=Role.RESIDENT)
    resident1 = Actor.from_grant(grant)
    community = selectors.verified_community(resident1.user)
    assert community is not None
    assert selectors.verified_residents(community).count() == counts["verified"]
    assert selectors.recognitions_visible_to(resident1).get().state == RecognitionState.VERIFIED
    states = dict(Proposal.objects.values_list("title", "state"))
    assert states == {
        "3 栋加装电梯": ProposalState.ACCEPTED,
        "老旧小区改造先后顺序": ProposalState.VOTING,
        "修缮 5 栋自行车棚": ProposalState.COLLECTING,
    }
    lift = Proposal.objects.get(title="3 栋加装电梯")
    assert lift.result["voters"] == 18 and lift.result["yes"] > lift.result["no"]
    (project,) = selectors.my_projects(resident1)
    assert project.progress == 55 and project.updates.count() == 2
    ranking = Proposal.objects.get(state=ProposalState.VOTING)
    assert not selectors.has_voted(resident1.user, ranking) and ranking.result == {}
