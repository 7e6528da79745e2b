"""逆向评议 in a real browser: the street scores a department from 待评议 (the total counts as
it types, a low total asks for a reason), the department appeals, the hub rules; the annual
review and the survey pages. Screenshots to ``artifacts/screenshots/``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, shot
from huying.conftest import World
from huying.evaluation.models import AppealState, Rating, RatingAppeal
from huying.evaluation.tests.helpers import at, verified_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRITERIA = ("report_in", "professionalism", "responsibility", "cooperation", "result")


def fill_scores(page: Page, values: tuple[int, ...], prefix: str = "") -> None:
    for name, value in zip(CRITERIA, values, strict=True):
        page.fill(f"#id_{prefix}{name}", str(value))


def test_rate_appeal_and_rule(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    case = verified_case(world, departments=("sw", "hb"), verified=at(3, 2))
    street = login("street", next_url="/evaluation/")
    expect(street.locator(".tile").first).to_contain_text("2")  # 待评议 2
    shot(street, "evaluation-home-street")
    street.click("text=待评议 >> nth=1")
    expect(street.locator("h1")).to_contain_text("待评议")
    shot(street, "evaluation-due")
    street.locator(f"a[href$='/rate/{case.pk}/{world.departments['sw'].pk}/']").click()
    total = street.locator("output.total")
    hint = street.locator("[data-reason-hint]")
    fill_scores(street, (12, 11, 10, 12, 9))
    expect(total).to_have_text("54")
    expect(hint).to_be_visible()  # below 60: a reason is needed
    street.click("form[data-scores] button[type=submit]")
    expect(street.locator(".errorlist")).to_contain_text("须填写评议理由")
    fill_scores(street, (18, 16, 17, 15, 19))
    expect(total).to_have_text("85")
    expect(hint).to_be_hidden()
    fill_scores(street, (12, 11, 10, 12, 9))
    street.fill("#id_reason", "报到滞后两天，现场处置反复")
    shot(street, "evaluation-rate")
    street.click("form[data-scores] button[type=submit]")
    expect(street.locator(".messages")).to_contain_text("54 分")
    rating = Rating.objects.get(case=case)
    assert (rating.total, rating.department.name) == (54, "水务局")

    dept = login("dept_sw", next_url="/evaluation/received/")
    expect(dept.locator("tbody")).to_contain_text("报到滞后两天")
    shot(dept, "evaluation-received")
    dept.click("a.button:has-text('申诉')")
    dept.fill("#id_appeal-reason", "当日已电话报到，系统录入延迟")
    dept.click("#appeal button[type=submit]")
    expect(dept.locator(".messages")).to_contain_text("申诉")
    assert RatingAppeal.objects.get(rating=rating).state == AppealState.PENDING

    hub = login("hub", next_url="/evaluation/appeals/")
    hub.click("a.button:has-text('裁定')")
    expect(hub.locator("body")).to_contain_text("当日已电话报到")
    hub.check("input[value=uphold]")
    fill_scores(hub, (16, 12, 10, 12, 9), prefix="rule-")
    expect(hub.locator("#rule output.total")).to_have_text("59")
    hub.fill("#id_rule-reason", "报到记录属实，报到项调整")
    shot(hub, "evaluation-ruling")
    hub.click("#rule button[type=submit]")
    expect(hub.locator(".messages")).to_contain_text("已裁定")
    rating.refresh_from_db()
    assert rating.effective_total == 59

    street.goto(f"{live_server}/cases/{case.pk}/")
    expect(street.locator("#h-ratings")).to_be_visible()
    expect(street.locator("section:has(#h-ratings)")).to_contain_text("申诉成立")
    # On a phone each waiting rating (the other department's) is a card, its title across
    # the screen: it was a column one character wide beside the number and the department.
    # (Last: signing in again resets the street's password, ending its other session.)
    phone = login("street", viewport=PHONE, next_url="/evaluation/due/")
    title = phone.locator("tbody td.title").first
    expect(title).to_contain_text(case.title)
    box = title.bounding_box()
    assert box is not None and box["width"] > 300, box
    shot(phone, "evaluation-due-phone")


def test_annual_and_survey_pages(
    world: World, live_server: object, login: Callable[..., Page]
) -> None:
    street = login("street", next_url="/evaluation/annual/")
    street.fill(f"#id_score_{world.departments['cg'].pk}", "101")
    street.click("button:has-text('保存年度评议')")
    expect(street.locator(".errorlist")).to_contain_text("0–100")
    street.fill(f"#id_score_{world.departments['cg'].pk}", "92.5")
    street.fill(f"#id_comment_{world.departments['cg'].pk}", "响应及时")
    street.click("button:has-text('保存年度评议')")
    expect(street.locator(".messages")).to_contain_text("已保存")
    shot(street, "evaluation-annual")

    hub = login("hub", next_url="/evaluation/survey/form/")
    hub.fill("#id_form_no", "2026-0001")
    hub.select_option("#id_respondent_type", "resident")
    hub.fill(f"#id_score_{world.departments['cg'].pk}", "95")
    hub.click("button:has-text('保存问卷')")
    expect(hub.locator(".messages")).to_contain_text("2026-0001")
    hub.goto(f"{live_server}/evaluation/survey/")
    shot(hub, "evaluation-survey")
    phone = login("dept_cg", viewport=PHONE, next_url="/evaluation/received/")
    shot(phone, "evaluation-received-phone")
