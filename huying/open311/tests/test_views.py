"""The GeoReport v2 endpoints, each in JSON and XML: what they answer, whom they answer, and
that a refusal is the spec's error list with the right status and changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from huying.cases import services as case_services
from huying.cases.models import Assignment, Case, CaseEvent, CaseState, Source
from huying.cases.tests.helpers import case_in_state, submit
from huying.conftest import MONDAY_10AM, World
from huying.core.models import ApiToken
from huying.open311.models import Open311Request
from huying.open311.tests.conftest import BASE, errors, key_for, post, report, xml
from huying.org.api_auth import token_create

pytestmark = pytest.mark.django_db

#: A window around MONDAY_10AM, where the helpers' cases are reported.
AROUND_MONDAY = {"start_date": "2026-03-01T00:00:00+08:00", "end_date": "2026-03-31T00:00:00+08:00"}


def numbers(body: list[dict[str, Any]]) -> set[str]:
    return {r["service_request_id"] for r in body}


# --- discovery and services ----------------------------------------------------------------


def test_discovery_names_this_endpoint_in_both_formats(client: Client, world: World) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    (endpoint,) = body["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert body["changeset"] == "2026-03-10T10:00:00+08:00"  # the catalogue's publication
    assert client.get(f"{BASE}/").json() == body

    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [f.text for f in root.iterfind("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_the_current_catalogue_items(client: Client, world: World) -> None:
    response = client.get(f"{BASE}/services.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = {s["service_code"]: s for s in response.json()}
    assert set(services) == {"A1", "A2", "A3", "A4"}
    assert services["A2"] | {"description": None} == {
        "service_code": "A2",
        "service_name": "路灯不亮",
        "description": None,
        "metadata": False,  # A2 asks nothing of its own
        "type": "realtime",
        "keywords": "",
        "group": "综合执法",
    }

    response = client.get(f"{BASE}/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = xml(response)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.iterfind("service")] == [
        "A1",
        "A2",
        "A3",
        "A4",
    ]
    assert root.findtext("service/metadata") == "false"


def test_a_service_definition_tells_the_catalogue_item(client: Client, world: World) -> None:
    body = client.get(f"{BASE}/services/A3.json").json()
    assert body["service_code"] == "A3"
    attributes = {a["code"]: a for a in body["attributes"]}
    assert set(attributes) >= {"level", "time_limit", "department"}
    assert all(a["variable"] is False and a["required"] is False for a in attributes.values())
    assert attributes["level"]["description"] == "等级：复杂问题"
    assert attributes["time_limit"]["description"] == "办理时限：10 个工作日"
    assert attributes["department"]["description"] == "主办部门：水务局；协办：生态环境局"
    assert [a["order"] for a in body["attributes"]] == list(range(1, len(attributes) + 1))

    root = xml(client.get(f"{BASE}/services/A3.xml"))
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.iterfind("attributes/attribute")] == list(attributes)
    assert root.findtext("attributes/attribute/variable") == "false"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_a_404(client: Client, world: World, fmt: str) -> None:
    response = client.get(f"{BASE}/services/ZZ9.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        assert errors(response)[0]["description"] == "服务编码「ZZ9」不存在"
    else:
        root = xml(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert root.findtext("error/description") == "服务编码「ZZ9」不存在"


# --- POST requests ---------------------------------------------------------------------------


def test_a_post_makes_a_case_that_flows_like_any_other(
    client: Client, world: World, hub_key: str
) -> None:
    response = post(
        client,
        report(
            world,
            api_key=hub_key,
            description="路灯坏了三天\n晚上很黑",
            address_string="锦城大道 18 号",
            first_name="芳",
            last_name="王",
            phone="139 1234 5678",
            email="wangfang@example.cn",
            media_url="https://photos.example.cn/1.jpg",
        ),
    )
    assert response.status_code == 200, response.content
    (created,) = response.json()
    case = Case.objects.get(number=created["service_request_id"])
    assert created["service_notice"] == "按事项清单，一般在 5 个工作日内办结"
    assert created["account_id"] is None
    record = Open311Request.objects.get(case=case)
    assert created["token"] == record.token
    # Intake as the key's holder, from the API channel, in the grid the point falls in.
    assert case.source == Source.API
    assert case.state == CaseState.SUBMITTED
    assert case.item == world.items[2]
    assert case.grid == world.grids[0]
    assert case.title == "路灯坏了三天"
    assert case.description == "路灯坏了三天\n晚上很黑\n图片链接：https://photos.example.cn/1.jpg"
    assert case.address == "锦城大道 18 号"
    assert (case.reporter_name, case.reporter_phone) == ("王芳", "139 1234 5678")
    assert (record.email, record.media_url) == (
        "wangfang@example.cn",
        "https://photos.example.cn/1.jpg",
    )
    assert record.api_token == ApiToken.objects.get(user=world.actor("hub").user)
    first = CaseEvent.objects.get(case=case, seq=1)
    assert (first.action, first.actor_id) == ("submit", world.actor("hub").user.pk)

    # The hub triages and dispatches it; the public sees the department and the deadline.
    hub = world.actor("hub")
    case_services.case_triage_and_dispatch(actor=hub, case_id=case.pk, item_id=world.items[2].pk)
    (shown,) = client.get(f"{BASE}/requests/{case.number}.json").json()
    lead = Assignment.objects.get(case=case)
    assert shown["status"] == "open"
    assert shown["status_notes"] == "已派相关部门办理"
    assert shown["agency_responsible"] == "城管局"
    assert shown["expected_datetime"] == timezone.localtime(lead.handle_due_at).isoformat(
        timespec="seconds"
    )


def test_a_post_answers_in_xml_too(client: Client, world: World, hub_key: str) -> None:
    response = post(client, report(world, api_key=hub_key, description="路灯不亮"), fmt="xml")
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    assert Case.objects.filter(number=number, source=Source.API).exists()
    assert root.findtext("request/token") == Open311Request.objects.get().token
    assert root.find("request/account_id") is not None


def test_an_address_alone_places_the_case_with_the_holder(
    client: Client, world: World, hub_key: str
) -> None:
    response = post(client, {"api_key": hub_key, "service_code": "A1", "address_string": "某路口"})
    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.lat, case.grid, case.district) == (None, None, world.district)
    assert case.title == "占道经营"  # no description: the service's name


def _case_counts() -> tuple[int, int, int]:
    return Case.objects.count(), Open311Request.objects.count(), CaseEvent.objects.count()


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"api_key": None}, 401, "api_key"),
        ({"api_key": "hy_wrong"}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "ZZ9"}, 404, "service_code"),
        ({"long": None}, 400, "lat"),
        ({"lat": "91"}, 400, "lat"),
        ({"long": "abc"}, 400, "long"),
        ({"lat": "nan"}, 400, "lat"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"lat": None, "long": None, "address_id": "545483"}, 400, "address_id"),
        ({"attribute[WHISHETN]": "123"}, 400, "attribute"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"phone": "call me"}, 400, "phone"),
        ({"description": "长" * 4001}, 400, "description"),
        ({"first_name": "名" * 30, "last_name": "姓" * 30}, 400, "name"),
        ({"jurisdiction_id": "XX"}, 404, "jurisdiction_id"),
        ({"description": "有空字符\x00"}, 400, "NUL"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_posts_get_the_spec_error_and_change_nothing(
    client: Client,
    world: World,
    hub_key: str,
    change: dict[str, Any],
    status: int,
    field: str,
    fmt: str,
) -> None:
    data = report(world, api_key=hub_key, description="路灯不亮")
    data.update(change)
    data = {k: v for k, v in data.items() if v is not None}
    before = _case_counts()
    response = post(client, data, fmt=fmt)
    assert response.status_code == status, (field, response.content)
    if fmt == "json":
        errors(response)
    else:
        root = xml(response)
        assert root.tag == "errors" and root.findtext("error/code") == str(status)
    assert _case_counts() == before


def test_a_key_whose_holder_may_not_report_is_refused(client: Client, world: World) -> None:
    """A department handler's key: the role may not report (intake), 403."""
    response = post(client, report(world, api_key=key_for(world, "dept_cg")))
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_an_expired_or_revoked_key_is_refused(client: Client, world: World) -> None:
    user = world.actor("hub").user
    old = token_create(user=user, name="old", now=timezone.now() - timedelta(days=400))[1]
    response = post(client, report(world, api_key=old))
    assert response.status_code == 403
    assert "过期" in errors(response)[0]["description"]
    token, revoked = token_create(user=user, name="revoked")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert post(client, report(world, api_key=revoked)).status_code == 403
    # On reads too: a bad key is refused, never taken for no key.
    assert client.get(f"{BASE}/requests.json", {"api_key": revoked}).status_code == 403
    assert not Case.objects.exists()


