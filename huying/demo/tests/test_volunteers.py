"""The demo's volunteers: teams and party members with their employers in the first
communities, three months of orders mostly confirmed (so the ledger, the rankings and the
employers' report have something to show), a few waiting now, and one correction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from huying.conftest import DEMO_PASSWORD
from huying.demo.district import DemoDistrict
from huying.demo.volunteers import COMMUNITIES, DEMO_VOLUNTEER, build_volunteers
from huying.volunteers.models import (
    EntryKind,
    OrderState,
    PointsEntry,
    ServiceOrder,
    Team,
    Volunteer,
    VolunteerKind,
)
from huying.volunteers.selectors import employer_report, rankings

pytestmark = pytest.mark.django_db


def test_the_demo_volunteers(small_district: DemoDistrict) -> None:
    demo = small_district
    now = timezone.now()
    counts = build_volunteers(demo, password=DEMO_PASSWORD, now=now)
    communities = min(COMMUNITIES, len(demo.communities))
    assert Team.objects.count() == 2 * communities
    assert Volunteer.objects.count() == counts["volunteers"] == 10 * communities
    party = Volunteer.objects.filter(kind=VolunteerKind.PARTY_MEMBER)
    assert party.count() == counts["party_members"] and not party.filter(employer="").exists()
    assert ServiceOrder.objects.count() == counts["orders"]
    confirmed = ServiceOrder.objects.filter(state=OrderState.CONFIRMED).count()
    assert confirmed == counts["confirmed"] > counts["orders"] / 2
    assert ServiceOrder.objects.filter(state=OrderState.POSTED).count() >= communities
    assert ServiceOrder.objects.filter(state=OrderState.REFUSED).exists()
    assert PointsEntry.objects.filter(kind=EntryKind.CORRECTION).count() == 1
    assert PointsEntry.objects.filter(kind=EntryKind.SERVICE).count() >= confirmed
    last = timezone.localtime(now).replace(day=1) - timedelta(days=1)
    assert rankings(demo.district, last.year, last.month)
    assert employer_report(demo.district, last.year, last.month)
    assert Volunteer.objects.get(user__username=DEMO_VOLUNTEER).user.check_password(DEMO_PASSWORD)
