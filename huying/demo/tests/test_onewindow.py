"""The demo's 一口受理: published items residents see, drafts they do not, staff qualified at
the first street's stations, and applications in every state with proxies and hand-overs."""

from __future__ import annotations

import pytest

from huying.conftest import MONDAY_10AM
from huying.demo.district import DemoDistrict
from huying.demo.onewindow import CALLS, DRAFTS, ITEMS, PER_STATION, STATIONS, build_onewindow
from huying.onewindow.models import (
    Application,
    ApplicationStep,
    DutyShift,
    ElderCall,
    Qualification,
    ServiceItem,
)
from huying.onewindow.selectors import published_items


@pytest.mark.django_db
def test_the_demo_has_items_applications_and_proxies(small_district: DemoDistrict) -> None:
    made = build_onewindow(small_district, now=MONDAY_10AM)
    assert made["items"] == ServiceItem.objects.count() == len(ITEMS) == 30
    assert published_items().count() == len(ITEMS) - len(DRAFTS)
    stations = min(STATIONS, len(small_district.communities))
    assert (
        made["applications"]
        == Application.objects.filter(call=None).count()
        == stations * PER_STATION
    )
    states = set(Application.objects.values_list("state", flat=True))
    assert states == {"received", "passed", "done", "refused"}
    proxies = Application.objects.exclude(proxy_by=None).filter(call=None)
    assert proxies.count() == made["proxies"] > 0
    assert ApplicationStep.objects.filter(action="handover").count() == made["proxies"]
    assert Qualification.objects.count() == made["qualifications"] > 0
    assert not Application.objects.filter(item__published=False).exists()
    assert DutyShift.objects.count() == made["shifts"] > 0
    calls = ElderCall.objects.all()
    assert calls.count() == made["calls"] == len(CALLS)
    assert calls.filter(case__source="hotline_12349").count() == 2
    assert not calls.filter(elderly=True, application__proxy_by=None).exclude(application=None)
