"""The month's figures: rankings by points or hours (per community, per street, the
district), the monthly report per community and its workbook, and the party members' hours
reported to their employers (双报到)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from huying.conftest import World
from huying.volunteers import selectors, services, workbooks
from huying.volunteers.models import VolunteerKind
from huying.volunteers.tests.helpers import T0, WHEN, confirmed, posted, rule, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(world: World) -> World:
    """In March 2026: 甲 (party member, 区财政局) 2 h at 5 stars, 乙 3 h at 3 stars, 丙 of the
    second community nothing; one order refused, one left waiting; a correction of -1 for 甲."""
    rule()
    a = volunteer(world, "甲", kind=VolunteerKind.PARTY_MEMBER, employer="区财政局")
    b = volunteer(world, "乙")
    volunteer(world, "丙", community=1)
    confirmed(world, [a], rating=5, minutes=120)  # 22
    confirmed(world, [b], rating=3, minutes=180)  # 30
    services.order_refuse(
        actor=world.actor("community"), order_id=posted(world).pk, reason="不属于", now=T0
    )
    posted(world)
    services.points_correct(
        actor=world.actor("community"), volunteer_id=a.pk, points=-1, reason="多计", now=WHEN
    )
    return world


def test_rankings_by_points_and_by_hours(march: World) -> None:
    community = march.communities[0]
    by_points = selectors.rankings(community, 2026, 3)
    assert [(r.rank, r.volunteer.name, r.points, r.hours) for r in by_points] == [
        (1, "乙", Decimal("30.00"), Decimal("3.00")),
        (2, "甲", Decimal("21.00"), Decimal("2.00")),
    ]
    assert [r.volunteer.name for r in selectors.rankings(march.district, 2026, 3, by="hours")] == [
        "乙",
        "甲",
    ]
    assert selectors.rankings(march.communities[1], 2026, 3) == []
    assert selectors.rankings(community, 2026, 4) == []


def test_the_monthly_report_per_community(march: World) -> None:
    rows = {r.community.name: r for r in selectors.monthly_report(march.district, 2026, 3)}
    first = rows["第1社区"]
    assert (first.posted, first.confirmed, first.refused, first.active) == (4, 2, 1, 2)
    assert (first.hours, first.points) == (Decimal("5.00"), Decimal("51.00"))
    assert rows["第2社区"].posted == 0
    sheet = load_workbook(
        BytesIO(workbooks.report_workbook(list(rows.values()), title="月报").read())
    ).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["第1社区", 4, 2, 1, 5.0, 51.0, 2]


def test_party_members_hours_go_to_their_employers(march: World) -> None:
    lines = selectors.employer_report(march.streets[0], 2026, 3)
    assert [(x.employer, x.volunteer.name, x.orders, x.hours) for x in lines] == [
        ("区财政局", "甲", 1, Decimal("2.00"))
    ]
    sheet = load_workbook(BytesIO(workbooks.employer_workbook(lines, title="双报到").read())).active
    assert sheet is not None
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["区财政局", "甲", "第1社区", 1, 2.0],
        ["区财政局", "合计", None, None, 2.0],
    ]