# --- GET requests ----------------------------------------------------------------------------


def _posted(client: Client, world: World, key: str, **extra: Any) -> str:
    response = post(client, report(world, api_key=key, description="路灯不亮", **extra))
    assert response.status_code == 200, response.content
    return str(response.json()[0]["service_request_id"])


def test_the_public_sees_the_requests_made_through_open311_only(
    client: Client, world: World, hub_key: str
) -> None:
    mine = _posted(client, world, hub_key)
    other = submit(world, now=timezone.now())  # a resident's report on the phone pages
    body = client.get(f"{BASE}/requests.json").json()
    assert numbers(body) == {mine}
    assert client.get(f"{BASE}/requests/{other.number}.json").status_code == 404
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert [r.findtext("service_request_id") for r in root.iterfind("request")] == [mine]


def test_a_key_sees_what_its_holder_may(client: Client, world: World, hub_key: str) -> None:
    """A street's key sees its street's cases and the public ones, not another street's; the
    hub's sees them all; a resident's their own."""
    window = {"start_date": "2026-03-01", "end_date": "2026-04-01"}
    first = submit(world, grid=0)  # street 1
    second = submit(world, grid=2, who="grid_worker_b")  # street 2
    own = submit(world, grid=0, who="resident2")
    street_b = key_for(world, "street_b")

    def seen(key: str) -> set[str]:
        return numbers(client.get(f"{BASE}/requests.json", {"api_key": key, **window}).json())

    assert seen(street_b) == {second.number}
    assert seen(hub_key) == {first.number, second.number, own.number}
    assert seen(key_for(world, "resident2")) == {own.number}
    found = client.get(f"{BASE}/requests/{first.number}.json", {"api_key": street_b})
    assert found.status_code == 404
    errors(found)
    found = client.get(f"{BASE}/requests/{second.number}.xml", {"api_key": street_b})
    assert xml(found).findtext("request/service_request_id") == second.number


