"""网格覆盖: staff in place, informants per grid worker against the target, and the
ladder's reports of the month, per street → community → grid, scoped to the reader."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from huying.cases import services
from huying.cases.tests.helpers import submit
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import NotFound, PermissionDenied
from huying.org import informants
from huying.reports.coverage import Coverage, coverage

pytestmark = pytest.mark.django_db

T = MONDAY_10AM


def enrol_many(world: World, count: int, grid: int = 0, who: str = "grid_worker") -> None:
    for i in range(count):
        informants.informant_enrol(
            actor=world.actor(who),
            grid_id=world.grids[grid].pk,
            name=f"信息员{i}",
            phone=f"1390000{grid}{i:03d}",
        )


def figures(world: World, who: str, unit: int | None = None) -> Coverage:
    return coverage(world.actor(who), unit_id=unit, year=T.year, month=T.month)


def test_a_street_sees_its_communities_with_staff_informants_and_the_months_reports(
    world: World,
) -> None:
    enrol_many(world, 3)
    case = submit(world, who="informant", now=T)
    services.case_grid_settle(
        actor=world.actor("grid_worker"), case_id=case.pk, result="已清理", now=T
    )
    submit(world, who="street_chief", now=T)
    cov = figures(world, "street")
    assert cov.unit == world.streets[0]
    community = cov.rows[0]
    # the world's informant plus three enrolled, against one grid worker on grids[0]
    assert (community.workers, community.informants, community.chiefs) == (1, 4, 1)
    assert (community.informant_reports, community.chief_reports) == (1, 1)
    assert community.settled_at_grid == 1
    assert community.shortfall == 20 - 4
    assert str(community.per_worker) == "4.0"
    assert cov.total.informants == sum(r.informants for r in cov.rows)


def test_drill_down_to_the_grids_and_a_grid_without_a_worker_shows_as_a_gap(
    world: World, settings: object
) -> None:
    cov = figures(world, "street", world.communities[0].pk)
    by_grid = {f.unit: f for f in cov.rows}
    assert by_grid[world.grids[0]].workers == 1
    assert by_grid[world.grids[1]].grids_without_worker == 1
    assert by_grid[world.grids[1]].per_worker is None
    assert [u.kind for u in cov.trail] == ["street", "community"]


def test_the_target_is_a_setting(world: World, settings: object) -> None:
    settings.HUYING_INFORMANTS_PER_WORKER = 2  # type: ignore[attr-defined]
    enrol_many(world, 3)
    assert figures(world, "grid_worker").total.shortfall == 0


def test_each_reader_sees_from_their_own_node_down(world: World) -> None:
    assert figures(world, "grid_centre").unit == world.streets[0]
    assert figures(world, "hub").unit == world.district
    with pytest.raises(NotFound):
        figures(world, "street", world.streets[1].pk)
    with pytest.raises(NotFound):
        figures(world, "grid_worker", world.grids[1].pk)
    for who in ("dept_cg", "informant", "resident"):
        with pytest.raises(PermissionDenied):
            figures(world, who)


def test_the_page_drills_down_and_exports_the_same_figures(world: World) -> None:
    enrol_many(world, 2)
    client = Client()
    client.force_login(world.actor("grid_centre").user)
    month = f"{T:%Y-%m}"
    page = client.get(f"/reports/coverage/?month={month}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"?unit={world.communities[0].pk}&amp;month={month}" in html
    assert '<td class="n short">3.0</td>' in html  # three informants for one worker, short of 20
    book = client.get(f"/reports/coverage/export/?unit={world.streets[0].pk}&month={month}")
    assert book.status_code == 200
    ws = load_workbook(BytesIO(b"".join(book.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[1]
    total = rows[-3] if rows[-1][0] and "目标" in str(rows[-1][0]) else rows[-1]
    assert total[0] == "合计"
    assert total[header.index("在岗信息员")] == 3
    client.force_login(world.actor("dept_cg").user)
    assert client.get("/reports/coverage/").status_code == 403


def test_the_api_gives_the_pages_workbook_in_the_readers_scope(world: World) -> None:
    enrol_many(world, 2)
    client = Client()
    client.force_login(world.actor("street").user)
    book = client.get(f"/api/v1/coverage.xlsx?month={T:%Y-%m}&unit_id={world.communities[0].pk}")
    assert book.status_code == 200, book.content
    assert "attachment" in book["Content-Disposition"]
    ws = load_workbook(BytesIO(b"".join(book.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[1]
    grids = {r[0]: r[header.index("在岗信息员")] for r in rows[2:]}
    assert grids["网格1-1"] == 3 and grids["合计"] == 3
    other = client.get(f"/api/v1/coverage.xlsx?unit_id={world.streets[1].pk}")
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    bad = client.get("/api/v1/coverage.xlsx?month=2026-13")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    client.force_login(world.actor("dept_cg").user)
    refused = client.get("/api/v1/coverage.xlsx")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_the_api_answers_the_same_figures_in_the_readers_scope(world: World) -> None:
    enrol_many(world, 2)
    client = Client()
    client.force_login(world.actor("street").user)
    body = client.get(f"/api/v1/coverage?month={T:%Y-%m}").json()
    assert body["target_per_worker"] == 20
    assert body["total"]["informants"] == 3
    assert body["rows"][0]["unit_id"] == world.communities[0].pk
    other = client.get(f"/api/v1/coverage?unit_id={world.streets[1].pk}")
    assert other.status_code == 404
    assert client.get("/api/v1/coverage?month=2026-13").status_code == 422


def test_an_informants_reports_count_for_his_own_grid_wherever_they_are(world: World) -> None:
    """The informant and the chief are bound to grid A (grids[0]); what they report from grid B
    of the same community, or from a grid of the next street, is grid A's ladder at work."""
    here = submit(world, who="informant", grid=0, now=T)
    over_the_edge = submit(world, who="informant", grid=1, now=T)
    next_street = submit(world, who="informant", grid=2, now=T)
    chiefs = submit(world, who="street_chief", grid=1, now=T)
    assert [c.grid_id for c in (over_the_edge, next_street, chiefs)] == [
        world.grids[1].pk,
        world.grids[2].pk,
        world.grids[1].pk,
    ]
    services.case_grid_settle(
        actor=world.actor("grid_worker"), case_id=here.pk, result="已清理", now=T
    )
    by_grid = {f.unit: f for f in figures(world, "street", world.communities[0].pk).rows}
    a, b = by_grid[world.grids[0]], by_grid[world.grids[1]]
    assert (a.informant_reports, a.chief_reports, a.settled_at_grid) == (3, 1, 1)
    assert (b.informant_reports, b.chief_reports, b.settled_at_grid) == (0, 0, 0)
    assert figures(world, "street").total.informant_reports == 3
    assert figures(world, "street_b").total.informant_reports == 0
    assert figures(world, "hub").total.informant_reports == 3


