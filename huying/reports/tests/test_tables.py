"""The indicator tables on the hand-checked March of ``evaluation/tests/march.py``: the numbers
the page shows, the cases behind each of them, scope, bad input and query counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from huying.conftest import World, shared_fixture
from huying.evaluation.grouping import GroupBy
from huying.evaluation.tests.march import March, build_march
from huying.reports.tabulate import TABLES, Table

pytestmark = pytest.mark.django_db

MARCH = {"period": "month", "month": "2026-03"}


@shared_fixture
def march(world: World) -> March:
    return build_march(world)


def login(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.actor(name).user)
    return client


def page(client: Client, **params: str) -> Any:
    return client.get("/reports/indicators/", {**MARCH, **params})


def table_of(response: Any) -> Table:
    assert response.status_code == 200, response.content.decode()[:2000]
    table: Table = response.context["table"]
    return table


def texts(table: Table) -> dict[str, list[str]]:
    """Each row's shown texts by its label (the total as 合计)."""
    rows = {r.label: [c.text for c in r.cells] for r in table.rows}
    if table.total:
        rows[table.total.label] = [c.text for c in table.total.cells]
    return rows


def test_closure_by_street_shows_the_hand_counted_march(march: March) -> None:
    response = page(login(march.world, "hub"), table="closure", by="street")
    table = table_of(response)
    assert [str(c.header) for c in table.columns] == [
        "结案数",
        "按期结案数",
        "应结案数",
        "结案率",
        "按期结案率",
    ]
    # A: closed A1 A2 A4 A5 A9, on time all but A2, due + A3; B: B1 B2 B3, B3 late.
    assert texts(table) == {
        "第1街道": ["5", "4", "6", "83.3%", "66.7%"],
        "第2街道": ["3", "2", "3", "100.0%", "66.7%"],
        "合计": ["8", "6", "9", "88.9%", "66.7%"],
    }
    body = response.content.decode()
    assert "83.3%" in body and "2026年3月 · 按街道" in body


def test_every_table_shows_its_hand_counted_row(march: March) -> None:
    hub = login(march.world, "hub")
    cg = "城管局"
    expected = {
        # 城管局: handled A1 A2 A9 B2 B3 on time, A3 overdue; A9 reworked and extended.
        ("handling", "department", cg): [
            "6",
            "5",
            "5",
            "1",
            "1",
            "1",
            "83.3%",
            "83.3%",
            "16.7%",
            "20.0%",
            "16.7%",
        ],
        ("response", "street", "第1街道"): ["6", "4", "6", "5", "66.7%", "83.3%"],
        # (3 satisfied + 0.9 × 1 basic) ÷ 5 = 78 %; 4 of 8 resolved.
        ("outcome", "street", "第1街道"): ["5", "4", "78.0%", "8", "4", "50.0%"],
        # 7 calls, A4 misrouted; 7 per 8 valid cases = 875 per thousand.
        ("calls", "street", "第1街道"): ["7", "6", "85.7%", "8", "875.0"],
        ("reports", "grid", "网格1-1"): ["7", "5", "71.4%"],
        ("verification", "street", "第2街道"): ["3", "2", "66.7%"],
    }
    for (code, by, label), shown in expected.items():
        table = table_of(page(hub, table=code, by=by))
        assert texts(table)[label] == shown, (code, by)
    # 三率: response 8/10, resolution 7/11, satisfaction (5 + 0.9 × 2)/8; weights .1 .45 .45.
    three = texts(table_of(page(hub, table="three_rates", by="district")))["锦城区"]
    assert three[2] == "80.0%" and three[5] == "63.6%" and three[8] == "85.0%"
    score = 100 * (0.1 * 0.8 + 0.45 * 7 / 11 + 0.45 * 0.85)
    assert three[9] == f"{score:.2f}"


def _links(table: Table) -> list[tuple[str, str]]:
    rows = [*table.rows, *([table.total] if table.total else [])]
    return [(c.text, c.url) for r in rows for c in r.cells if c.url is not None]


def _url(table: Table, label: str, column: int) -> str:
    url = next(r for r in table.rows if r.label == label).cells[column].url
    assert url is not None
    return url


def _listed(client: Client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:1500]
    assert response.context["next_cursor"] is None
    return [c.pk for c in response.context["rows"]]


@pytest.mark.parametrize("by", ["street", "grid", "source", "department", "catalogue_class"])
def test_every_count_of_a_case_family_drills_down_to_as_many_cases(march: March, by: str) -> None:
    hub = login(march.world, "hub")
    for code in ("closure", "outcome"):
        table = table_of(page(hub, table=code, by=by))
        links = _links(table)
        assert links
        for text, url in links:
            assert len(_listed(hub, url)) == int(text), (code, by, url)


