"""A street chief's own fix on the phone (我已自行解决): the page is his alone; the photos
before and after and the result are required, in the service's words, and a refusal leaves
nothing; what he sends is closed at the grid with both photos and the ``self_fixed`` step."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from huying.cases.models import Case, CaseState, Route, Source, Tier
from huying.cases.tests.test_console import login
from huying.cases.tests.test_ladder import photo
from huying.conftest import World

pytestmark = pytest.mark.django_db


def fix_body(world: World, **extra: Any) -> dict[str, Any]:
    lat, lng = world.point_in(0)
    return {
        "title": "井盖松动",
        "description": "人行道上的井盖一踩就响",
        "address": "兴隆大街 18 号门前",
        "lat": lat,
        "lng": lng,
        "before": photo("前.png"),
        "after": photo("后.png"),
        "result": "已用垫片垫稳井盖",
        **extra,
    }


def test_a_chief_is_offered_the_page_from_his_home_and_the_report_page(world: World) -> None:
    chief = login(world, "street_chief")
    page = chief.get("/m/fixed")
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("title", "before", "after", "result", "address", "lat", "lng"):
        assert f'name="{field}"' in html, field
    assert "处置前照片" in html and "处置后照片" in html
    assert 'href="/m/fixed"' in chief.get("/m/").content.decode()
    assert 'href="/m/fixed"' in chief.get("/m/report").content.decode()


@pytest.mark.parametrize("who", ["resident", "informant", "grid_worker"])
def test_nobody_else_sees_it_and_their_post_is_refused(world: World, who: str) -> None:
    client = login(world, who)
    assert client.get("/m/fixed").status_code == 404
    assert "/m/fixed" not in client.get("/m/report").content.decode()
    assert client.post("/m/fixed", fix_body(world)).status_code == 404
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("before", "请上传处置前的照片"),
        ("after", "请上传处置后的照片"),
        ("result", "请填写处置结果"),
    ],
)
def test_a_missing_photo_or_result_is_said_next_to_it_and_nothing_is_made(
    world: World, missing: str, message: str
) -> None:
    chief = login(world, "street_chief")
    body = fix_body(world)
    del body[missing]
    answer = chief.post("/m/fixed", body)
    assert answer.status_code == 422
    html = answer.content.decode()
    # The message right after its own field, not in a box at the top.
    field = re.search(rf'<(?:input|textarea)[^>]*name="{missing}"[^>]*>', html)
    assert field is not None
    assert html.index(message) > field.end()
    assert re.search(r'<ul class="errorlist[^"]*"[^>]*><li>' + message, html[field.end() :])
    assert not Case.objects.exists()


def test_the_phones_script_is_told_which_field_is_missing(world: World) -> None:
    chief = login(world, "street_chief")
    body = fix_body(world)
    del body["after"]
    answer = chief.post("/m/fixed", body, headers={"Accept": "application/json"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["message"], error["details"]["field"]) == ("请上传处置后的照片", "after")
    assert not Case.objects.exists()


def test_a_fix_is_closed_at_the_grid_with_both_photos_and_a_receipt(world: World) -> None:
    chief = login(world, "street_chief")
    answer = chief.post("/m/fixed", fix_body(world))
    case = Case.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/m/c/{case.number}/sent"
    assert (case.state, case.tier, case.route, case.source, case.grid) == (
        CaseState.CLOSED,
        Tier.GRID,
        Route.SELF,
        Source.STREET_CHIEF,
        world.grids[0],
    )
    assert case.address == "兴隆大街 18 号门前"
    steps = list(case.events.order_by("seq"))
    assert [e.action for e in steps] == ["submit", "self_fixed"]
    assert steps[1].reason == "已用垫片垫稳井盖"
    names = {
        e.action: set(
            case.attachments.filter(pk__in=[r["id"] for r in e.attachments]).values_list(
                "name", flat=True
            )
        )
        for e in steps
    }
    assert names == {"submit": {"前.png"}, "self_fixed": {"后.png"}}

    receipt = chief.get(answer["Location"]).content.decode()
    assert case.number in receipt
    assert "街长已自行解决" in receipt and "已在网格办结" in receipt
    assert "已用垫片垫稳井盖" in receipt
    assert receipt.index("处置前照片") < receipt.index("处置后照片")
    assert "接下来" not in receipt  # nothing follows: it is done

    # Tracked later, the case shows it done with the chief's result.
    tracked = chief.get(f"/m/c/{case.number}").content.decode()
    assert "街长已自行解决" in tracked and "已用垫片垫稳井盖" in tracked


def test_a_resend_from_the_offline_queue_is_one_fix(world: World) -> None:
    chief = login(world, "street_chief")
    json = {"Accept": "application/json"}
    first = chief.post("/m/fixed", fix_body(world, submission_key="fix-1"), headers=json)
    again = chief.post("/m/fixed", fix_body(world, submission_key="fix-1"), headers=json)
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.count() == 1
    assert Case.objects.get().attachments.count() == 2


def test_someone_not_signed_in_is_sent_to_sign_in(world: World) -> None:
    answer = Client().get("/m/fixed")
    assert answer.status_code == 302 and "/m/login" in answer["Location"]
