"""The monthly circular's 向社区摊派情况 section: each sender's tasks to the district's
communities that month, refused at the gate and flagged; none is said as none."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from huying.access import services
from huying.access.models import ListKind
from huying.access.tests.helpers import publish_lists
from huying.conftest import MONDAY_10AM, World
from huying.reports.circular.document import Block, Heading, Table, circular_document
from huying.reports.circular.figures import circular_figures

pytestmark = pytest.mark.django_db

APRIL = datetime(2026, 4, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _doc(world: World, figures: dict[str, Any] | None = None) -> list[Block]:
    figures = figures or circular_figures(district=world.district, year=2026, month=3, now=APRIL)
    return circular_document(figures, number="呼应办通〔2026〕3号", issued=APRIL).blocks


def _section(blocks: list[Block]) -> list[Block]:
    start = next(
        i for i, b in enumerate(blocks) if isinstance(b, Heading) and "向社区摊派" in b.text
    )
    end = next(
        i for i, b in enumerate(blocks) if i > start and isinstance(b, Heading) and b.level == 1
    )
    return blocks[start + 1 : end]


def test_the_months_tasks_to_communities_per_sender(world: World) -> None:
    items = publish_lists(world)

    def send(who: str, item_id: int | None, now: datetime = MONDAY_10AM) -> None:
        services.task_send(
            actor=world.actor(who),
            recipient_id=world.communities[0].pk,
            title="某项任务",
            basis="通知",
            item_id=item_id,
            now=now,
        )

    send("dept_cg", items[ListKind.DUTY].pk)
    send("dept_cg", None)
    send("dept_sw", None)
    send("dept_sw", None, now=MONDAY_10AM - timedelta(days=20))  # February's
    blocks = _section(_doc(world))
    assert "派发任务3件" in blocks[0].text and "门口拒收2件" in blocks[0].text  # type: ignore[union-attr]
    table = blocks[1]
    assert isinstance(table, Table)
    assert table.rows == [["城管局", "2", "1", "0"], ["水务局", "1", "1", "0"]]


def test_a_month_without_tasks_says_so_and_an_old_snapshot_has_no_section(world: World) -> None:
    assert [b.text for b in _section(_doc(world))] == ["本月没有向社区派发的任务。"]  # type: ignore[union-attr]
    old = circular_figures(district=world.district, year=2026, month=3, now=APRIL)
    del old["community_tasks"]
    headings = [b.text for b in _doc(world, old) if isinstance(b, Heading) and b.level == 1]
    assert not any("向社区摊派" in h for h in headings)
    assert headings[-1] == "七、工作要求"