def test_drill_down_lists_the_very_cases_and_says_what_they_are(march: March) -> None:
    hub = login(march.world, "hub")
    table = table_of(page(hub, table="closure", by="street"))
    closed_a = _url(table, "第1街道", 0)
    response = hub.get(closed_a)
    assert {c.pk for c in response.context["rows"]} == march.ids("A1", "A2", "A4", "A5", "A9")
    body = response.content.decode()
    assert "2026年3月 · 第1街道 · 结案率的分子：结案 5 件" in body
    assert "/reports/indicators/?table=closure&amp;by=street&amp;period=month" in body
    # The other filters work on top: of those five, the one a grid worker reported.
    patrol = hub.get(closed_a + "&source=grid_patrol")
    assert {c.pk for c in patrol.context["rows"]} == march.ids("A1")
    assert "结案 5 件；下面只列出其中符合筛选条件的事件" in patrol.content.decode()
    # An assignment family says how many assignments and how many cases.
    handling = table_of(page(hub, table="handling", by="street"))
    listed = hub.get(_url(handling, "第2街道", 0))
    # B1 (水务局 and 生态环境局), B2, B3: four assignments on three cases
    assert {c.pk for c in listed.context["rows"]} == march.ids("B1", "B2", "B3")
    assert "处置率的分母：应处置 4 个派单，涉及事件 3 件" in listed.content.decode()


def test_a_street_sees_only_its_own_groups_and_cases(march: March) -> None:
    street = login(march.world, "street")
    table = table_of(page(street, table="closure", by="street"))
    assert [r.label for r in table.rows] == ["第1街道"]
    assert texts(table)["合计"] == ["5", "4", "6", "83.3%", "66.7%"]
    for text, url in _links(table):
        assert len(_listed(street, url)) == int(text)
    # Street B's numbers, asked for by hand: nothing of B is listed.
    other = (
        f"/cases/?indicator=completion&part=numerator&by=street&key={march.street_b}"
        "&start=2026-03-01&end=2026-03-31"
    )
    response = street.get(other)
    assert response.status_code == 200 and list(response.context["rows"]) == []


def test_a_departments_drill_down_never_shows_another_departments_cases(march: March) -> None:
    cg = login(march.world, "dept_cg")
    table = table_of(page(cg, table="handling", by="department"))
    assert [r.label for r in table.rows] == ["城管局"]
    own = set()
    for _text, url in _links(table):
        own |= set(_listed(cg, url))
    assert own == march.ids("A1", "A2", "A3", "A9", "B2", "B3")
    for code in ("completion", "resolution_rate"):
        for part in ("numerator", "denominator"):
            url = (
                f"/cases/?indicator={code}&part={part}&by=department"
                f"&key={march.department('jt')}&start=2026-03-01&end=2026-03-31"
            )
            assert _listed(cg, url) == [], (code, part)  # A4 is 交通局's


@pytest.mark.parametrize(
    "query",
    [
        "indicator=nonsense&part=numerator&by=street&key=1&start=2026-03-01&end=2026-03-31",
        "indicator=completion&part=both&by=street&key=1&start=2026-03-01&end=2026-03-31",
        "indicator=completion&part=numerator&by=planet&key=1&start=2026-03-01&end=2026-03-31",
        "indicator=on_time_verification_rate&part=numerator&by=department&key=1"
        "&start=2026-03-01&end=2026-03-31",
        "indicator=completion&part=numerator&by=street&key=abc&start=2026-03-01&end=2026-03-31",
        "indicator=completion&part=numerator&by=street&key=1&start=2026-03-01&end=2026-02-01",
        "indicator=completion&part=numerator&by=street&key=1&start=yesterday&end=2026-03-31",
        "indicator=completion&part=numerator&by=source&key=pigeon&start=2026-03-01&end=2026-03-31",
        "indicator=completion",
    ],
)
def test_garbage_drill_down_is_a_422_page_listing_nothing(march: March, query: str) -> None:
    hub = login(march.world, "hub")
    for url in (f"/cases/?{query}", f"/cases/export/?{query}"):
        response = hub.get(url)
        assert response.status_code == 422, url
        body = response.content.decode()
        assert 'class="error-box"' in body
        assert not any(c.number in body for c in march.cases.values())


def test_a_group_that_does_not_exist_is_404(march: March) -> None:
    response = login(march.world, "hub").get(
        "/cases/?indicator=completion&part=numerator&by=street&key=999999"
        "&start=2026-03-01&end=2026-03-31"
    )
    assert response.status_code == 404