def test_filters_by_id_service_status_and_dates(client: Client, world: World, hub_key: str) -> None:
    keyed = {"api_key": hub_key}
    open_ = submit(world)
    case_services.case_triage(
        actor=world.actor("street"), case_id=open_.pk, item_id=world.items[2].pk
    )
    closed = case_in_state(world, CaseState.CLOSED)
    rejected = case_in_state(world, CaseState.REJECTED)
    late = submit(world, now=MONDAY_10AM + timedelta(days=40))

    def query(**params: str) -> set[str]:
        response = client.get(f"{BASE}/requests.json", {**keyed, **params})
        assert response.status_code == 200, response.content
        return numbers(response.json())

    assert query(**AROUND_MONDAY) == {open_.number, closed.number, rejected.number}
    assert query(status="closed", **AROUND_MONDAY) == {closed.number, rejected.number}
    assert query(status="open", **AROUND_MONDAY) == {open_.number}
    assert query(status="open,closed", **AROUND_MONDAY) == query(**AROUND_MONDAY)
    assert query(service_code="A2", **AROUND_MONDAY) == {open_.number, closed.number}
    # One date names 90 days from (or up to) it.
    assert late.number in query(start_date="2026-03-20")
    assert late.number not in query(end_date="2026-04-10")
    assert open_.number in query(end_date="2026-04-10")
    # Ids override everything else, dates included.
    ids = f"{late.number},{closed.number}"
    assert query(service_request_id=ids, status="open", start_date="2025-01-01") == {
        late.number,
        closed.number,
    }
    # The default: the last 90 days.
    assert query() == set()


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-03-31", "end_date": "2026-03-01"},  # upside down
        {"start_date": "2026-01-01", "end_date": "2026-06-01"},  # over 90 days
        {"start_date": "last tuesday"},
        {"end_date": "2026-13-01"},
        {"status": "pending"},
        {"service_code": "A2,ZZ9"},
        {"service_request_id": ",".join(str(n) for n in range(1001))},
        {"jurisdiction_id": "XX"},
        {"api_key": "hy_wrong"},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_queries_get_the_spec_error(
    client: Client, world: World, params: dict[str, str], fmt: str
) -> None:
    response = client.get(f"{BASE}/requests.{fmt}", params)
    expected = {"jurisdiction_id": 404, "api_key": 403}.get(next(iter(params)), 400)
    assert response.status_code == expected, response.content
    if fmt == "json":
        errors(response)
    else:
        assert xml(response).findtext("error/code") == str(expected)


def test_the_jurisdiction_is_the_districts_letter_code(
    client: Client, world: World, hub_key: str
) -> None:
    mine = _posted(client, world, hub_key, jurisdiction_id="JJ")
    for jurisdiction in ("JJ", "jj", "510199"):
        response = client.get(f"{BASE}/requests.json", {"jurisdiction_id": jurisdiction})
        assert numbers(response.json()) == {mine}
        response = client.get(f"{BASE}/services.json", {"jurisdiction_id": jurisdiction})
        assert response.status_code == 200
    assert client.get(f"{BASE}/services.xml", {"jurisdiction_id": "SZ"}).status_code == 404


def test_a_token_resolves_to_its_request(client: Client, world: World, hub_key: str) -> None:
    response = post(client, report(world, api_key=hub_key, description="路灯不亮"))
    created = response.json()[0]
    assert client.get(f"{BASE}/tokens/{created['token']}.json").json() == [
        {"service_request_id": created["service_request_id"], "token": created["token"]}
    ]
    root = xml(client.get(f"{BASE}/tokens/{created['token']}.xml"))
    assert root.findtext("request/service_request_id") == created["service_request_id"]
    missing = client.get(f"{BASE}/tokens/0123456789abcdef.json")
    assert missing.status_code == 404
    errors(missing)


