"""The mapping from Huying to GeoReport v2, as plain data: states to open/closed, what of a
case may go out, and how the free text that does is masked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from huying.cases.models import Case, CaseState
from huying.conftest import MONDAY_10AM
from huying.open311.formats import respond
from huying.open311.mapping import (
    CLOSED,
    MASK,
    OPEN,
    Private,
    masked,
    name_forms,
    request_dict,
    states_of,
    status_of,
)
from huying.open311.services import full_name

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

S = CaseState


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (S.SUBMITTED, OPEN),
        (S.TRIAGED, OPEN),
        (S.SELF_HANDLING, OPEN),
        (S.IN_PROGRESS, OPEN),
        (S.SUSPENDED, OPEN),
        (S.VERIFYING, OPEN),
        (S.FOLLOW_UP, OPEN),
        (S.CLOSED, CLOSED),
        (S.ARCHIVED, CLOSED),
        (S.REJECTED, CLOSED),
        (S.MERGED, CLOSED),
        (S.SPLIT, CLOSED),
    ],
)
def test_every_state_is_open_or_closed(state: str, status: str) -> None:
    assert status_of(state) == status


def test_the_statuses_split_the_states() -> None:
    opened, closed = states_of([OPEN]), states_of([CLOSED])
    assert opened | closed == set(S.values)
    assert not opened & closed
    assert states_of([]) == set()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("电话13912345678", f"电话{MASK}"),
        ("电话 139 1234 5678。", f"电话 {MASK}。"),
        ("+86 139-1234-5678", MASK),
        ("座机028-88886666转1", f"座机{MASK}转1"),
        ("邮件 a.b+c@example.com.cn 联系", f"邮件 {MASK} 联系"),
        # What looks like a number but is no contact stays.
        ("3号楼201室，2026-03-10 上午", "3号楼201室，2026-03-10 上午"),
        ("编号 JJ-20260310-00042", "编号 JJ-20260310-00042"),
        ("139123456789012 是订单号", "139123456789012 是订单号"),
    ],
)
def test_contacts_are_masked_anywhere(text: str, shown: str) -> None:
    assert masked(text) == shown


def test_private_names_and_the_phone_as_typed_are_masked() -> None:
    private = Private(
        names=frozenset(name_forms("张小明") | {"小明"}), phones=frozenset({"5551234"})
    )
    assert masked("张小明说小明家门口，打555-1234", private) == f"{MASK}说{MASK}家门口，打{MASK}"


def test_name_forms() -> None:
    assert name_forms("王芳") == {"王芳"}
    assert name_forms("芳", "王") == {"芳王", "王芳", "芳 王", "王 芳"}
    assert name_forms("Jane", "Doe") >= {"Jane", "Doe", "Jane Doe", "Doe Jane", "JaneDoe"}
    assert name_forms("", " ") == set()


def test_full_name_in_the_order_its_language_writes_it() -> None:
    assert full_name("芳", "王") == "王芳"
    assert full_name("Jane", "Doe") == "Jane Doe"
    assert full_name("", "Doe") == "Doe"


def _case(**fields: object) -> Case:
    base: dict[str, object] = {
        "number": "JJ-20260310-00001",
        "title": "路灯不亮",
        "description": "晚上很黑，王芳反映",
        "state": S.SUBMITTED,
        "reported_at": MONDAY_10AM,
        "updated_at": MONDAY_10AM + timedelta(hours=1),
        "lat": 30.6,
        "lng": 104.0,
        "address": "锦城大道 18 号",
        "reporter_name": "王芳",
        "reporter_phone": "13912345678",
    }
    return Case(**{**base, **fields})


def test_a_request_carries_the_public_fields_only() -> None:
    private = Private(names=frozenset({"王芳"}), phones=frozenset({"13912345678"}))
    shown = request_dict(_case(), private=private, action="submit")
    assert shown == {
        "service_request_id": "JJ-20260310-00001",
        "status": "open",
        "status_notes": "已收到您的反映",
        "service_name": None,
        "service_code": None,
        "description": f"路灯不亮\n晚上很黑，{MASK}反映",
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": "2026-03-10T10:00:00+08:00",
        "updated_datetime": "2026-03-10T11:00:00+08:00",
        "expected_datetime": None,
        "address": "锦城大道 18 号",
        "address_id": None,
        "zipcode": None,
        "lat": 30.6,
        "long": 104.0,
        "media_url": None,
    }


def test_the_result_shows_only_once_checked_and_a_closed_request_its_closing_time() -> None:
    result = "已更换灯泡"
    handling = request_dict(
        _case(state=S.VERIFYING), action="assignment.submit_result", result=result
    )
    assert handling["status_notes"] == "部门已反馈办理结果"
    closed_at = MONDAY_10AM + timedelta(days=2)
    done = request_dict(
        _case(state=S.CLOSED, closed_at=closed_at, updated_at=closed_at + timedelta(days=3)),
        action="follow_up",
        result=result,
    )
    assert (done["status"], done["status_notes"]) == ("closed", result)
    assert done["updated_datetime"] == "2026-03-12T10:00:00+08:00"
    refused = request_dict(_case(state=S.REJECTED), action="reject")
    assert (refused["status"], refused["status_notes"]) == ("closed", "不予受理")


def test_the_title_leads_unless_the_description_starts_with_it() -> None:
    assert request_dict(_case(description=""))["description"] == "路灯不亮"
    cut = _case(title="路灯坏了三天晚上…", description="路灯坏了三天晚上黑得看不见路")
    assert request_dict(cut)["description"] == "路灯坏了三天晚上黑得看不见路"


def test_xml_writes_lists_as_their_items_and_json_the_same_data() -> None:
    data = [{"code": 1, "ok": True, "none": None, "text": "a<b&\x01c", "formats": ["x", "y"]}]
    root = ET.fromstring(respond(data, fmt="xml", root="errors").content)
    error = root.find("error")
    assert error is not None
    assert [(e.tag, e.text) for e in error][:4] == [
        ("code", "1"),
        ("ok", "true"),
        ("none", None),
        ("text", "a<b&c"),  # escaped, and no control character (XML cannot carry one)
    ]
    assert [f.text for f in error.iterfind("formats/format")] == ["x", "y"]
    assert respond(data, fmt="json", root="errors").content.decode() == (
        '[{"code": 1, "ok": true, "none": null, "text": "a<b&\\u0001c", "formats": ["x", "y"]}]'
    )
