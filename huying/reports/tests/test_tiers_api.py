"""GET /api/v1/indicators/tiers: the 分级办结 table's figures (小事不出网格、大事不出社区、重大
事情不出街道) by month, street → community → grid, in the indicator page's scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from huying.cases.models import Case
from huying.cases.tests.test_console import login
from huying.conftest import World
from huying.evaluation.tests.test_tiers import settled  # noqa: F401  (the shared fixture)

URL = "/api/v1/indicators/tiers"


def _get(client: Client, **params: Any) -> Any:
    return client.get(URL, {"month": "2026-03", **params})


def _counts(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (r["unit"], r["closed"], r["grid"], r["community"], r["street"], r["above"]) for r in rows
    ]


def test_the_streets_then_a_streets_communities_then_a_communitys_grids(
    world: World,
    settled: dict[str, Case],  # noqa: F811
) -> None:
    hub = login(world, "hub")
    streets = _get(hub)
    assert streets.status_code == 200, streets.content
    body = streets.json()
    assert (body["month"], body["by"], body["unit_id"]) == ("2026-03", "street", None)
    assert _counts(body["rows"]) == [("第1街道", 6, 3, 1, 1, 1), ("第2街道", 1, 1, 0, 0, 0)]
    first = body["rows"][0]
    assert first["unit_id"] == world.streets[0].pk
    assert (first["grid_share"], first["in_community_share"]) == (0.5, 0.6667)
    assert (first["in_street_share"], first["above_share"]) == (0.8333, 0.1667)
    assert body["total"]["closed"] == 7  # the district's, April's case not counted
    communities = _get(hub, unit_id=first["unit_id"]).json()
    assert (communities["by"], communities["unit"]) == ("community", "第1街道")
    assert _counts(communities["rows"]) == [("第1社区", 6, 3, 1, 1, 1)]
    assert communities["total"]["unit_id"] == world.streets[0].pk
    grids = _get(hub, unit_id=communities["rows"][0]["unit_id"]).json()
    assert grids["by"] == "grid"
    assert [(r["unit"], r["closed"], r["grid"]) for r in grids["rows"]] == [
        ("网格1-1", 5, 2),
        ("网格1-2", 1, 1),
    ]
    # A street's grids straight away; April is another month.
    by_grid = _get(hub, unit_id=world.streets[0].pk, by="grid").json()
    assert [r["unit"] for r in by_grid["rows"]] == ["网格1-1", "网格1-2"]
    april = _get(hub, month="2026-04").json()
    assert _counts(april["rows"]) == [("第1街道", 1, 1, 0, 0, 0)]


def test_each_reader_sees_the_page_scope(
    world: World,
    settled: dict[str, Case],  # noqa: F811
) -> None:
    street_b = login(world, "street_b")
    assert _counts(_get(street_b).json()["rows"]) == [("第2街道", 1, 1, 0, 0, 0)]
    other = _get(street_b, unit_id=world.streets[0].pk)
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    assert _get(street_b, unit_id=world.communities[0].pk).status_code == 404
    # A community's staff open their own street's row: only their own community in it.
    community = login(world, "community")
    mine = _get(community, unit_id=world.streets[0].pk).json()
    assert [r["unit"] for r in mine["rows"]] == ["第1社区"]
    # Residents, informants and street chiefs read no indicators.
    for role in ("resident", "informant"):
        refused = _get(login(world, role))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert Client().get(URL).status_code == 401


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"month": "2026-13"}, 422, None),
        ({"by": "department"}, 422, None),
        ({"by": "street", "unit": "street"}, 422, "by"),
        ({"unit": "grid"}, 404, None),
        ({"unit_id": 0}, 422, None),
    ],
)
def test_bad_input_is_a_structured_error(
    world: World, params: dict[str, Any], status: int, field: str | None
) -> None:
    units = {"street": world.streets[0].pk, "grid": world.grids[0].pk}
    params = dict(params)
    if "unit" in params:
        params["unit_id"] = units[params.pop("unit")]
    answer = _get(login(world, "hub"), **params)
    assert answer.status_code == status, answer.content
    error = answer.json()["error"]
    assert error["message"]
    if field:
        assert error["details"]["field"] == field


def test_the_page_refuses_another_streets_drill_down_as_the_api_does(
    world: World,
    settled: dict[str, Case],  # noqa: F811
) -> None:
    street_b = login(world, "street_b")
    query: dict[str, Any] = {
        "table": "tiers",
        "by": "community",
        "period": "month",
        "month": "2026-03",
    }
    other = street_b.get("/reports/indicators/", {**query, "within": world.streets[0].pk})
    assert other.status_code == 404
    assert "第1社区" not in other.content.decode()
    own = street_b.get("/reports/indicators/", {**query, "within": world.streets[1].pk})
    assert own.status_code == 200