def test_the_street_grid_centre_and_community_grid_leaders_in_place(world: World) -> None:
    street = figures(world, "street")
    community = street.rows[0]
    # A community's row has no street grid centre to count; its street's total has one.
    assert (community.grid_centre, community.grid_leaders) == (None, 1)
    assert (street.total.grid_centre, street.total.grid_leaders) == (1, 1)
    district = figures(world, "hub")
    assert [(f.grid_centre, f.grid_leaders) for f in district.rows] == [(1, 1), (0, 0)]
    client = Client()
    client.force_login(world.actor("hub").user)
    body = client.get(f"/api/v1/coverage?month={T:%Y-%m}").json()
    assert [(r["grid_centre"], r["grid_leaders"]) for r in body["rows"]] == [(1, 1), (0, 0)]
    page = client.get(f"/reports/coverage/?month={T:%Y-%m}").content.decode()
    for header in ("街道网格中心", "社区网格长"):
        assert f'<th scope="col" class="n">{header}</th>' in page
    book = client.get(f"/reports/coverage/export/?unit={world.streets[0].pk}&month={T:%Y-%m}")
    ws = load_workbook(BytesIO(b"".join(book.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[1]
    centre, leaders = header.index("街道网格中心"), header.index("社区网格长")
    assert (rows[2][0], rows[2][centre], rows[2][leaders]) == ("第1社区", "—", 1)
