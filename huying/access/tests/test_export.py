"""The gate's month as XLSX (page button and API): the same numbers as the page, both checked
against counts made independently from the tasks the test creates."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from huying.access import services
from huying.access.models import ListKind
from huying.access.tests.helpers import publish_lists
from huying.conftest import MONDAY_10AM, World

pytestmark = pytest.mark.django_db


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _month_of_tasks(world: World) -> dict[str, tuple[int, int, int, int]]:
    """Tasks from two senders; returns the expected (sent, refused, flagged, upheld) per name."""
    items = publish_lists(world)
    plan = {  # sender: (cited?, flagged?, upheld?) per task
        "dept_cg": [
            (True, True, True),
            (True, True, False),
            (False, False, False),
            (True, False, False),
        ],
        "street_leader": [(False, False, False), (False, False, False), (True, False, False)],
    }
    expected: dict[str, tuple[int, int, int, int]] = {}
    for who, tasks in plan.items():
        sender = world.actor(who)
        for cited, flag, upheld in tasks:
            task = services.task_send(
                actor=sender,
                recipient_id=world.communities[0].pk,
                title="入户核对",
                basis="通知",
                item_id=items[ListKind.DUTY].pk if cited else None,
                now=MONDAY_10AM,
            )
            if flag:
                services.task_flag(actor=world.actor("community"), task_id=task.pk, reason="清单外")
                services.task_flag_resolve(
                    actor=world.actor("hub"), task_id=task.pk, upheld=upheld, reason="核查"
                )
        expected[sender.unit.name] = (
            len(tasks),
            sum(not c for c, _f, _u in tasks),
            sum(f for _c, f, _u in tasks),
            sum(u for _c, _f, u in tasks),
        )
    return expected


def _sheet(content: bytes) -> dict[str, tuple[int, ...]]:
    sheet = load_workbook(BytesIO(content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    return {str(r[0]): tuple(int(str(v)) for v in r[1:]) for r in rows}


def _page(html: str) -> dict[str, tuple[int, ...]]:
    out = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S):
        name = re.sub(r"<[^>]+>", "", row.split("</th>")[0]).strip()
        cells = re.findall(r"<td class=\"num\">(.*?)</td>", row, re.S)
        out[name] = tuple(int(re.sub(r"<[^>]+>", "", c)) for c in cells)
    return out


def test_the_workbook_has_the_pages_numbers(world: World) -> None:
    expected = _month_of_tasks(world)
    hub = _client(world, "hub")
    page = _page(hub.get("/access/?month=2026-03").content.decode())
    download = hub.get("/access/figures.xlsx?month=2026-03")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    book = _sheet(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    total = tuple(sum(v[i] for v in expected.values()) for i in range(4))
    assert page == book == {**expected, "合计": total}
    api = hub.get("/api/v1/access/figures.xlsx?month=2026-03")
    assert api.status_code == 200
    assert _sheet(b"".join(api.streaming_content)) == book  # type: ignore[attr-defined]
    assert "figures.xlsx?month=2026-03" in hub.get("/access/?month=2026-03").content.decode()


def test_a_department_exports_only_its_own_row(world: World) -> None:
    expected = _month_of_tasks(world)
    dept = _client(world, "dept_cg")
    book = _sheet(b"".join(dept.get("/api/v1/access/figures.xlsx?month=2026-03").streaming_content))  # type: ignore[attr-defined]
    name = world.departments["cg"].name
    assert book == {name: expected[name], "合计": expected[name]}
    assert _client(world, "community").get("/api/v1/access/figures.xlsx").status_code in (200, 404)
