"""逆向评议 pages: streets rate from 待评议 and correct once; departments appeal what they
received; the hub rules. Out of scope is 404 and changes nothing; a bad form is 422 and
changes nothing; the lists run a flat number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huying.cases import services as case_services
from huying.cases.models import Assignment, Case, CaseState
from huying.cases.tests.helpers import case_in_state, submit
from huying.conftest import MONDAY_10AM, World
from huying.evaluation.models import AppealState, Rating, RatingAppeal
from huying.evaluation.rules import Scores
from huying.evaluation.services import rating_appeal, rating_correct, rating_create

from .helpers import at, footprint, scores, verified_case

pytestmark = pytest.mark.django_db

LATER = MONDAY_10AM + timedelta(days=1)
CRITERIA = ("report_in", "professionalism", "responsibility", "cooperation", "result")


def login(world: World, name: str) -> Client:
    return world.client(name)


def fields(values: Scores, *, prefix: str = "", **extra: Any) -> dict[str, Any]:
    """A scoring form as the page posts it (fields carry the form's prefix)."""
    data: dict[str, Any] = values.as_dict() | extra
    return {f"{prefix}-{k}" if prefix else k: v for k, v in data.items()}


def rate(
    world: World, case: Case, dept: str = "cg", given: Scores | None = None, reason: str = ""
) -> Rating:
    return rating_create(
        actor=world.actor("street" if case.street_id == world.streets[0].pk else "street_b"),
        case_id=case.pk,
        department_id=world.departments[dept].pk,
        scores=given or scores(17),
        reason=reason,
        now=LATER,
    )


def appeal(world: World, rating: Rating, who: str = "dept_cg") -> RatingAppeal:
    return rating_appeal(
        actor=world.actor(who), rating_id=rating.pk, reason="已按时到场", now=LATER
    )


def rate_url(world: World, case: Case, dept: str = "cg") -> str:
    return f"/evaluation/rate/{case.pk}/{world.departments[dept].pk}/"


def page(response: Any) -> str:
    return str(response.content.decode())


# --- who finds the pages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/evaluation/due/", {"street", "street_leader", "street_b"}),
        ("/evaluation/given/", {"street", "street_leader", "street_b"}),
        ("/evaluation/received/", {"dept_cg", "dept_cg_leader", "dept_sw", "dept_cg_unit"}),
        ("/evaluation/appeals/", {"hub", "hub_sup"}),
        (
            "/evaluation/",
            {"street", "street_leader", "street_b", "dept_cg", "dept_cg_leader", "dept_sw"}
            | {"dept_cg_unit", "hub", "hub_sup"},
        ),
    ],
)
def test_a_role_that_takes_no_part_finds_no_page(world: World, url: str, allowed: set[str]) -> None:
    """Each page exists for the roles that use it; for everyone else, a resident included,
    it is a 404 like any page out of scope."""
    everyone = [
        "resident",
        "grid_worker",
        "community",
        "street",
        "street_leader",
        "street_b",
        "hub",
        "hub_sup",
        "dept_cg",
        "dept_cg_leader",
        "dept_cg_unit",
        "dept_sw",
        "leader",
        "admin",
    ]
    for who in everyone:
        status = login(world, who).get(url).status_code
        assert status == (200 if who in allowed else 404), who


