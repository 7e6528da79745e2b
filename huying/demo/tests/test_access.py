"""The demo's access lists have the seeds' counts, and its months of community tasks went
through the gate: some refused at the door, some flagged, counted per sender."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from huying.access.models import CommunityTask, ListKind, TaskState
from huying.access.selectors import current_items, monthly_figures
from huying.demo.access import ADMISSIONS, build_access
from huying.demo.district import DemoDistrict
from huying.org.actors import Actor
from huying.org.models import Role, RoleGrant

pytestmark = pytest.mark.django_db


def test_the_demo_lists_and_tasks(small_district: DemoDistrict) -> None:
    demo = small_district
    now = timezone.now()
    counts = build_access(demo, now=now)
    assert (counts["duty"], counts["assist"], counts["certificate"]) == (33, 34, 20)
    assert counts["admission"] == len(ADMISSIONS) == 26
    assert [i.title for i in current_items(ListKind.ADMISSION)] == [t for t, _d in ADMISSIONS]
    for kind in (ListKind.ASSIST, ListKind.ADMISSION):
        assert all(i.funding and i.staffing for i in current_items(kind))
    assert all(i.alternative for i in current_items(ListKind.CERTIFICATE))
    tasks = CommunityTask.objects.filter(recipient__in=demo.communities)
    assert tasks.count() == counts["sent"] > 50
    refused = tasks.filter(state=TaskState.REFUSED)
    assert refused.count() == counts["refused"] and 0 < counts["refused"] < counts["sent"] / 2
    assert not refused.filter(item__isnull=False).exists()
    assert tasks.filter(flagged_at__isnull=False).count() == counts["flagged"] > 0
    assert tasks.filter(state=TaskState.WITHDRAWN).count() == counts["upheld"]
    assert tasks.filter(flag_outcome="rejected").count() == counts["rejected"]
    hub = Actor.from_grant(RoleGrant.objects.filter(role=Role.HUB_DISPATCHER).first())  # type: ignore[arg-type]
    last = timezone.localtime(now).replace(day=1) - timedelta(days=1)
    figures = monthly_figures(hub, last.year, last.month)
    assert (
        sum(f.sent for f in figures)
        == tasks.filter(created_at__year=last.year, created_at__month=last.month).count()
    )
