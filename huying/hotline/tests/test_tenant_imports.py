"""Districts as tenants in the 12345 import: a hub sees its own district's imports only,
and a ticket another district imported is not updated from this one's file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from huying.conftest import Neighbour, World
from huying.core.errors import NotFound
from huying.core.importplan import ERROR, UPDATE
from huying.gazetteer.importing import plan_import as plan_entries
from huying.gazetteer.importing import read_rows as read_entries
from huying.gazetteer.importing import run_import as run_entries
from huying.gazetteer.tests.test_importing import xlsx
from huying.hotline import services
from huying.hotline.bulk import bulk_import
from huying.hotline.importing import plan_import, read_rows, run_import
from huying.hotline.models import HotlineTicket

from .test_importing import ROWS, csv_bytes


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_a_hub_sees_only_its_districts_imports(
    world: World, neighbour: Neighbour, media: None
) -> None:
    record, _plan = services.hotline_import_check(
        actor=world.actor("hub_q"), data=csv_bytes(ROWS, "utf-8"), file_name="qc.csv", source=None
    )
    assert services.import_get(world.actor("hub_q"), record.pk) == record
    with pytest.raises(NotFound):
        services.import_get(world.actor("hub"), record.pk)
    for page in ("", "errors.xlsx"):
        response = world.client("hub").get(f"/hotline/imports/{record.pk}/{page}")
        assert response.status_code == 404
    assert services.imports_visible_to(world.actor("hub")).count() == 0
    assert services.imports_visible_to(world.actor("city_sup")).count() == 1


def test_another_districts_ticket_is_not_updated(world: World, neighbour: Neighbour) -> None:
    def imported(who: str, content: str) -> Any:
        row = [*ROWS[1]]
        row[5] = content
        data = csv_bytes([row], "utf-8")
        return run_import(plan_import(read_rows(data, "t.csv")), actor=world.actor(who))

    imported("hub_q", "路灯不亮")
    ticket = HotlineTicket.objects.select_related("case").get()
    assert ticket.case.district_id == neighbour.district.pk
    [row] = imported("hub", "路灯不亮，已经一周").rows
    assert row.action == ERROR and row.errors == [("", "该工单属于其他区，不能导入")]
    ticket.refresh_from_db()
    assert "已经一周" not in str(ticket.raw)
    [row] = imported("hub_q", "路灯不亮，已经一周").rows
    assert row.action == UPDATE


def test_the_bulk_path_refuses_another_districts_ticket_too(
    world: World, neighbour: Neighbour, tmp_path: Path
) -> None:
    path = tmp_path / "qc.csv"
    path.write_bytes(csv_bytes([ROWS[1]], "gbk"))
    bulk_import(path, actor=world.actor("hub_q"))
    theirs = HotlineTicket.objects.get()
    changed = [*ROWS[1][:5], "路灯不亮，已经一周", *ROWS[1][6:]]
    # Twice: the second line is a duplicate of the first, refused as such.
    path.write_bytes(csv_bytes([ROWS[0], changed, changed], "gbk"))
    result = bulk_import(path, actor=world.actor("hub"))
    assert result.counts() == {"create": 1, "update": 0, "unchanged": 0, "error": 2}
    assert sorted((r.line, r.errors[0][1]) for r in result.bad) == [
        (3, "该工单属于其他区，不能导入"),
        (4, "工单编号与第 3 行重复"),
    ]
    theirs.refresh_from_db()
    assert "已经一周" not in str(theirs.raw)
    assert HotlineTicket.objects.get(number=ROWS[0][0]).case.district_id == world.district.pk


def test_a_ticket_is_placed_only_in_the_importing_hubs_district(
    world: World, neighbour: Neighbour
) -> None:
    """青城区 keeps 人民路 1–99 号 in its gazetteer, 锦城区 does not: 锦城区's ticket at
    人民路 3 号 is not placed in 青城区's grid (it waits in 锦城区's 待定位); 青城区's is."""
    entry = [["道路", "人民路", "", 1, 99, "单", "", neighbour.grid.code, "", ""]]
    entries = read_entries(xlsx(entry))
    run_entries(plan_entries(entries, reach=world.actor("admin_q").reach))

    def imported(who: str, number: str) -> Any:
        row = [*ROWS[0]]
        row[0], row[6] = number, "人民路 3 号"
        run_import(
            plan_import(read_rows(csv_bytes([row], "utf-8"), "t.csv")), actor=world.actor(who)
        )
        return HotlineTicket.objects.select_related("case").get(number=number).case

    ours = imported("hub", "GD2026129901")
    assert ours.district_id == world.district.pk and ours.grid_id is None
    theirs = imported("hub_q", "GD2026129902")
    assert theirs.grid_id == neighbour.grid.pk