def test_the_pages_need_a_login(world: World) -> None:
    response = Client().get("/evaluation/due/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- 待评议 ---------------------------------------------------------------------------------


def test_due_lists_each_unrated_department_of_the_streets_verified_cases(world: World) -> None:
    two = verified_case(world, departments=("sw", "hb"), verified=at(3, 2))
    one = verified_case(world, departments=("cg",), verified=at(3, 1))
    other_street = verified_case(world, departments=("cg",), verified=at(3, 1), grid=2)
    still_open = case_in_state(world, CaseState.VERIFYING)
    text = page(login(world, "street").get("/evaluation/due/"))
    assert text.count(two.number) == 2 and "水务局" in text and "生态环境局" in text
    assert one.number in text and "2026-03-01 10:00" in text  # verified (Beijing time)
    assert text.index(one.number) < text.index(two.number)  # the longest waiting first
    assert other_street.number not in text and still_open.number not in text
    rate(world, two, "sw")
    text = page(login(world, "street").get("/evaluation/due/"))
    assert text.count(two.number) == 1 and rate_url(world, two, "hb") in text
    assert rate_url(world, two, "sw") not in text


def test_a_field_units_work_is_due_for_the_unit_itself(world: World) -> None:
    """A case answered by 城管执法一中队 is due once, for the unit: the street rates its
    stationed unit on its own (not its department 城管局, which did not answer)."""
    street_b = world.actor("street_b")
    t = at(3, 13)
    case = submit(world, grid=2, now=t)
    case_services.case_triage(actor=street_b, case_id=case.pk, item_id=world.items[2].pk, now=t)
    case_services.case_call(
        actor=street_b, case_id=case.pk, department_id=world.departments["cg_unit"].pk, now=t
    )
    a = Assignment.objects.get(case=case)
    unit = world.actor("dept_cg_unit")
    case_services.assignment_report_in(actor=unit, assignment_id=a.pk, now=t)
    case_services.assignment_accept(actor=unit, assignment_id=a.pk, now=t)
    case_services.assignment_submit_result(actor=unit, assignment_id=a.pk, result="已清理", now=t)
    case_services.case_verify(actor=street_b, case_id=case.pk, passed=True, now=t)
    client = login(world, "street_b")
    text = page(client.get("/evaluation/due/"))
    assert text.count(case.number) == 1 and rate_url(world, case, "cg_unit") in text
    assert client.get(rate_url(world, case, "cg")).status_code == 404
    form_page = page(client.get(rate_url(world, case, "cg_unit")))
    assert "城管执法一中队" in form_page and "已清理" in form_page  # whose work it was


def test_due_is_paginated(world: World, settings: Any, monkeypatch: Any) -> None:
    from huying.evaluation import views

    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    cases = [verified_case(world, verified=at(3, d)) for d in (1, 2, 3)]
    client = login(world, "street")
    first, second = (
        page(client.get("/evaluation/due/")),
        page(client.get("/evaluation/due/?page=2")),
    )
    assert cases[0].number in first and cases[1].number in first
    assert cases[2].number not in first and cases[2].number in second
    assert "第 1 / 2 页，共 3 条" in first


# --- the scoring form ---------------------------------------------------------------------


def test_a_street_rates_through_the_page_and_returns_to_the_list(world: World) -> None:
    case = verified_case(world, verified=at(3, 2))
    client = login(world, "street")
    form_page = page(client.get(rate_url(world, case)))
    for label in ("报到", "专业性", "担当意识", "配合度", "办理结果", "总分"):
        assert label in form_page
    assert "总分低于 60 分或为满分（100 分）时必须填写理由" in form_page
    assert 'data-reason-below="60"' in form_page and 'data-full-score="100"' in form_page
    response = client.post(rate_url(world, case), fields(Scores(18, 16, 17, 15, 19)))
    assert response.status_code == 302 and response["Location"] == "/evaluation/due/"
    rating = Rating.objects.get(case=case)
    assert (rating.total, rating.effective_total, rating.department.name) == (85, 85, "城管局")
    assert rating.rated_by == world.actor("street").user
    listed = page(client.get("/evaluation/due/"))
    assert "85 分" in listed and case.number in listed  # the message, then an empty list
    assert rate_url(world, case) not in listed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (fields(scores(17)) | {"report_in": ""}, "请填写「报到」"),
        (fields(scores(17)) | {"result": "21"}, "「办理结果」须为 0–20 的整数"),
        (fields(scores(17)) | {"cooperation": "-1"}, "「配合度」须为 0–20 的整数"),
        (fields(scores(17)) | {"cooperation": "八"}, "「配合度」须为 0–20 的整数"),
        (fields(scores(11)), "总分低于 60 分或为满分须填写评议理由"),
        (fields(scores(20), reason="  "), "总分低于 60 分或为满分须填写评议理由"),
    ],
)
def test_a_bad_rating_form_is_422_in_place_and_changes_nothing(
    world: World, data: dict[str, Any], message: str
) -> None:
    case = verified_case(world, verified=at(3, 2))
    before = footprint(case)
    response = login(world, "street").post(rate_url(world, case), data)
    assert response.status_code == 422
    assert message in page(response)
    assert footprint(case) == before


@pytest.mark.parametrize("who", ["street_b", "dept_cg", "hub", "resident"])
def test_rating_another_streets_case_is_404_and_changes_nothing(world: World, who: str) -> None:
    case = verified_case(world, verified=at(3, 2))
    before = footprint(case)
    client = login(world, who)
    assert client.get(rate_url(world, case)).status_code == 404
    assert client.post(rate_url(world, case), fields(scores(17))).status_code == 404
    assert footprint(case) == before