# --- privacy ---------------------------------------------------------------------------------


def test_no_name_phone_email_or_staff_name_ever_leaves(
    client: Client, world: World, hub_key: str
) -> None:
    """A report that names its reporter, handled by staff who sign their result: nowhere in
    any answer (list, one, JSON, XML, with the hub's key or none) is a name, a phone, the
    e-mail or the 查询码."""
    hub, dept = world.actor("hub"), world.actor("dept_cg")
    number = _posted(
        client,
        world,
        hub_key,
        first_name="芳",
        last_name="王",
        phone="13912345678",
        email="wangfang@example.cn",
        address_string="王芳家楼下，电话 139-1234-5678",
    )
    case = Case.objects.get(number=number)
    case_services.case_triage_and_dispatch(actor=hub, case_id=case.pk, item_id=world.items[2].pk)
    lead = Assignment.objects.get(case=case)
    case_services.assignment_report_in(actor=dept, assignment_id=lead.pk)
    case_services.assignment_accept(actor=dept, assignment_id=lead.pk)
    staff_name = dept.user.first_name
    case_services.assignment_submit_result(
        actor=dept,
        assignment_id=lead.pk,
        result=f"{staff_name}已更换灯泡，已电话告知王芳（13912345678），有事联系 028-88886666",
    )
    case_services.case_verify(actor=hub, case_id=case.pk, passed=True)
    case_services.case_follow_up(actor=hub, case_id=case.pk, satisfaction="satisfied")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED

    private = [
        "王芳",
        "13912345678",
        "1234-5678",
        "wangfang",
        "028-88886666",
        staff_name,
        hub.user.first_name,
        case.track_code,
    ]
    answers = []
    for fmt in ("json", "xml"):
        for params in ({}, {"api_key": hub_key}):
            for path in (f"/requests/{number}.{fmt}", f"/requests.{fmt}"):
                response = client.get(f"{BASE}{path}", params)
                assert response.status_code == 200
                answers.append(response.content.decode())
    (shown,) = json.loads(answers[0])
    assert shown["status"] == "closed"
    assert shown["status_notes"] == "***已更换灯泡，已电话告知***（***），有事联系 ***"
    assert shown["address"] == "***家楼下，电话 ***"
    for answer in answers:
        for secret in private:
            assert secret not in answer, (secret, answer)


# --- the door itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("delete", "/requests.json", "GET, POST"), ("post", "/services.xml", "GET")],
)
def test_a_method_not_taken_is_a_405(
    client: Client, world: World, method: str, path: str, allowed: str
) -> None:
    response = getattr(client, method)(f"{BASE}{path}")
    assert response.status_code == 405
    assert response["Allow"] == allowed


@pytest.mark.parametrize(("path", "fmt"), [("/service.json", "json"), ("/requests.csv", "xml")])
def test_an_unknown_path_is_the_spec_404(client: Client, world: World, path: str, fmt: str) -> None:
    response = client.get(f"{BASE}{path}")
    assert response.status_code == 404
    if fmt == "json":
        errors(response)
    else:
        assert xml(response).findtext("error/code") == "404"


def test_english_clients_read_english(client: Client, world: World) -> None:
    response = client.get(f"{BASE}/services/ZZ9.json", HTTP_ACCEPT_LANGUAGE="en")
    assert errors(response)[0]["description"] == "No service with the code “ZZ9”"
    body = client.get(f"{BASE}/services/A2.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["attributes"][1]["description"] == "Handling deadline: 5 working days"


def test_a_server_error_is_the_spec_500(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("huying.open311.selectors.services", broken)
    response = Client(raise_request_exception=False).get(f"{BASE}/services.xml")
    assert response.status_code == 500
    root = xml(response)
    assert root.findtext("error/code") == "500"
    assert "boom" not in response.content.decode()


def test_the_staff_see_the_email_and_the_media_link_on_the_case_page(
    client: Client, world: World, hub_key: str
) -> None:
    number = _posted(
        client, world, hub_key, email="wangfang@example.cn", media_url="https://p.example.cn/1.jpg"
    )
    case = Case.objects.get(number=number)
    staff = Client()
    staff.force_login(world.actor("hub").user)
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert "wangfang@example.cn" in page
    assert "图片链接：https://p.example.cn/1.jpg" in page
    # A case from any other channel shows no more than before.
    other = submit(world, now=timezone.now())
    assert "电子邮箱" not in staff.get(f"/cases/{other.pk}/").content.decode()
