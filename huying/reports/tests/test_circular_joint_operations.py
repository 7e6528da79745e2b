"""The monthly circular's 联合执法 section: the month's joint operations of the district,
with their units and the cases they settled; none is said as none."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.conftest import MONDAY_10AM, World
from huying.coordination.services import operation_create
from huying.reports.circular.document import Block, Heading, Table, circular_document
from huying.reports.circular.figures import circular_figures

pytestmark = pytest.mark.django_db

APRIL = datetime(2026, 4, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _section(world: World) -> list[Block]:
    figures = circular_figures(district=world.district, year=2026, month=3, now=APRIL)
    doc = circular_document(figures, number="呼应办通〔2026〕3号", issued=APRIL)
    start = next(
        i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and "联合执法" in b.text
    )
    end = next(
        i for i, b in enumerate(doc.blocks) if i > start and isinstance(b, Heading) and b.level == 1
    )
    return doc.blocks[start + 1 : end]


def test_the_months_joint_operations_are_listed(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    operation_create(
        actor=world.actor("street"),
        title="夜市占道联合整治",
        problem="占道经营",
        held_on=date(2026, 3, 10),
        place="建设路",
        unit_ids=[world.departments["cg_unit"].pk, world.departments["jt"].pk],
        results="劝离摊贩 12 处",
        case_ids=[case.pk],
        now=MONDAY_10AM,
    )
    operation_create(  # February's: not this circular's
        actor=world.actor("hub"),
        title="二月行动",
        problem="x",
        held_on=date(2026, 2, 20),
        place="y",
        unit_ids=[world.departments["cg"].pk],
        now=MONDAY_10AM,
    )
    blocks = _section(world)
    assert "1次" in blocks[0].text  # type: ignore[union-attr]
    table = blocks[1]
    assert isinstance(table, Table)
    assert table.rows == [
        [
            "03-10",
            "夜市占道联合整治",
            "第1街道",
            "城管执法一中队、交通局",
            case.number,
            "劝离摊贩 12 处",
        ]
    ]


def test_a_month_without_joint_operations_says_so(world: World) -> None:
    assert [b.text for b in _section(world)] == ["本月无联合执法行动。"]  # type: ignore[union-attr]