def test_a_department_that_did_not_answer_cannot_be_rated(world: World) -> None:
    case = verified_case(world, verified=at(3, 2))
    client = login(world, "street")
    assert client.get(rate_url(world, case, "sw")).status_code == 404
    assert client.get(f"/evaluation/rate/{case.pk}/999999/").status_code == 404


def test_a_case_not_yet_verified_is_refused_in_place(world: World) -> None:
    case = case_in_state(world, CaseState.VERIFYING)
    before = footprint(case)
    response = login(world, "street").post(rate_url(world, case), fields(scores(17)))
    assert response.status_code == 422 and "核查通过后才能评议" in page(response)
    assert footprint(case) == before


def test_a_rating_already_given_is_a_conflict_on_post_and_a_redirect_on_get(world: World) -> None:
    case = verified_case(world, verified=at(3, 2))
    rating = rate(world, case)
    client = login(world, "street")
    response = client.get(rate_url(world, case))
    assert (
        response.status_code == 302 and response["Location"] == f"/evaluation/ratings/{rating.pk}/"
    )
    before = footprint(case)
    response = client.post(rate_url(world, case), fields(scores(12)))
    assert response.status_code == 409 and "该部门在此事件上已有评议" in page(response)
    assert "请刷新页面" in page(response)
    assert footprint(case) == before


# --- 已评议 and the correction ----------------------------------------------------------------


def test_given_lists_the_streets_ratings_with_revision_and_appeal_state(world: World) -> None:
    mine = rate(world, verified_case(world, verified=at(3, 2)), given=Scores(18, 16, 17, 15, 19))
    appealed = rate(world, verified_case(world, verified=at(4, 2)), given=scores(14))
    appeal(world, appealed)
    theirs = rate(world, verified_case(world, verified=at(3, 2), grid=2))
    text = page(login(world, "street").get("/evaluation/given/"))
    assert mine.case.number in text and appealed.case.number in text
    assert theirs.case.number not in text
    assert "2026-03" in text and "2026-04" in text  # the month each counts in
    assert "待裁定" in text and "未申诉" in text
    assert f"/evaluation/ratings/{mine.pk}/#correct" in text  # correction offered
    assert f"/evaluation/ratings/{appealed.pk}/#correct" not in text  # not after an appeal


def test_a_street_corrects_once_with_a_reason_through_the_page(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)))
    client = login(world, "street")
    detail = page(client.get(f"/evaluation/ratings/{rating.pk}/"))
    assert 'id="correct"' in detail and 'value="17"' in detail  # prefilled with the scores
    data = fields(scores(15), prefix="correct", reason="报到时间记错", expected_version=1)
    response = client.post(f"/evaluation/ratings/{rating.pk}/correct", data)
    assert response.status_code == 302 and response["Location"] == "/evaluation/given/"
    rating.refresh_from_db()
    assert (rating.revision, rating.total, rating.reason) == (2, 75, "报到时间记错")
    detail = page(client.get(f"/evaluation/ratings/{rating.pk}/"))
    assert "原评" in detail and "更正" in detail and "报到时间记错" in detail
    assert 'id="correct"' not in detail  # once only
    before = footprint(rating.case)
    again = fields(scores(16), prefix="correct", reason="再改", expected_version=rating.version)
    response = client.post(f"/evaluation/ratings/{rating.pk}/correct", again)
    assert response.status_code == 422 and "评议只能更正一次" in page(response)
    assert footprint(rating.case) == before


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"reason": ""}, 422, "请填写理由"),
        ({"reason": "改一下", "result": 25}, 422, "「办理结果」须为 0–20 的整数"),
        ({"reason": "没改分数", "result": 17, "report_in": 17}, 422, "更正后的评分与原评分相同"),
        ({"reason": "他人已改", "expected_version": 0}, 409, "数据已被他人修改"),
    ],
)
def test_a_bad_correction_is_refused_in_place_and_changes_nothing(
    world: World, data: dict[str, Any], status: int, message: str
) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)))
    before = footprint(rating.case)
    body = fields(scores(17), reason="", expected_version=rating.version)
    body |= {"report_in": 15} | data
    response = login(world, "street").post(
        f"/evaluation/ratings/{rating.pk}/correct", {f"correct-{k}": v for k, v in body.items()}
    )
    assert response.status_code == status and message in page(response)
    assert footprint(rating.case) == before


