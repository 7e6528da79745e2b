"""The 12345 import places tickets by the gazetteer; what it cannot place waits in the hub's
待定位 queue, placed there by hand on the map; and the back office's gazetteer page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from huying.cases.models import Case, Source
from huying.cases.services import case_submit
from huying.conftest import World
from huying.gazetteer import services
from huying.gazetteer.models import Entry
from huying.gazetteer.tests.test_importing import gazetteer, imported, xlsx
from huying.hotline.importing import plan_import, read_rows, run_import

HEADER = ["工单编号", "受理时间", "诉求内容", "事发地址"]


def tickets(world: World, addresses: list[str]) -> dict[str, Case]:
    rows = ["\r\n".join([",".join(HEADER)])]
    for n, address in enumerate(addresses):
        rows.append(f"GD{n:04d},2026-12-01 09:00,路灯不亮,{address}")
    data = ("\r\n".join(rows) + "\r\n").encode("gbk")
    plan = run_import(plan_import(read_rows(data, "t.csv")), actor=world.actor("hub"))
    assert plan.counts()["error"] == 0
    return {
        c.address: c
        for c in Case.objects.filter(source=Source.HOTLINE).select_related("hotline_ticket")
    }


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.actor(name).user)
    return client


def test_the_import_places_tickets_by_the_gazetteer(world: World) -> None:
    imported(gazetteer(world))
    cases = tickets(world, ["锦华路13号", "锦华路 14 号", "锦华苑3栋", "东门码头", "天府广场东侧"])
    assert cases["锦华路13号"].grid_id == world.grids[0].pk
    assert cases["锦华路 14 号"].grid_id == world.grids[1].pk
    assert cases["锦华路 14 号"].street_id == world.streets[0].pk
    compound = cases["锦华苑3栋"]
    assert compound.grid_id == world.grids[0].pk and (compound.lat, compound.lng) == (
        30.605,
        104.005,
    )
    landmark = cases["东门码头"]  # an entry of a community only
    assert (landmark.grid_id, landmark.community_id) == (None, world.communities[1].pk)
    assert cases["天府广场东侧"].grid_id is None and cases["天府广场东侧"].street_id is None


def test_the_gazetteer_is_read_once_per_import(world: World) -> None:
    """Its two queries per run, not per row: fifty rows cost what one does, plus the rows."""
    imported(gazetteer(world))

    def queries(n: int, start: int) -> int:
        data = ",".join(HEADER) + "\r\n"
        data += "".join(f"X{start + i},,路灯不亮,锦华路{i * 2 + 1}号\r\n" for i in range(n))
        plan = plan_import(read_rows(data.encode(), "t.csv"))
        with CaptureQueriesContext(connection) as seen:
            run_import(plan, actor=world.actor("hub"))
        return sum("gazetteer_entry" in q["sql"] for q in seen.captured_queries)

    assert queries(1, 0) == queries(20, 100) == 1


def _waiting(world: World, address: str = "天府广场东侧") -> Case:
    return case_submit(
        actor=world.actor("hub"), title="路灯不亮", source=Source.HOTLINE, address=address
    )


def test_the_queue_is_the_hubs(world: World) -> None:
    case = _waiting(world)
    page = client_for(world, "hub").get("/gazetteer/unplaced/")
    assert page.status_code == 200
    text = page.content.decode()
    assert case.number in text and "天府广场东侧" in text
    assert 'id="place-map"' in text and "place-config" in text
    for name in ("street", "admin", "dept_cg", "leader"):
        assert client_for(world, name).get("/gazetteer/unplaced/").status_code == 404
    home = client_for(world, "hub").get("/").content.decode()
    assert "待定位（未落到网格）" in home and "/gazetteer/unplaced/" in home


def place(client: Client, case: Case, **data: Any) -> Any:
    return client.post(f"/gazetteer/unplaced/{case.pk}/place", {"version": case.version, **data})


def test_placing_by_a_point_on_the_map(world: World) -> None:
    case = _waiting(world)
    lat, lng = world.point_in(3)
    response = place(client_for(world, "hub"), case, lat=lat, lng=lng, grid=world.grids[3].pk)
    assert response.status_code == 302
    again = Case.objects.get(pk=case.pk)
    assert again.grid_id == world.grids[3].pk and again.lat == pytest.approx(lat)
    assert again.events.filter(action="locate").count() == 1
    assert not Entry.objects.exists()  # not asked to remember


def test_placing_by_the_list_and_remembering_the_address(world: World) -> None:
    case = _waiting(world)
    hub = client_for(world, "hub")
    assert place(hub, case, grid=world.grids[1].pk, remember="on").status_code == 302
    entry = Entry.objects.get()
    assert (entry.kind, entry.name, entry.grid_id) == (
        "landmark",
        "天府广场东侧",
        world.grids[1].pk,
    )
    # The next ticket with that address places itself.
    cases = tickets(world, ["天府广场东侧"])
    assert cases["天府广场东侧"].grid_id == world.grids[1].pk


def test_a_refused_place_shows_why_and_changes_nothing(world: World) -> None:
    case = _waiting(world)
    lat, lng = world.point_in(0)
    response = place(client_for(world, "hub"), case, lat=lat, lng=lng, grid=world.grids[3].pk)
    assert response.status_code == 422
    assert "该点不在所选网格内" in response.content.decode()
    stale = place(client_for(world, "hub"), case, grid=world.grids[3].pk, version=0)
    assert stale.status_code == 409
    assert Case.objects.get(pk=case.pk).grid_id is None
    assert place(client_for(world, "street"), case, grid=world.grids[0].pk).status_code == 404


def test_placed_meanwhile_says_so_beside_that_case(world: World) -> None:
    case, other = _waiting(world), _waiting(world, "春熙路步行街")
    hub = client_for(world, "hub")
    assert place(hub, case, grid=world.grids[0].pk).status_code == 302
    late = place(client_for(world, "hub_sup"), case, grid=world.grids[1].pk)  # version 1
    assert late.status_code == 409
    text = late.content.decode()
    assert f"定位 {case.number}" in text and f"定位 {other.number}" not in text
    assert Case.objects.get(pk=case.pk).grid_id == world.grids[0].pk


def test_the_gazetteer_page_imports_and_reports(world: World) -> None:
    admin = client_for(world, "admin")
    assert admin.get("/gazetteer/manage/").status_code == 200
    assert client_for(world, "hub").get("/gazetteer/manage/").status_code == 404
    rows = [*gazetteer(world), ["街巷", "x", "", None, None, "", "", "", "", ""]]
    upload = io.BytesIO(xlsx(rows))
    upload.name = "地址库.xlsx"
    page = admin.post("/gazetteer/manage/", {"file": upload})
    text = page.content.decode()
    assert page.status_code == 200 and "已新建 4 条" in text and "出错 1 行" in text
    assert Entry.objects.count() == 4
    report = admin.get("/gazetteer/manage/errors.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).worksheets[0]  # type: ignore[attr-defined]
    assert list(sheet.iter_rows(values_only=True))[1][2] == "街巷"
    found = admin.get("/gazetteer/manage/?q=锦华小区").content.decode()
    assert "锦华苑" in found and "东门码头" not in found
    template = admin.get("/gazetteer/manage/template.xlsx")
    assert template.status_code == 200


def test_the_place_form_offers_every_grid(world: World) -> None:
    _waiting(world)
    text = client_for(world, "hub").get("/gazetteer/unplaced/").content.decode()
    assert all(f'value="{g.pk}"' in text for g in world.grids)


def test_the_queue_offers_the_gazetteers_near_misses_placed_with_one_click(world: World) -> None:
    """锦华路150号 is on a known road, past its ranges: its grids are offered, and a click
    places the case there, with the trail's locate event."""
    imported(gazetteer(world))
    case = _waiting(world, "锦华路150号")
    hub = client_for(world, "hub")
    text = hub.get(f"/gazetteer/unplaced/?case={case.pk}").content.decode()
    assert "地址库里相近的地点" in text and "道路门牌不在登记范围内" in text
    assert f"定位到 {world.grids[0].name}" in text and f"定位到 {world.grids[1].name}" in text
    assert place(hub, case, grid=world.grids[1].pk).status_code == 302
    assert Case.objects.get(pk=case.pk).grid_id == world.grids[1].pk
    # A compound written with a typo below the threshold is offered with its point.
    other = _waiting(world, "锦华园东门外")
    assert "锦华苑" in hub.get(f"/gazetteer/unplaced/?case={other.pk}").content.decode()


