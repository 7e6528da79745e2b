"""回传: the results of the 12345 tickets whose cases ended in a period, in the platform's
shape, as an XLSX (command, page) and through the API, never with the resident's name or
phone."""

from __future__ import annotations

import datetime as dt
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from huying.cases import services
from huying.cases.models import Case, CaseState
from huying.cases.tests.helpers import case_in_state, submit
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, PermissionDenied
from huying.hotline.models import HotlineTicket
from huying.hotline.replies import all_replies, replies_workbook, reply_page
from huying.org.api_auth import token_create

DAY = MONDAY_10AM.date()


def ticket(case: Case, number: str) -> HotlineTicket:
    return HotlineTicket.objects.create(
        number=number,
        case=case,
        raw={"工单编号": number},
        first_imported_at=MONDAY_10AM,
        last_imported_at=MONDAY_10AM,
    )


def self_handled(world: World) -> Case:
    """Handled in the grid, the resident called back and not quite satisfied."""
    t = MONDAY_10AM
    case = submit(world, now=t, reporter_name="王女士", reporter_phone="13800138000")
    street = world.actor("street")
    services.case_triage(actor=street, case_id=case.pk, item_id=world.items[Level.SIMPLE].pk, now=t)
    services.case_self_handle(actor=street, case_id=case.pk, now=t)
    services.case_complete_self(
        actor=world.actor("grid_worker"), case_id=case.pk, result="已清运垃圾", now=t
    )
    services.case_verify(actor=street, case_id=case.pk, passed=True, now=t)
    services.case_follow_up(
        actor=street, case_id=case.pk, satisfaction="basic", note="清运及时，希望常态化", now=t
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def answered(world: World) -> dict[str, Case]:
    cases = {
        "GD1": case_in_state(world, CaseState.CLOSED),
        "GD2": self_handled(world),
        "GD3": case_in_state(world, CaseState.REJECTED),
        "GD4": case_in_state(world, CaseState.IN_PROGRESS),
    }
    for number, case in cases.items():
        ticket(case, number)
    return cases


def test_each_ended_ticket_is_answered_in_the_platforms_shape(
    world: World, answered: dict[str, Case]
) -> None:
    replies = {r.number: r for r in all_replies(DAY, DAY, actor=None)}
    assert set(replies) == {"GD1", "GD2", "GD3"}  # GD4 is still being handled
    dispatched = replies["GD1"]
    assert dispatched.result == "已更换灯泡"
    assert dispatched.handlers == [world.departments["cg"].name]
    assert dispatched.visit == "满意"
    assert dispatched.closed_at == answered["GD1"].closed_at
    grid = replies["GD2"]
    assert grid.result == "已清运垃圾"
    assert grid.handlers == [world.grids[0].name]
    assert grid.visit == "基本满意：清运及时，希望常态化"
    refused = replies["GD3"]
    assert refused.result == "不予受理：不属于受理范围"
    assert refused.handlers == [world.streets[0].name] and refused.visit == ""


def test_the_period_is_by_the_day_the_case_ended(answered: dict[str, Case]) -> None:
    assert [
        r.number for r in all_replies(DAY + timedelta(days=1), DAY + timedelta(days=9), actor=None)
    ] == []
    assert len(list(all_replies(DAY - timedelta(days=3), DAY, actor=None))) == 3


def test_an_upside_down_range_is_refused(answered: dict[str, Case]) -> None:
    with pytest.raises(InvalidInput) as caught:
        reply_page(DAY, DAY - timedelta(days=1), actor=None)
    assert caught.value.code == "date_range_reversed"


def test_only_the_hub_and_the_administrator_read_them(
    world: World, answered: dict[str, Case]
) -> None:
    assert len(reply_page(DAY, DAY, actor=world.actor("hub")).items) == 3
    assert len(reply_page(DAY, DAY, actor=world.actor("admin")).items) == 3
    with pytest.raises(PermissionDenied):
        reply_page(DAY, DAY, actor=world.actor("street"))


def api(world: World, who: str = "hub") -> Client:
    raw = token_create(user=world.actor(who).user, name="12345")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_api_pages_with_a_cursor_and_never_names_the_resident(
    world: World, answered: dict[str, Case]
) -> None:
    client = api(world)
    seen, cursor = [], None
    while True:
        query: dict[str, str | int] = {"since": str(DAY), "until": str(DAY), "limit": 2}
        if cursor:
            query["cursor"] = cursor
        response = client.get("/api/v1/hotline/replies", query)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [item["ticket_number"] for item in body["items"]]
        text = response.content.decode()
        assert "王女士" not in text and "13800138000" not in text
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["GD1", "GD2", "GD3"]
    item = client.get("/api/v1/hotline/replies", {"since": str(DAY), "until": str(DAY)}).json()[
        "items"
    ][1]
    assert item["satisfaction"] == "basic" and item["comment"] == "清运及时，希望常态化"
    assert set(item) == {
        "ticket_number", "case_number", "state", "state_label", "result", "closed_at",
        "handlers", "satisfaction", "satisfaction_label", "comment",
    }  # fmt: skip


def test_the_api_refuses_an_upside_down_range_and_other_roles(
    world: World, answered: dict[str, Case]
) -> None:
    reversed_ = api(world).get(
        "/api/v1/hotline/replies", {"since": "2026-03-10", "until": "2026-03-01"}
    )
    assert reversed_.status_code == 422
    assert reversed_.json()["error"]["code"] == "date_range_reversed"
    assert reversed_.json()["error"]["details"]["field"] == "since"
    bad = api(world).get(
        "/api/v1/hotline/replies", {"since": "2026-03-10", "until": "2026-03-10", "cursor": "x"}
    )
    assert bad.status_code == 422
    street = api(world, "street").get(
        "/api/v1/hotline/replies", {"since": "2026-03-10", "until": "2026-03-10"}
    )
    assert street.status_code == 403
    assert (
        Client()
        .get("/api/v1/hotline/replies", {"since": "2026-03-10", "until": "2026-03-10"})
        .status_code
        == 401
    )


def test_the_xlsx_from_the_command(answered: dict[str, Case], tmp_path: Path) -> None:
    out = tmp_path / "replies.xlsx"
    stdout = io.StringIO()
    call_command(
        "hotline_replies", str(out), "--since", "2026-03-01", "--until", "2026-03-31", stdout=stdout
    )
    assert "3" in stdout.getvalue()
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("工单编号", "办理结果", "办结时间", "承办单位", "回访情况")
    assert [r[0] for r in rows[1:]] == ["GD1", "GD2", "GD3"]
    assert rows[2][4] == "基本满意：清运及时，希望常态化"
    assert all("王女士" not in str(c) for r in rows for c in r)


def test_the_page_downloads_for_the_hub_and_is_absent_for_others(
    world: World, answered: dict[str, Case]
) -> None:
    client = Client()
    client.force_login(world.actor("hub").user)
    page = client.get("/hotline/replies/", {"since": "2026-03-01", "until": "2026-03-31"})
    assert page.status_code == 200
    assert "3" in page.content.decode()
    download = client.get(
        "/hotline/replies/", {"since": "2026-03-01", "until": "2026-03-31", "download": "1"}
    )
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(download.content))
    assert book.active is not None and book.active.max_row == 4
    reversed_ = client.get("/hotline/replies/", {"since": "2026-03-31", "until": "2026-03-01"})
    assert reversed_.status_code == 422
    other = Client()
    other.force_login(world.actor("street").user)
    assert other.get("/hotline/replies/").status_code == 404


def test_the_workbook_keeps_text_as_text() -> None:
    from huying.hotline.replies import Reply

    reply = Reply(
        ticket_id=1, number="=1+1", case_number="C", state="closed", state_label="已结案",
        result="=HYPERLINK(\"x\")", closed_at=MONDAY_10AM, handlers=["城管"],
        satisfaction="", satisfaction_label="", comment="",
    )  # fmt: skip
    sheet = load_workbook(io.BytesIO(replies_workbook([reply]))).active
    assert sheet is not None
    assert sheet["B2"].value == '=HYPERLINK("x")' and sheet["B2"].data_type == "s"
    assert dt.datetime.strptime(str(sheet["C2"].value), "%Y-%m-%d %H:%M:%S")


def test_the_workbook_is_in_the_platforms_language_whoever_downloads_it(
    answered: dict[str, Case],
) -> None:
    from django.utils import translation

    with translation.override("en"):
        data = replies_workbook(all_replies(DAY, DAY, actor=None))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and rows[1][4] == "满意" and rows[1][5] == "已结案"