def test_after_an_appeal_the_street_can_no_longer_correct(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    appeal(world, rating)
    before = footprint(rating.case)
    data = fields(scores(15), prefix="correct", reason="想改", expected_version=2)
    response = login(world, "street").post(f"/evaluation/ratings/{rating.pk}/correct", data)
    assert response.status_code == 422 and "部门已申诉，评议不能再更正" in page(response)
    assert footprint(rating.case) == before


def test_another_street_cannot_see_or_correct_a_rating(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)))
    before = footprint(rating.case)
    client = login(world, "street_b")
    assert client.get(f"/evaluation/ratings/{rating.pk}/").status_code == 404
    data = fields(scores(15), prefix="correct", reason="不是我的", expected_version=1)
    assert client.post(f"/evaluation/ratings/{rating.pk}/correct", data).status_code == 404
    assert footprint(rating.case) == before


# --- the case page's section ----------------------------------------------------------------


def test_the_case_page_shows_its_ratings_and_a_link_to_rate(world: World) -> None:
    case = verified_case(world, departments=("sw", "hb"), verified=at(3, 2))
    street = login(world, "street")
    text = page(street.get(f"/cases/{case.pk}/"))
    assert "逆向评议" in text
    assert rate_url(world, case, "sw") in text and rate_url(world, case, "hb") in text
    rating = rate(world, case, "sw", given=scores(16))
    text = page(street.get(f"/cases/{case.pk}/"))
    assert f"/evaluation/ratings/{rating.pk}/" in text and ">80<" in text
    assert rate_url(world, case, "sw") not in text and rate_url(world, case, "hb") in text
    # The rated department sees its own rating; a co-handler does not see another's.
    assert f"/evaluation/ratings/{rating.pk}/" in page(
        login(world, "dept_sw").get(f"/cases/{case.pk}/")
    )
    hb_page = page(login(world, "dept_hb").get(f"/cases/{case.pk}/"))
    assert f"/evaluation/ratings/{rating.pk}/" not in hb_page
    # The hub sees the ratings and never a link to rate.
    hub_page = page(login(world, "hub").get(f"/cases/{case.pk}/"))
    assert f"/evaluation/ratings/{rating.pk}/" in hub_page and "/evaluation/rate/" not in hub_page


