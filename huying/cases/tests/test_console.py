"""The staff console: role homes, list, detail and actions behave as the services do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseEvent, CaseState
from huying.cases.tests.helpers import case_in_state, submit
from huying.catalogue.models import Level
from huying.conftest import World
from huying.org.models import Role
from huying.org.services import grant_role

pytestmark = pytest.mark.django_db


def login(world: World, name: str) -> Client:
    return world.client(name)


LAZY_PANEL = re.compile(
    r'<details data-action="[\w-]+" data-hx-get="([^"]+)".*?'
    r'<p data-lazy-form class="small muted">.*?</p>',
    re.S,
)


def page_opened(client: Client, case: Case) -> str:
    """The case page with every folded action panel opened: each panel's form fetched as the
    page's script fetches it (HTMX, on first opening) and put in its place."""
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200

    def opened(panel: re.Match[str]) -> str:
        form = client.get(panel[1], headers={"HX-Request": "true"})
        assert form.status_code == 200, (panel[1], form.status_code)
        head = panel[0][: panel[0].index("<p data-lazy-form")]
        return head + form.content.decode()

    return LAZY_PANEL.sub(opened, response.content.decode())


def act(
    client: Client, case: Case, action: str, data: dict[str, Any], *, htmx: bool = False
) -> Any:
    """POST a console action form the way the page does (fields carry the action prefix)."""
    body = {f"c-{action}-{k}": v for k, v in data.items()}
    body.setdefault(f"c-{action}-expected_version", case.version)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/cases/{case.pk}/act/{action}", body, headers=headers)


def act_on(client: Client, a: Assignment, action: str, data: dict[str, Any]) -> Any:
    body = {f"a{a.pk}-{action}-{k}": v for k, v in data.items()}
    return client.post(f"/cases/assignments/{a.pk}/act/{action}", body)


def test_pages_need_a_login(world: World) -> None:
    """Staff pages send a visitor to the password login; phone pages to the code sign-in."""
    for url, door in [("/cases/", "/login/"), ("/m/report", "/m/login"), ("/m/", "/m/login")]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{door}?next=")


def test_visitors_get_the_public_front_page(world: World) -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert "工作人员登录" in response.content.decode()


def test_the_front_page_counts_the_cases_once_for_many_visitors(world: World) -> None:
    """Counting every case takes seconds at ten million: the figures are counted once and
    kept a few minutes, not recounted for each visitor."""
    case_in_state(world, CaseState.CLOSED)
    case_in_state(world, CaseState.SUBMITTED)
    for _visitor in range(2):
        with CaptureQueriesContext(connection) as queries:
            page = Client().get("/").content.decode()
        assert '<div class="value">2</div>' in page
        assert '<div class="value">1</div>' in page
    assert not [q for q in queries.captured_queries if "cases_case" in q["sql"]]


@pytest.mark.parametrize(
    ("who", "state", "queue_title"),
    [
        ("hub", CaseState.SUBMITTED, "待研判"),
        ("street", CaseState.VERIFYING, "待核查"),
        ("street", CaseState.FOLLOW_UP, "待回访"),
        ("dept_cg", CaseState.IN_PROGRESS, "待报到"),
        ("grid_worker", CaseState.SELF_HANDLING, "本级处置任务"),
    ],
)
def test_role_home_shows_the_roles_own_work(
    world: World, who: str, state: str, queue_title: str
) -> None:
    case = case_in_state(world, state)
    page = login(world, who).get("/").content.decode()
    assert queue_title in page
    assert case.number in page


def test_leader_home_lists_major_cases_waiting_for_dispatch(world: World) -> None:
    case = case_in_state(world, CaseState.TRIAGED, level=Level.MAJOR)
    page = login(world, "leader").get("/").content.decode()
    assert "待逆向派单的重难点事件" in page
    assert case.number in page


def test_another_streets_work_is_not_on_a_home(world: World) -> None:
    case = case_in_state(world, CaseState.VERIFYING)
    assert case.number not in login(world, "street_b").get("/").content.decode()


# --- scope: out of scope is 404 everywhere, and changes nothing ---------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("street", 200),
        ("street_leader", 200),
        ("hub", 200),
        ("leader", 200),
        ("dept_cg", 200),
        ("street_b", 404),
        ("dept_sw", 404),
        ("grid_worker_b", 404),
        ("resident2", 404),
    ],
)
def test_detail_is_404_out_of_scope(world: World, who: str, status: int) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    assert login(world, who).get(f"/cases/{case.pk}/").status_code == status


