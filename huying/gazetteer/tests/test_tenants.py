"""Districts as tenants, the gazetteer: each district keeps its own entries (the same road
and numbers in two districts are two entries), an administrator imports only into its own
district's grids and lists only its own entries; the city's lists every district's."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huying.conftest import Neighbour, World
from huying.core.errors import InvalidInput
from huying.gazetteer import selectors, services
from huying.gazetteer.importing import plan_import, read_rows, run_import
from huying.gazetteer.models import Entry
from huying.gazetteer.tests.test_importing import xlsx


def _road(grid_code: str) -> list[list[object]]:
    return [["道路", "人民路", "", 1, 99, "单", "", grid_code, "", ""]]


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _import(client: Client, rows: list[list[object]]) -> str:
    upload = SimpleUploadedFile("地址库.xlsx", xlsx(rows))
    response = client.post("/gazetteer/manage/", {"file": upload})
    return response.content.decode()


def test_two_districts_keep_their_own_roads(world: World, neighbour: Neighbour) -> None:
    _import(_client(world, "admin_q"), _road(neighbour.grid.code))
    _import(_client(world, "admin"), _road(world.grids[0].code))
    assert set(Entry.objects.values_list("grid_id", flat=True)) == {
        neighbour.grid.pk,
        world.grids[0].pk,
    }
    ours = selectors.matcher(reach=world.actor("admin").reach).locate("人民路 3 号")
    assert ours is not None and ours.grid_id == world.grids[0].pk


def test_an_administrator_imports_into_its_own_district_only(
    world: World, neighbour: Neighbour
) -> None:
    page = _import(_client(world, "admin"), _road(neighbour.grid.code))
    assert f"没有此单位：{neighbour.grid.code}" in page
    assert not Entry.objects.exists()
    with pytest.raises(InvalidInput):
        services.landmark_remember(
            actor=world.actor("hub"), name="青城广场", grid_id=neighbour.grid.pk
        )
    assert not Entry.objects.exists()


def test_the_entries_page_lists_the_administrators_district(
    world: World, neighbour: Neighbour
) -> None:
    run_import(
        plan_import(
            read_rows(
                xlsx([["地标", "青城广场", "", None, None, "", "", neighbour.grid.code, "", ""]])
            )
        )
    )
    assert "青城广场" not in _client(world, "admin").get("/gazetteer/manage/").content.decode()
    assert "青城广场" in _client(world, "admin_q").get("/gazetteer/manage/").content.decode()
    assert "青城广场" in _client(world, "city_admin").get("/gazetteer/manage/").content.decode()


def test_the_place_form_offers_the_districts_own_grids(world: World, neighbour: Neighbour) -> None:
    """定位's list beside the map: another district's grids are neither offered nor named."""
    from huying.cases.models import Case

    Case.objects.filter(pk=neighbour.case.pk).update(grid=None)  # one waits in QC's 待定位
    mine = _client(world, "hub_q").get("/gazetteer/unplaced/").content.decode()
    assert f'value="{neighbour.grid.pk}"' in mine
    assert not any(f'value="{g.pk}"' in mine for g in world.grids)