def test_a_case_without_ratings_shows_no_section(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    assert 'id="h-ratings"' not in page(login(world, "street").get(f"/cases/{case.pk}/"))


# --- 收到的评议 and the appeal ----------------------------------------------------------------


def test_received_lists_the_departments_own_ratings_by_criterion(world: World) -> None:
    cg = rate(
        world,
        verified_case(world, verified=at(3, 2)),
        given=Scores(12, 11, 10, 9, 8),
        reason="报到严重滞后",
    )
    sw = rate(world, verified_case(world, departments=("sw",), verified=at(3, 2)), "sw")
    text = page(login(world, "dept_cg").get("/evaluation/received/"))
    assert cg.case.number in text and sw.case.number not in text
    assert "报到严重滞后" in text and "2026-03" in text and "第1街道" in text
    for value in (">12<", ">11<", ">10<", ">9<", ">8<", ">50<"):
        assert value in text
    assert f"/evaluation/ratings/{cg.pk}/#appeal" in text


def test_a_department_appeals_through_the_page(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    client = login(world, "dept_cg_leader")
    detail = page(client.get(f"/evaluation/ratings/{rating.pk}/"))
    assert 'id="appeal"' in detail and 'id="correct"' not in detail
    data = {
        "appeal-reason": "已按时到场，延误系产权单位",
        "appeal-expected_version": rating.version,
    }
    response = client.post(f"/evaluation/ratings/{rating.pk}/appeal", data)
    assert response.status_code == 302 and response["Location"] == "/evaluation/received/"
    filed = RatingAppeal.objects.get(rating=rating)
    assert (filed.state, filed.reason) == (AppealState.PENDING, "已按时到场，延误系产权单位")
    text = page(client.get("/evaluation/received/"))
    assert "待裁定" in text and f"/evaluation/ratings/{rating.pk}/#appeal" not in text
    before = footprint(rating.case)
    data["appeal-expected_version"] = rating.version + 1
    again = client.post(f"/evaluation/ratings/{rating.pk}/appeal", data)
    assert again.status_code == 422 and "每条评议只能申诉一次" in page(again)
    assert footprint(rating.case) == before


def test_an_appeal_without_a_reason_is_422_and_changes_nothing(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    before = footprint(rating.case)
    data = {"appeal-reason": "   ", "appeal-expected_version": rating.version}
    response = login(world, "dept_cg").post(f"/evaluation/ratings/{rating.pk}/appeal", data)
    assert response.status_code == 422
    assert "请填写理由" in page(response) or "申诉须说明理由" in page(response)
    assert footprint(rating.case) == before


@pytest.mark.parametrize("who", ["dept_sw", "dept_hb", "dept_cg_unit"])
def test_a_department_cannot_appeal_another_departments_rating(world: World, who: str) -> None:
    """The co-handler, another department, even the department's own field unit: the rating
    is not theirs, so it does not exist for them (404), and nothing changes."""
    case = verified_case(world, departments=("cg", "hb"), verified=at(3, 2))
    rating = rate(world, case, "cg", given=scores(12))
    before = footprint(case)
    client = login(world, who)
    assert client.get(f"/evaluation/ratings/{rating.pk}/").status_code == 404
    data = {"appeal-reason": "不服", "appeal-expected_version": rating.version}
    assert client.post(f"/evaluation/ratings/{rating.pk}/appeal", data).status_code == 404
    assert footprint(case) == before


def test_a_street_posting_an_appeal_is_refused_by_the_rules(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    before = footprint(rating.case)
    data = {"appeal-reason": "冒充部门", "appeal-expected_version": rating.version}
    response = login(world, "street").post(f"/evaluation/ratings/{rating.pk}/appeal", data)
    assert response.status_code == 403 and "只有被评议部门可以申诉" in page(response)
    assert footprint(rating.case) == before


# --- 申诉待裁定 and the ruling -----------------------------------------------------------------


def test_the_hub_sees_pending_appeals_oldest_first(world: World) -> None:
    first = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    second = rate(
        world, verified_case(world, departments=("sw",), verified=at(3, 3)), "sw", given=scores(13)
    )
    ruled = rate(world, verified_case(world, verified=at(3, 4)), given=scores(14))
    not_appealed = rate(world, verified_case(world, verified=at(3, 5)))
    rating_appeal(actor=world.actor("dept_cg"), rating_id=first.pk, reason="甲", now=LATER)
    rating_appeal(
        actor=world.actor("dept_sw"),
        rating_id=second.pk,
        reason="乙",
        now=LATER + timedelta(hours=1),
    )
    appeal(world, ruled)
    from huying.evaluation.services import rating_rule_appeal

    rating_rule_appeal(
        actor=world.actor("hub"), rating_id=ruled.pk, uphold=False, reason="属实", now=LATER
    )
    text = page(login(world, "hub_sup").get("/evaluation/appeals/"))
    assert text.index(first.case.number) < text.index(second.case.number)
    assert ruled.case.number not in text and not_appealed.case.number not in text
    assert f"/evaluation/ratings/{first.pk}/#rule" in text


def test_the_ruling_page_shows_both_revisions_and_the_appeal(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(13), reason="")
    rating_correct(
        actor=world.actor("street"),
        rating_id=rating.pk,
        scores=scores(11),
        reason="核实后下调",
        now=LATER,
    )
    appeal(world, rating)
    text = page(login(world, "hub").get(f"/evaluation/ratings/{rating.pk}/"))
    assert "原评" in text and ">65<" in text and "更正" in text and ">55<" in text
    assert "核实后下调" in text and "已按时到场" in text and "待裁定" in text
    assert 'id="rule"' in text and "申诉成立，调整评分" in text and "申诉驳回，维持评分" in text


def test_the_hub_upholds_with_adjusted_scores(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    appeal(world, rating)
    data = fields(
        Scores(16, 15, 14, 15, 16),
        prefix="rule",
        decision="uphold",
        reason="经核实，报到及时",
        expected_version=rating.version + 1,
    )
    response = login(world, "hub").post(f"/evaluation/ratings/{rating.pk}/rule", data)
    assert response.status_code == 302 and response["Location"] == "/evaluation/appeals/"
    rating.refresh_from_db()
    filed = RatingAppeal.objects.get(rating=rating)
    assert (filed.state, filed.adjusted_total, rating.total, rating.effective_total) == (
        AppealState.UPHELD,
        76,
        60,
        76,
    )
    text = page(login(world, "dept_cg").get("/evaluation/received/"))
    assert "申诉成立" in text and "计入 76" in text
    detail = page(login(world, "dept_cg").get(f"/evaluation/ratings/{rating.pk}/"))
    assert "申诉调整" in detail and "经核实，报到及时" in detail


def test_the_hub_refuses_with_a_reason(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    appeal(world, rating)
    data = {
        "rule-decision": "refuse",
        "rule-reason": "评议符合实际",
        "rule-expected_version": rating.version + 1,
    }
    response = login(world, "hub").post(f"/evaluation/ratings/{rating.pk}/rule", data)
    assert response.status_code == 302
    filed = RatingAppeal.objects.get(rating=rating)
    assert (filed.state, filed.ruling_reason) == (AppealState.REFUSED, "评议符合实际")
    rating.refresh_from_db()
    assert rating.effective_total == 60
    assert "申诉驳回" in page(login(world, "street").get("/evaluation/given/"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "uphold", "reason": "成立", "result": ""}, "请填写「办理结果」"),
        ({"decision": "uphold", "reason": ""}, "请填写理由"),
        ({"decision": "", "reason": "未选"}, "请选择裁定结果"),
        (
            {"decision": "uphold", "reason": "分没变", **scores(12).as_dict()},
            "调整后的评分与原评分相同",
        ),
    ],
)
def test_a_bad_ruling_is_422_in_place_and_changes_nothing(
    world: World, data: dict[str, Any], message: str
) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    appeal(world, rating)
    before = footprint(rating.case)
    body = scores(16).as_dict() | {"expected_version": rating.version + 1} | data
    response = login(world, "hub").post(
        f"/evaluation/ratings/{rating.pk}/rule", {f"rule-{k}": v for k, v in body.items()}
    )
    assert response.status_code == 422 and message in page(response)
    assert footprint(rating.case) == before


@pytest.mark.parametrize(
    ("who", "status"), [("dept_cg", 403), ("street", 403), ("street_b", 404), ("resident", 404)]
)
def test_only_the_hub_rules(world: World, who: str, status: int) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    appeal(world, rating)
    before = footprint(rating.case)
    data = {
        "rule-decision": "refuse",
        "rule-reason": "驳回",
        "rule-expected_version": rating.version + 1,
    }
    assert (
        login(world, who).post(f"/evaluation/ratings/{rating.pk}/rule", data).status_code == status
    )
    assert footprint(rating.case) == before


# --- query counts -----------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_counts_do_not_grow_with_rows(world: World) -> None:
    street, dept, hub = login(world, "street"), login(world, "dept_cg"), login(world, "hub")
    urls = [
        (street, "/evaluation/due/"),
        (street, "/evaluation/given/"),
        (street, "/evaluation/"),
        (dept, "/evaluation/received/"),
        (hub, "/evaluation/appeals/"),
    ]

    def batch(day: int) -> None:
        rated = rate(world, verified_case(world, verified=at(3, day)), given=scores(12))
        appeal(world, rated)
        verified_case(world, departments=("sw", "hb"), verified=at(3, day))

    batch(1)
    for client, url in urls:  # what a process remembers between requests (the roles)
        client.get(url)
    few = [_queries(client, url) for client, url in urls]
    for day in range(2, 6):
        batch(day)
    assert [_queries(client, url) for client, url in urls] == few
    assert max(few) <= 12, few


def test_rating_detail_query_count_is_bounded(world: World) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)), given=scores(12))
    rating_correct(
        actor=world.actor("street"), rating_id=rating.pk, scores=scores(11), reason="改", now=LATER
    )
    appeal(world, rating)
    assert _queries(login(world, "hub"), f"/evaluation/ratings/{rating.pk}/") <= 10


def test_the_district_leader_reads_a_rating_without_tabs_to_pages_it_cannot_use(
    world: World,
) -> None:
    rating = rate(world, verified_case(world, verified=at(3, 2)))
    text = page(login(world, "leader").get(f"/evaluation/ratings/{rating.pk}/"))
    assert rating.case.number in text and "当前角色对这条评议没有可执行的操作" in text
    assert 'href="/evaluation/"' not in text