def test_nothing_alike_offers_nothing(world: World) -> None:
    imported(gazetteer(world))
    case = _waiting(world, "天府广场东侧")
    text = client_for(world, "hub").get(f"/gazetteer/unplaced/?case={case.pk}").content.decode()
    assert "地址库里相近的地点" not in text


def test_the_other_cases_of_the_same_address_are_placed_with_it_when_asked(world: World) -> None:
    first = _waiting(world, "天府广场东侧")
    same = [_waiting(world, "锦城区 天府广场东侧"), _waiting(world, "天府广场东侧")]
    elsewhere = _waiting(world, "春熙路步行街")
    hub = client_for(world, "hub")
    page = hub.get(f"/gazetteer/unplaced/?case={first.pk}").content.decode()
    assert "同一地址的另外 2 件待定位事件一并定位到这里" in page
    # One of them is placed by someone else meanwhile: left as that person placed it.
    stale = same[1]
    assert place(client_for(world, "hub_sup"), stale, grid=world.grids[3].pk).status_code == 302
    response = place(hub, first, grid=world.grids[2].pk, alike="on")
    assert response.status_code == 302
    grids = dict(Case.objects.values_list("pk", "grid_id"))
    assert grids[first.pk] == grids[same[0].pk] == world.grids[2].pk
    assert grids[stale.pk] == world.grids[3].pk
    assert grids[elsewhere.pk] is None
    assert Case.objects.get(pk=same[0].pk).events.filter(action="locate").count() == 1


def test_the_same_address_stays_waiting_unless_asked(world: World) -> None:
    first, same = _waiting(world, "天府广场东侧"), _waiting(world, "天府广场东侧")
    assert place(client_for(world, "hub"), first, grid=world.grids[2].pk).status_code == 302
    assert Case.objects.get(pk=same.pk).grid_id is None


def test_a_case_of_the_same_address_changed_meanwhile_is_left_and_counted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, same, changed = (_waiting(world, "天府广场东侧") for _ in range(3))
    listed = services.unplaced_alike  # the list is read, then one changes before its turn

    def read_then_changed(visible: Any, case: Case) -> list[Case]:
        found = listed(visible, case)
        Case.objects.filter(pk=changed.pk).update(version=changed.version + 1)
        return found

    monkeypatch.setattr(services, "unplaced_alike", read_then_changed)
    hub = client_for(world, "hub")
    response = place(hub, first, grid=world.grids[2].pk, alike="on")
    assert response.status_code == 302
    grids = dict(Case.objects.values_list("pk", "grid_id"))
    assert (grids[first.pk], grids[same.pk], grids[changed.pk]) == (
        world.grids[2].pk,
        world.grids[2].pk,
        None,
    )
    text = hub.get("/gazetteer/unplaced/").content.decode()
    assert "同一地址的另外 1 件一并定位" in text and "同一地址的 1 件已被他人处理" in text