def test_case_list_export_holds_the_drilled_down_cases(march: March) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    hub = login(march.world, "hub")
    query = (
        f"indicator=completion&part=denominator&by=street&key={march.street_a}"
        "&start=2026-03-01&end=2026-03-31"
    )
    response = hub.get(f"/cases/export/?{query}")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    names = ("A1", "A2", "A3", "A4", "A5", "A9")
    assert numbers == {march.cases[n].number for n in names}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"table": "verification", "by": "department"}, "「核查」表不能按「部门」分组"),
        ({"table": "closure", "by": "grid_worker"}, "「结案」表不能按「网格员」分组"),
        ({"table": "closure", "period": "range", "start": "2026-03-10", "end": "2026-03-01"}, ""),
        ({"table": "closure", "period": "month", "month": "2026-13"}, "月份格式"),
        ({"table": "nonsense"}, ""),
        ({"table": "closure", "sort": "-nonsense"}, "排序列有误"),
        ({"table": "closure", "period": "decade"}, ""),
    ],
)
def test_bad_table_choices_are_422_with_no_table(
    march: March, params: dict[str, str], message: str
) -> None:
    response = page(login(march.world, "hub"), **params)
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "table" not in response.context or response.context.get("table") is None
    assert "<table" not in body


def test_sort_by_a_rate(march: March) -> None:
    hub = login(march.world, "hub")
    worst_first = table_of(page(hub, table="closure", by="grid", sort="completion"))
    # grid 1 (A5 A9 of A3 A5 A9) is the only one below 100 %
    assert worst_first.rows[0].label == "网格1-2"
    best_first = table_of(page(hub, table="closure", by="grid", sort="-completion"))
    assert best_first.rows[-1].label == "网格1-2"
    assert best_first.total is not None and best_first.total.cells[0].text == "8"


def test_no_total_where_groups_overlap(march: March) -> None:
    table = table_of(page(login(march.world, "hub"), table="closure", by="department"))
    assert table.total is None and "不列合计" in table.note
    handling = table_of(page(login(march.world, "hub"), table="handling", by="department"))
    assert handling.total is not None  # an assignment belongs to one department
    # 应处置: 城管局 6, 交通局 (A4), 水务局 and 生态环境局 (B1) one each = streets A 5 + B 4
    assert [r.cells[0].text for r in handling.rows] == ["6", "1", "1", "1"]
    assert handling.total.cells[0].text == "9"


def test_a_total_is_the_district_s_own_figures(march: March) -> None:
    """Where the groups split the district's rows the total adds them up instead of reading
    the month again: it shows what the table by district shows, for every table and such
    grouping (the 未填 group included), for the hub and for a department."""
    for who in ("hub", "dept_cg"):
        client = login(march.world, who)
        for code, spec in TABLES.items():
            whole = table_of(page(client, table=code, by="district"))
            for by in spec.groups:
                if by == GroupBy.DISTRICT or not spec.partitions(by):
                    continue
                table = table_of(page(client, table=code, by=by))
                if not whole.rows:
                    assert table.total is None, (who, code, by)
                    continue
                assert table.total is not None, (who, code, by)
                shown = [c.text for c in table.total.cells]
                assert shown == [c.text for c in whole.rows[0].cells], (who, code, by)


def test_every_table_and_grouping_renders_in_bounded_queries(
    march: March, django_assert_max_num_queries: Any
) -> None:
    hub = login(march.world, "hub")
    for code, spec in TABLES.items():
        for by in spec.groups:
            with django_assert_max_num_queries(14):
                response = page(hub, table=code, by=by)
            assert response.status_code == 200, (code, by)


def test_query_count_does_not_grow_with_rows(
    march: March, django_assert_max_num_queries: Any
) -> None:
    hub = login(march.world, "hub")
    with django_assert_max_num_queries(14):
        table = table_of(page(hub, table="three_rates", by="grid"))
    assert len(table.rows) == 4


def test_residents_have_no_such_page(march: March) -> None:
    resident = login(march.world, "resident")
    assert resident.get("/reports/indicators/").status_code == 404
    assert resident.get("/reports/indicators/rankings/").status_code == 404
    assert Client().get("/reports/indicators/").status_code == 302


def test_grouping_choices_are_the_tables_own(march: March) -> None:
    response = page(login(march.world, "hub"), table="verification")
    body = response.content.decode()
    select = re.search(r'<select name="by"[^>]*>(.*?)</select>', body, re.S)
    assert select is not None
    values = re.findall(r'<option value="([^"]*)"', select[1])
    assert values == [g for g in GroupBy.values if g not in ("department", "grid_worker")]
    assert 'value="street" selected' in select[1]  # its default grouping
