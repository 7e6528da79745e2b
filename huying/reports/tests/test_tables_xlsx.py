"""Every indicator table and ranking downloads as the workbook of what the page shows."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from huying.conftest import World, shared_fixture
from huying.evaluation.tests.march import March, build_march
from huying.reports.tabulate import RATE, TABLES, Table

pytestmark = pytest.mark.django_db

MARCH = {"period": "month", "month": "2026-03"}


@shared_fixture
def march(world: World) -> March:
    return build_march(world)


def login(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.actor(name).user)
    return client


def sheet(response: Any) -> Worksheet:
    assert response.status_code == 200, response.content.decode()[:1000]
    data = b"".join(response.streaming_content)
    ws = load_workbook(BytesIO(data)).active
    assert isinstance(ws, Worksheet)
    return ws


def shown(ws: Worksheet, table: Table) -> None:
    """The sheet holds the page's table: headers, labels, every value (rates as numbers in
    percent format, "—" where the page shows it), the total, in the page's order."""
    title = str(ws.cell(1, 1).value)
    assert table.title in title and table.subtitle in title and "生成时间" in title
    headers = [c.value for c in ws[2]]
    assert headers == [table.label_header, *(str(c.header) for c in table.columns)]
    assert ws.freeze_panes == "B3"
    rows = [*table.rows, *([table.total] if table.total else [])]
    for offset, row in enumerate(rows):
        cells = ws[3 + offset]
        assert cells[0].value == row.label
        for column, cell, xl in zip(table.columns, row.cells, cells[1:], strict=True):
            if cell.value is None:
                assert xl.value == cell.text
            else:
                assert xl.value == pytest.approx(float(cell.value))
                if column.kind == RATE:
                    assert xl.number_format == "0.0%"
    assert ws.column_dimensions["A"].width >= 6


@pytest.mark.parametrize("code", list(TABLES))
def test_each_indicator_table_exports_as_shown(march: March, code: str) -> None:
    hub = login(march.world, "hub")
    params = {**MARCH, "table": code, "by": "street", "sort": "-" + TABLES[code].metrics[-1].code}
    table = hub.get("/reports/indicators/", params).context["table"]
    response = hub.get("/reports/indicators/export/", params)
    shown(sheet(response), table)
    disposition = unquote(response["Content-Disposition"])
    assert f"指标-{table.title}-2026年3月-按街道-" in disposition


def test_the_page_links_its_export_with_the_same_choices(march: March) -> None:
    hub = login(march.world, "hub")
    response = hub.get("/reports/indicators/", {**MARCH, "table": "reports", "sort": "-reports"})
    url = response.context["export_url"]
    assert url.startswith("/reports/indicators/export/?")
    for part in ("table=reports", "by=grid", "sort=-reports", "month=2026-03"):
        assert part in url
    shown(sheet(hub.get(url)), response.context["table"])


def test_a_street_exports_its_own_scope(march: March) -> None:
    street = login(march.world, "street")
    params = {**MARCH, "table": "closure", "by": "street"}
    ws = sheet(street.get("/reports/indicators/export/", params))
    assert [ws.cell(r, 1).value for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value] == [
        "第1街道",
        "合计",
    ]


@pytest.mark.parametrize("view", ["monthly", "annual", "streets"])
def test_each_ranking_exports_as_shown(march: March, view: str) -> None:
    hub = login(march.world, "hub")
    params = {"view": view, "month": "2026-03", "year": "2026"}
    page = hub.get("/reports/indicators/rankings/", params)
    for index, entry in enumerate(page.context["tables"]):
        ws = sheet(hub.get(entry["export_url"]))
        shown(ws, entry["table"])
        assert f"which={index}" in entry["export_url"]


def test_bad_export_choices_are_422(march: March) -> None:
    hub = login(march.world, "hub")
    bad = hub.get("/reports/indicators/export/", {"table": "verification", "by": "department"})
    assert bad.status_code == 422
    which = hub.get("/reports/indicators/rankings/export/", {"view": "monthly", "which": "7"})
    assert which.status_code == 422
