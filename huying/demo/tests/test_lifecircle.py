"""The demo's 十五分钟生活圈: tens of points, every essential kind reaching most of every
community, and the two gaps it leaves on purpose."""

from __future__ import annotations

import pytest

from huying.conftest import MONDAY_10AM
from huying.demo.district import DemoDistrict
from huying.demo.lifecircle import build_lifecircle
from huying.lifecircle.models import ServicePoint
from huying.lifecircle.selectors import community_coverage


@pytest.mark.django_db
def test_the_demo_has_points_and_two_visible_gaps(small_district: DemoDistrict) -> None:
    made = build_lifecircle(small_district, now=MONDAY_10AM)
    assert made["points"] == ServicePoint.objects.count() >= 8
    results = {c.pk: community_coverage(c) for c in small_district.communities}
    gapped = [
        (r.community.name, k.kind.code)
        for r in results.values()
        for k in r.kinds
        if k.share.share < 0.5
    ]
    assert sorted(gapped) == sorted(
        (c.name, kind)
        for c, kind in zip(small_district.communities[-2:], ("elderly", "health"), strict=True)
    )
