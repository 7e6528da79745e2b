"""The boards are public (page and A3 PDF); their QR link presets the segment on the phone
report, and the case filed from it records the segment. The keepers' pages and the API keep
to the street's staff and refuse a segment outside the street without changing anything."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from huying.cases.models import Case
from huying.cases.tests.test_ladder import photo
from huying.conftest import World
from huying.roads import services
from huying.roads.board import report_url
from huying.roads.models import Duty, Road, Segment, SegmentCase
from huying.roads.tests.test_services import ACROSS, INSIDE, NOW, make_road, make_segment


def client_for(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


@pytest.fixture
def segment(world: World) -> Segment:
    segment = make_segment(
        world, make_road(world), patrol_range="兴隆大街两侧", duties="每日早晚巡查"
    )
    services.person_add(
        actor=world.actor("street"),
        segment=segment,
        duty=Duty.MERCHANT_CHIEF,
        user_id=world.actor("street_chief").user.pk,
        shop_name="老王五金店",
        public_phone="0427-2800002",
        now=NOW,
    )
    return segment


def test_a_board_is_public_with_names_public_phones_and_a_qr_code(segment: Segment) -> None:
    r = Client().get(f"/roads/{segment.road_id}/")
    assert r.status_code == 200
    page = r.content.decode()
    for text in ("兴隆大街街长公示栏", "XL-01", "测试street_chief", "老王五金店", "0427-2800002"):
        assert text in page
    assert "兴隆大街两侧" in page and "每日早晚巡查" in page
    assert 'src="data:image/png;base64,' in page
    assert report_url(segment) in page
    assert Client().get("/roads/").content.decode().count(f"/roads/{segment.road_id}/") == 1


def test_the_board_prints_as_a_pdf(segment: Segment) -> None:
    r = Client().get(f"/roads/{segment.road_id}/board.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and b"/Image" in r.content


def test_an_unknown_board_is_404(world: World) -> None:
    assert Client().get("/roads/999999/").status_code == 404


def test_the_qr_link_presets_the_segment_and_the_case_records_it(
    world: World, segment: Segment, settings: object
) -> None:
    resident = client_for(world, "resident")
    r = resident.get(f"/m/report?segment={segment.pk}")
    page = r.content.decode()
    assert "责任路段：兴隆大街 石油大街至兴隆大街段（XL-01）" in page
    assert f'name="segment" value="{segment.pk}"' in page
    assert 'value="兴隆大街 石油大街至兴隆大街段"' in page  # the address
    r = resident.post(
        "/m/report",
        {"title": "人行道上堆放杂物", "segment": str(segment.pk), "lat": "30.605", "lng": "104.01"},
    )
    assert r.status_code == 302
    case = Case.objects.get(title="人行道上堆放杂物")
    assert SegmentCase.objects.get(case=case).segment == segment
    staff = client_for(world, "street").get(f"/cases/{case.pk}/").content.decode()
    assert "责任路段" in staff and "XL-01" in staff


def test_the_qr_link_presets_the_segment_on_a_chiefs_own_fix_too(
    world: World, segment: Segment
) -> None:
    chief = client_for(world, "street_chief")
    report = chief.get(f"/m/report?segment={segment.pk}").content.decode()
    assert f'href="/m/fixed?segment={segment.pk}"' in report  # the chief's way to his own fix
    page = chief.get(f"/m/fixed?segment={segment.pk}").content.decode()
    assert "责任路段：兴隆大街 石油大街至兴隆大街段（XL-01）" in page
    assert f'name="segment" value="{segment.pk}"' in page
    assert 'value="兴隆大街 石油大街至兴隆大街段"' in page  # the address
    r = chief.post(
        "/m/fixed",
        {
            "title": "门前井盖松动",
            "segment": str(segment.pk),
            "lat": "30.605",
            "lng": "104.01",
            "before": photo("前.png"),
            "after": photo("后.png"),
            "result": "已垫稳",
        },
    )
    assert r.status_code == 302
    case = Case.objects.get(title="门前井盖松动")
    assert SegmentCase.objects.get(case=case).segment == segment


def test_a_stale_qr_link_opens_a_plain_report(world: World) -> None:
    resident = client_for(world, "resident")
    page = resident.get("/m/report?segment=424242").content.decode()
    assert 'name="segment"' not in page and "责任路段" not in page
    r = resident.post("/m/report", {"title": "井盖缺失", "segment": "424242"})
    assert r.status_code == 302 and not SegmentCase.objects.exists()


@pytest.mark.parametrize("who", ["street", "grid_centre", "admin"])
def test_keepers_see_their_pages(world: World, segment: Segment, who: str) -> None:
    client = client_for(world, who)
    for url in (
        "/roads/edit/",
        f"/roads/edit/{segment.road_id}/",
        f"/roads/edit/segments/{segment.pk}/",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
    assert "老王五金店" in client.get(f"/roads/edit/{segment.road_id}/").content.decode()


@pytest.mark.parametrize("who", ["street_b", "grid_worker", "resident"])
def test_others_find_no_such_pages(world: World, segment: Segment, who: str) -> None:
    client = client_for(world, who)
    expected = 200 if who == "street_b" else 404  # street_b keeps his own street's roads
    assert client.get("/roads/edit/").status_code == expected
    assert client.get(f"/roads/edit/{segment.road_id}/").status_code == 404
    assert client.get(f"/roads/edit/segments/{segment.pk}/").status_code == 404


def test_a_segment_outside_the_street_is_refused_on_the_page(world: World) -> None:
    road = make_road(world)
    client = client_for(world, "street")
    r = client.post(
        f"/roads/edit/{road.pk}/",
        {"code": "XL-09", "name": "越界段", "line": json.dumps(ACROSS)},
    )
    assert r.status_code == 422
    assert "超出街道「第1街道」的范围" in r.content.decode()
    assert not Segment.objects.exists()
    r = client.post(
        f"/roads/edit/{road.pk}/",
        {"code": "XL-09", "name": "一段", "line": json.dumps(INSIDE)},
    )
    assert r.status_code == 302 and Segment.objects.get().code == "XL-09"


def test_people_are_added_and_removed_on_the_page(world: World, segment: Segment) -> None:
    client = client_for(world, "street")
    p = f"p{segment.pk}"
    r = client.post(
        f"/roads/edit/segments/{segment.pk}/people",
        {
            f"{p}-duty": Duty.MERCHANT_CHIEF,
            f"{p}-user_id": world.actor("street_chief").user.pk,
            f"{p}-shop_name": "老王五金店",
        },
    )
    assert r.status_code == 422 and "已是本路段" in r.content.decode()
    r = client.post(
        f"/roads/edit/segments/{segment.pk}/people",
        {f"{p}-duty": Duty.ENFORCEMENT, f"{p}-name": "李队长", f"{p}-public_phone": "12345"},
    )
    assert r.status_code == 302
    person = segment.people.get(duty=Duty.ENFORCEMENT)
    assert client.post(f"/roads/edit/people/{person.pk}/remove").status_code == 302
    assert not segment.people.filter(duty=Duty.ENFORCEMENT).exists()


# --- API ----------------------------------------------------------------------------------------


def test_segments_and_boards_are_public_geojson(segment: Segment) -> None:
    body = Client().get("/api/v1/roads/segments").json()
    assert body["type"] == "FeatureCollection"
    (feature,) = body["features"]
    assert feature["geometry"] == INSIDE
    assert feature["properties"]["report_url"] == report_url(segment)
    assert feature["properties"]["people"][0]["duty"] == "merchant_chief"
    board = Client().get(f"/api/v1/roads/{segment.road_id}/board").json()
    assert board["road"]["name"] == "兴隆大街" and len(board["features"]) == 1
    assert Client().get("/api/v1/roads/999999/board").status_code == 404


def test_the_api_refuses_a_segment_outside_the_street(world: World) -> None:
    road = make_road(world)
    client = client_for(world, "street")
    payload = {"code": "XL-09", "name": "越界段", "line": ACROSS}
    r = client.post(
        f"/api/v1/roads/{road.pk}/segments", json.dumps(payload), content_type="application/json"
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_input" and "超出街道" in error["message"]
    assert not Segment.objects.exists()
    r = client.post(
        f"/api/v1/roads/{road.pk}/segments",
        json.dumps(payload | {"line": INSIDE}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["properties"]["code"] == "XL-09"


def test_the_api_keeps_edits_to_the_streets_staff(world: World, segment: Segment) -> None:
    other = client_for(world, "street_b")
    payload = {"code": "XL-01", "name": "一段", "line": INSIDE}
    r = other.put(
        f"/api/v1/roads/segments/{segment.pk}", json.dumps(payload), content_type="application/json"
    )
    assert r.status_code == 404
    r = other.post(
        "/api/v1/roads",
        json.dumps({"street_id": world.streets[0].pk, "name": "石油大街"}),
        content_type="application/json",
    )
    assert r.status_code == 403 and not Road.objects.filter(name="石油大街").exists()
    mine = client_for(world, "grid_centre")
    r = mine.post(
        f"/api/v1/roads/segments/{segment.pk}/people",
        json.dumps({"duty": "greening", "name": "园林所", "public_phone": "0427-2800009"}),
        content_type="application/json",
    )
    assert r.status_code == 201
    assert mine.delete(f"/api/v1/roads/people/{r.json()['id']}").status_code == 204


def test_a_geojson_file_is_imported_on_the_page(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from huying.roads.tests.test_services import collection

    client = client_for(world, "street")

    def upload(body: dict[str, object]) -> Any:
        data = json.dumps(body, ensure_ascii=False).encode()
        return client.post(
            "/roads/edit/import",
            {
                "street_id": world.streets[0].pk,
                "file": SimpleUploadedFile("roads.geojson", data, "application/geo+json"),
            },
        )

    r = upload(collection(("石油大街", "SY-01", INSIDE), ("石油大街", "SY-02", ACROSS)))
    assert r.status_code == 422
    page = r.content.decode()
    assert "文件未导入" in page and "超出街道" in page
    assert not Segment.objects.exists()
    r = upload(collection(("石油大街", "SY-01", INSIDE)))
    assert r.status_code == 302 and Segment.objects.get().code == "SY-01"
