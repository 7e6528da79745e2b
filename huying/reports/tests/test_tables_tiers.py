"""The 分级办结 table (小事不出网格、大事不出社区、重大事情不出街道) on the indicator page:
street → community → grid → the cases, each level's total its parent's own figures."""

from __future__ import annotations

from typing import Any

from django.test import Client

from huying.cases.models import Case
from huying.conftest import World
from huying.evaluation.tests.test_tiers import settled  # noqa: F401  (the shared fixture)
from huying.reports.tabulate import Table

MARCH = {"table": "tiers", "month": "2026-03"}


def _get(client: Client, **params: Any) -> Any:
    return client.get("/reports/indicators/", {**MARCH, **params})


def _table(response: Any) -> Table:
    assert response.status_code == 200, response.content.decode()[:2000]
    table: Table = response.context["table"]
    return table


def test_drill_down_from_the_streets_to_a_grids_cases(
    world: World,
    settled: dict[str, Case],  # noqa: F811
) -> None:
    client = Client()
    client.force_login(world.actor("hub").user)
    streets = _table(_get(client))
    first = streets.rows[0]
    assert first.label == "第1街道"
    assert [c.text for c in first.cells] == [
        "6",
        "3",
        "1",
        "1",
        "1",
        "50.0%",
        "66.7%",
        "83.3%",
        "16.7%",
    ]
    assert first.url is not None and f"within={world.streets[0].pk}" in first.url
    communities = _table(client.get(first.url))
    assert [r.label for r in communities.rows] == ["第1社区"]
    assert communities.total is not None and communities.total.cells[0].text == "6"
    assert "第1街道" in communities.subtitle
    page = client.get(first.url).content.decode()
    assert "返回上一级" in page and "第1社区</a>" in page
    community_url = communities.rows[0].url
    assert community_url is not None
    grids = _table(client.get(community_url))
    assert [(r.label, r.cells[0].text, r.url) for r in grids.rows] == [
        ("网格1-1", "5", None),
        ("网格1-2", "1", None),
    ]
    cases_url = grids.rows[0].cells[1].url  # 网格办结 of grid 1-1
    assert cases_url is not None
    listed = client.get(cases_url).content.decode()
    assert settled["g1"].number in listed and settled["g2"].number in listed
    assert settled["c"].number not in listed


def test_a_bad_drill_down_is_422(world: World) -> None:
    client = Client()
    client.force_login(world.actor("hub").user)
    # A grid is not a level to drill into; a street's rows are not inside a community.
    assert _get(client, by="community", within=world.grids[0].pk).status_code == 422
    assert _get(client, by="street", within=world.streets[0].pk).status_code == 422