def test_out_of_scope_actions_are_404_and_change_nothing(world: World) -> None:
    case = case_in_state(world, CaseState.SUBMITTED)
    before = CaseEvent.objects.filter(case=case).count()
    response = act(login(world, "street_b"), case, "reject", {"reason": "不归我管"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert CaseEvent.objects.filter(case=case).count() == before


def test_out_of_scope_assignment_action_is_404(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    assert act_on(login(world, "dept_sw"), a, "report_in", {}).status_code == 404
    a.refresh_from_db()
    assert a.state == "awaiting_report_in"


def test_the_case_list_is_scoped(world: World) -> None:
    mine = case_in_state(world, CaseState.SUBMITTED)
    theirs = submit(world, grid=2)
    page = login(world, "street").get("/cases/").content.decode()
    assert mine.number in page
    assert theirs.number not in page


def test_a_resident_is_sent_to_the_phone_view_of_their_own_case(world: World) -> None:
    case = submit(world)
    response = login(world, "resident").get(f"/cases/{case.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/m/c/{case.number}"


# --- the detail offers exactly what the rules allow ----------------------------------------------


def test_detail_offers_only_the_actions_the_role_may_take_now(world: World) -> None:
    case = case_in_state(world, CaseState.TRIAGED)  # an L2 case
    street = login(world, "street").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="call"' in street
    assert 'data-action="self_handle"' not in street  # its guard: L1 only
    assert 'data-action="hub_dispatch"' not in street  # not a street's action
    dept = login(world, "leader").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="call"' not in dept


def test_department_sees_its_assignment_actions_not_anothers(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    page = login(world, "dept_cg").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="report_in"' in page
    page = login(world, "hub").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="report_in"' not in page
    assert 'data-action="withdraw"' in page


def test_only_the_open_panel_comes_with_its_form_the_folded_ones_are_fetched(
    world: World,
) -> None:
    """A case page renders the form of the panel it shows open; each folded panel's form
    (its choices of items, departments, people are most of a page's work) is asked for
    when the panel is opened, with the same fields, prefix and version."""
    case = submit(world)
    hub = login(world, "hub")
    page = hub.get(f"/cases/{case.pk}/").content.decode()
    shown = re.findall(r'<form [^>]*data-action="(\w+)"', page)
    folded = re.findall(r'<details data-action="(\w+)" data-hx-get="([^"]+)"', page)
    assert len(shown) == 1 and shown[0] in {"triage", "triage_dispatch"}
    assert {"reject", "merge", "split"} <= {action for action, _url in folded}
    assert shown[0] not in {action for action, _url in folded}
    url = dict(folded)["reject"]
    assert url == f"/cases/{case.pk}/act/reject"
    fragment = hub.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert html.lstrip().startswith("<form") and 'data-action="reject"' in html
    assert f'name="c-reject-expected_version" value="{case.version}"' in html
    assert 'name="c-reject-reason"' in html
    # Without script the panel's link opens the form as a page of its own, which posts.
    whole = hub.get(url)
    assert whole.status_code == 200 and "<h1>" in whole.content.decode()
    assert act(hub, case, "reject", {"reason": "重复反映"}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED


def test_a_folded_panel_opened_after_the_case_moved_on_says_so(world: World) -> None:
    """The form of an action the role can no longer take is not given (409, the reason);
    a case out of scope stays a 404."""
    case = submit(world)
    hub = login(world, "hub")
    act(hub, case, "reject", {"reason": "重复反映"})
    before = CaseEvent.objects.filter(case=case).count()
    response = hub.get(f"/cases/{case.pk}/act/split", headers={"HX-Request": "true"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "当前状态下不能执行此操作" in html and "<form" not in html
    assert CaseEvent.objects.filter(case=case).count() == before
    other = case_in_state(world, CaseState.TRIAGED)  # in the first street
    assert login(world, "street").get(f"/cases/{other.pk}/act/call").status_code == 200
    assert login(world, "street_b").get(f"/cases/{other.pk}/act/call").status_code == 404
    assert hub.get(f"/cases/{case.pk}/act/no_such_action").status_code == 404


def test_an_assignments_folded_panels_are_fetched_for_its_department_only(
    world: World,
) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = case.assignments.get()
    dept = login(world, "dept_cg")
    page = page_opened(dept, case)
    assert "<p data-lazy-form" not in page
    assert re.search(r'<form [^>]*data-action="report_in"', page)
    assert re.search(r'<form [^>]*data-action="request_return"', page)
    fragment = dept.get(
        f"/cases/assignments/{a.pk}/act/request_return", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert f'name="a{a.pk}-request_return-expected_version" value="{a.version}"' in (
        fragment.content.decode()
    )
    other = login(world, "dept_sw")  # another department: not its assignment
    assert other.get(f"/cases/assignments/{a.pk}/act/request_return").status_code == 404
    hub = login(world, "hub")  # may withdraw it, may not ask to give it back
    assert hub.get(f"/cases/assignments/{a.pk}/act/request_return").status_code == 409


# --- actions through the console -----------------------------------------------------------------


def test_the_whole_lifecycle_through_the_console(world: World) -> None:
    case = submit(world)
    street = login(world, "street")
    response = act(street, case, "triage", {"item_id": world.items[Level.GENERAL].pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.TRIAGED
    assert act(street, case, "call", {}).status_code == 302
    a = Assignment.objects.get(case=case)
    dept = login(world, "dept_cg")
    steps: list[tuple[str, dict[str, Any]]] = [
        ("report_in", {"note": "已到现场"}),
        ("accept", {}),
        ("submit_result", {"result": "已更换灯泡"}),
    ]
    for action, data in steps:
        a.refresh_from_db()
        data["expected_version"] = a.version
        assert act_on(dept, a, action, data).status_code == 302, action
    case.refresh_from_db()
    assert case.state == CaseState.VERIFYING
    assert act(street, case, "verify_pass", {"note": "现场核实"}).status_code == 302
    case.refresh_from_db()
    response = act(street, case, "follow_up", {"satisfaction": "satisfied"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    page = street.get("/cases/?state=closed").content.decode()
    assert case.number in page


def test_a_missing_reason_is_a_422_with_the_form_and_changes_nothing(world: World) -> None:
    case = case_in_state(world, CaseState.SUBMITTED)
    response = act(login(world, "street"), case, "reject", {"reason": ""}, htmx=True)
    assert response.status_code == 422
    body = response.content.decode()
    assert "<html" not in body  # the form fragment, swapped in place
    assert "这个字段是必填项" in body or "必填" in body
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_a_stale_page_gets_409_and_the_newer_state_stands(world: World) -> None:
    case = case_in_state(world, CaseState.SUBMITTED)
    stale = case.version
    services.case_triage(
        actor=world.actor("hub"), case_id=case.pk, item_id=world.items[Level.GENERAL].pk
    )
    response = act(
        login(world, "street"), case, "reject", {"reason": "重复", "expected_version": stale}
    )
    assert response.status_code == 409
    assert "请刷新页面" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.TRIAGED


def test_a_guard_refusal_shows_the_rules_message(world: World) -> None:
    case = case_in_state(world, CaseState.TRIAGED)  # L2: self-handling is refused
    response = act(login(world, "street"), case, "self_handle", {}, htmx=True)
    assert response.status_code == 422
    assert "此操作只适用于简单问题" in response.content.decode()


def test_merge_takes_a_number_and_refuses_one_out_of_scope(world: World) -> None:
    master = case_in_state(world, CaseState.SUBMITTED)
    dup = case_in_state(world, CaseState.SUBMITTED)
    foreign = submit(world, grid=2)
    street = login(world, "street")
    response = act(street, dup, "merge", {"master_number": foreign.number})
    assert response.status_code == 422
    assert "主事件不存在或无权查看" in response.content.decode()
    assert act(street, dup, "merge", {"master_number": master.number}).status_code == 302
    dup.refresh_from_db()
    assert dup.master_id == master.pk
    page = street.get(f"/cases/{dup.pk}/").content.decode()
    assert f'合并至</dt><dd><a href="/cases/{master.pk}/">{master.number}</a>' in page


def test_a_part_of_a_split_report_names_the_report(world: World) -> None:
    report = case_in_state(world, CaseState.SUBMITTED)
    parts = services.case_split(
        actor=world.actor("street"),
        case_id=report.pk,
        parts=[{"title": "路灯不亮"}, {"title": "井盖缺失"}],
        reason="一次反映了两个问题",
    )
    page = login(world, "street").get(f"/cases/{parts[0].pk}/").content.decode()
    assert f'拆分自</dt><dd><a href="/cases/{report.pk}/">{report.number}</a>' in page


def test_unknown_action_is_404(world: World) -> None:
    case = case_in_state(world, CaseState.SUBMITTED)
    assert act(login(world, "street"), case, "explode", {}).status_code == 404


def test_list_filters_are_validated(world: World) -> None:
    response = login(world, "street").get("/cases/?level=9&date_from=2026-05-01&date_to=2026-04-01")
    assert response.status_code == 400
    body = response.content.decode()
    assert "结束日期不能早于开始日期" in body


def test_list_loads_more_rows_as_a_fragment(world: World) -> None:
    for _ in range(3):
        submit(world)
    from huying.cases import views

    client = login(world, "street")
    old = views.PAGE_ROWS
    views.PAGE_ROWS = 2
    try:
        first = client.get("/cases/").content.decode()
        assert "加载更多" in first
        cursor = first.split("cursor=")[1].split('"')[0]
        more = client.get(f"/cases/?cursor={cursor}", headers={"HX-Request": "true"})
    finally:
        views.PAGE_ROWS = old
    assert more.status_code == 200
    assert "<html" not in more.content.decode()
    assert more.content.decode().count("<tr>") == 1


# --- role switch ---------------------------------------------------------------------------------


def test_role_switch_changes_what_the_person_acts_as(world: World) -> None:
    user = world.actor("street").user
    second = grant_role(user=user, role=Role.HUB_DISPATCHER, unit=world.hub)
    client = login(world, "street")
    assert "街道呼叫员" in client.get("/").content.decode()
    response = client.post("/role/", {"grant": second.pk, "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "超期督办榜" in page  # the hub's home


def test_a_role_granted_or_withdrawn_shows_in_the_switcher_at_once(world: World) -> None:
    """The switcher's roles are remembered between pages, and forgotten when a grant changes."""
    user = world.actor("street").user
    client = login(world, "street")
    assert 'name="grant"' not in client.get("/").content.decode()  # one role: no switcher
    second = grant_role(user=user, role=Role.HUB_DISPATCHER, unit=world.hub)
    page = client.get("/").content.decode()
    assert f'<option value="{second.pk}"' in page
    second.is_active = False
    second.save()
    assert f'<option value="{second.pk}"' not in client.get("/").content.decode()


def test_switching_to_someone_elses_grant_is_404(world: World) -> None:
    other = world.actor("hub").grant_id
    response = login(world, "street").post("/role/", {"grant": other})
    assert response.status_code == 404


# --- query counts do not grow with rows or events -------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_query_counts_are_flat(world: World) -> None:
    client = login(world, "hub")
    case = case_in_state(world, CaseState.IN_PROGRESS)
    client.get("/")  # what a process remembers between requests (the acting role, the roles)
    few_rows, few_events = _queries(client, "/cases/"), _queries(client, f"/cases/{case.pk}/")
    for _ in range(10):
        submit(world)
        services.case_urge(actor=world.actor("hub"), case_id=case.pk, note="请加快")
    assert _queries(client, "/cases/") == few_rows
    assert _queries(client, f"/cases/{case.pk}/") == few_events
    assert few_events <= 13


@pytest.mark.parametrize("refreshed", [False, True])
def test_street_home_counts_cases_by_community_and_grid(world: World, refreshed: bool) -> None:
    """Counted live until the rollups are first refreshed, from them after (as the worker
    keeps them); ``huying/reports/tests/test_street_home_totals.py`` checks the figures."""
    from huying.reports.tally import tally_refresh

    case_in_state(world, CaseState.SUBMITTED, grid=0)
    case_in_state(world, CaseState.CLOSED, grid=1)
    if refreshed:
        tally_refresh()
    page = login(world, "street").get("/").content.decode()
    assert ("统计汇总截至" in page) is refreshed
    assert "按社区统计" in page
    assert "第1社区" in page
    assert "网格1-1" in page
    assert "网格1-2" in page
    assert "网格2-1" not in page  # another street's grid


@pytest.mark.parametrize("who", ["hub", "street", "dept_cg", "leader", "grid_worker"])
def test_every_queue_links_to_a_list_filter_the_list_understands(world: World, who: str) -> None:
    """A queue's "全部 »" link carries filters the case list's form knows and accepts."""
    from django.http import QueryDict
    from django.utils import timezone

    from huying.cases.forms import CaseFilterForm
    from huying.cases.queues import home_for

    for queue in home_for(world.actor(who), timezone.now()).queues:
        params = QueryDict(queue.query)
        assert set(params) <= set(CaseFilterForm.base_fields), (queue.key, queue.query)
        assert CaseFilterForm(params, actor=world.actor(who)).is_valid(), (queue.key, queue.query)
