"""年度评议 and 群众评价 pages, and the landing page: streets review every department in one
table; the hub types a form in, imports a file (every refused row named) and downloads the
template; each role's landing counts its own work."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from huying.conftest import World
from huying.core.models import ChangeLog
from huying.evaluation.models import AnnualReview, RespondentType, SurveyBatch, SurveyResponse
from huying.evaluation.services import annual_review_set, rating_appeal, rating_create
from huying.evaluation.survey_template import KINDS

from .helpers import at, scores, verified_case

pytestmark = pytest.mark.django_db


def login(world: World, name: str) -> Client:
    return world.client(name)


def page(response: Any) -> str:
    return str(response.content.decode())


def stored() -> tuple[Any, ...]:
    return (
        tuple(AnnualReview.objects.order_by("pk").values_list("pk", "score", "comment")),
        SurveyBatch.objects.count(),
        SurveyResponse.objects.count(),
        ChangeLog.objects.count(),
    )


def annual_form(world: World, **rows: tuple[str, str]) -> dict[str, str]:
    """Every department's row, blank unless given: ``cg=("92.5", "响应及时")``."""
    data = {}
    for key in ("cg", "sw", "hb", "jt"):
        score, comment = rows.get(key, ("", ""))
        pk = world.departments[key].pk
        data[f"score_{pk}"], data[f"comment_{pk}"] = score, comment
    return data


# --- 年度评议 ---------------------------------------------------------------------------------


def test_a_street_reviews_the_districts_departments_in_one_table(world: World) -> None:
    client = login(world, "street")
    text = page(client.get("/evaluation/annual/?year=2026"))
    for name in ("城管局", "水务局", "生态环境局", "交通局"):
        assert name in text
    assert "城管执法一中队" not in text  # a field unit is not reviewed on its own
    data = annual_form(world, cg=("92.5", "响应及时"), sw=("80", ""))
    response = client.post("/evaluation/annual/?year=2026", data)
    assert response.status_code == 302 and response["Location"] == "/evaluation/annual/?year=2026"
    reviews = {r.department.name: (r.score, r.comment) for r in AnnualReview.objects.all()}
    assert reviews == {"城管局": (Decimal("92.5"), "响应及时"), "水务局": (Decimal(80), "")}
    assert {r.street for r in AnnualReview.objects.all()} == {world.streets[0]}
    prefilled = page(client.get("/evaluation/annual/?year=2026"))
    assert 'value="92.5"' in prefilled and 'value="响应及时"' in prefilled
    assert 'value="80"' in prefilled
    # Saving the same table again writes nothing: no change-log noise.
    logged = ChangeLog.objects.count()
    assert client.post("/evaluation/annual/?year=2026", data).status_code == 302
    assert ChangeLog.objects.count() == logged
    data = annual_form(world, cg=("95", "响应及时"), sw=("80", ""))
    assert client.post("/evaluation/annual/?year=2026", data).status_code == 302
    assert AnnualReview.objects.get(department=world.departments["cg"]).score == 95
    assert ChangeLog.objects.count() == logged + 1  # only the row that changed


def test_each_year_is_its_own_table(world: World) -> None:
    annual_review_set(
        actor=world.actor("street"), year=2025, department_id=world.departments["cg"].pk, score=70
    )
    client = login(world, "street")
    assert 'value="70"' in page(client.get("/evaluation/annual/?year=2025"))
    assert 'value="70"' not in page(client.get("/evaluation/annual/?year=2026"))
    this_year = timezone.localdate().year
    assert f"{this_year} 年度评议" in page(client.get("/evaluation/annual/?year=abc"))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"cg": ("101", "")}, "得分须在 0–100 之间"),
        ({"cg": ("九十", "")}, "得分「九十」不是数字"),
        ({"cg": ("90.125", "")}, "得分最多保留两位小数"),
        ({"cg": ("", "只写了评语")}, "请填写得分"),
    ],
)
def test_a_bad_row_is_422_in_place_and_nothing_is_stored(
    world: World, rows: dict[str, tuple[str, str]], message: str
) -> None:
    """One bad row refuses the whole table: the good rows are not stored either."""
    before = stored()
    data = annual_form(world, sw=("88", "好"), **rows)
    response = login(world, "street").post("/evaluation/annual/?year=2026", data)
    assert response.status_code == 422
    text = page(response)
    assert message in text and 'value="88"' in text  # what was typed stays
    assert stored() == before


def test_a_reviewed_department_cannot_be_cleared(world: World) -> None:
    annual_review_set(
        actor=world.actor("street"), year=2026, department_id=world.departments["cg"].pk, score=70
    )
    before = stored()
    response = login(world, "street").post("/evaluation/annual/?year=2026", annual_form(world))
    assert response.status_code == 422 and "已评的部门不能清空得分" in page(response)
    assert stored() == before


def test_streets_see_only_their_own_reviews(world: World) -> None:
    annual_review_set(
        actor=world.actor("street_b"), year=2026, department_id=world.departments["cg"].pk,
        score=61, comment="第二街道的意见",
    )  # fmt: skip
    text = page(login(world, "street").get("/evaluation/annual/?year=2026"))
    assert "第二街道的意见" not in text and 'value="61"' not in text


# --- 群众评价 ---------------------------------------------------------------------------------


def xlsx(*rows: list[Any]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["问卷编号", "部门", "评价对象", "得分"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "问卷.xlsx"
    return out


def test_the_hub_imports_a_file_and_sees_the_batch(world: World) -> None:
    client = login(world, "hub")
    file = xlsx(["0001", "城管局", "居民群众", 95], ["0001", "D-sw", "居民群众", 88.5])
    response = client.post("/evaluation/survey/", {"year": 2026, "file": file})
    assert response.status_code == 302 and response["Location"] == "/evaluation/survey/"
    batch = SurveyBatch.objects.get()
    assert (batch.year, batch.rows, batch.file_name) == (2026, 2, "问卷.xlsx")
    text = page(client.get("/evaluation/survey/"))
    assert "已导入 问卷.xlsx：2 行" in text and "问卷.xlsx" in text and "测试hub" in text


def test_a_refused_file_lists_every_bad_row_and_imports_nothing(world: World) -> None:
    before = stored()
    file = xlsx(
        ["0001", "城管局", "居民群众", 95],
        ["0002", "不存在局", "居民群众", 90],
        ["0003", "水务局", "路人", 120],
        ["0001", "城管局", "居民群众", 80],
    )
    response = login(world, "hub").post("/evaluation/survey/", {"year": 2026, "file": file})
    assert response.status_code == 422
    text = page(response)
    assert "文件未导入：共 3 处错误" in text
    assert '<td class="num">3</td><td>部门「不存在局」不存在</td>' in text
    assert "评价对象「路人」无效" in text and "得分须在 0–100 之间" in text
    assert "与第 2 行重复（同一问卷同一部门）" in text
    assert stored() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": 2026}, "请选择要导入的文件"),
        ({"year": "", "file": "x"}, "请填写年度"),
        ({"year": 2026, "file": io.BytesIO(b"not a workbook")}, "文件不是有效的 XLSX 工作簿"),
    ],
)
def test_a_bad_import_form_is_422_and_imports_nothing(
    world: World, data: dict[str, Any], message: str
) -> None:
    if isinstance(data.get("file"), io.BytesIO):
        data["file"].name = "坏文件.xlsx"
    elif data.get("file") == "x":
        data["file"] = xlsx(["1", "城管局", "居民群众", 90])
    before = stored()
    response = login(world, "hub").post("/evaluation/survey/", data)
    assert response.status_code == 422 and message in page(response)
    assert stored() == before


def test_the_hub_types_a_form_in(world: World) -> None:
    client = login(world, "hub")
    text = page(client.get("/evaluation/survey/form/"))
    assert "问卷编号" in text and "城管局" in text and "城管执法一中队" not in text
    cg, sw = world.departments["cg"].pk, world.departments["sw"].pk
    data = {
        "year": 2026,
        "form_no": "P-0007",
        "respondent_type": RespondentType.COMMUNITY,
        f"score_{cg}": "96",
        f"score_{sw}": "85.5",
    }
    response = client.post("/evaluation/survey/form/", data)
    assert response.status_code == 302
    rows = set(SurveyResponse.objects.values_list("form_no", "department_id", "score"))
    assert rows == {("P-0007", cg, Decimal(96)), ("P-0007", sw, Decimal("85.5"))}
    assert SurveyBatch.objects.get().file_name == ""
    # The same form again: refused on each department it scored, nothing stored.
    before = stored()
    again = client.post("/evaluation/survey/form/", data)
    assert again.status_code == 422 and "问卷 P-0007 已导入过该部门的评分" in page(again)
    assert stored() == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "请至少为一个部门打分"),
        ({"score_cg": "105"}, "得分须在 0–100 之间"),
        ({"score_cg": "90", "form_no": ""}, "请填写问卷编号"),
        ({"score_cg": "90", "respondent_type": "somebody"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_survey_form_is_422_in_place(
    world: World, extra: dict[str, str], message: str
) -> None:
    data = {"year": 2026, "form_no": "P-1", "respondent_type": "resident"}
    for key, value in extra.items():
        if key == "score_cg":
            data[f"score_{world.departments['cg'].pk}"] = value
        else:
            data[key] = value
    before = stored()
    response = login(world, "hub").post("/evaluation/survey/form/", data)
    assert response.status_code == 422 and message in page(response)
    assert stored() == before


def test_the_template_is_an_xlsx_the_import_reads(world: World) -> None:
    client = login(world, "hub")
    response = client.get("/evaluation/survey/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["问卷编号", "部门", "评价对象", "得分"]
    names = {row[0] for row in book["部门"].iter_rows(min_row=2, values_only=True)}
    assert names == {"城管局", "水务局", "生态环境局", "交通局"}
    # Filled in as the guide says, it imports.
    sheet.append(["T-1", "交通局", KINDS[2], 77])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "模板.xlsx"
    assert client.post("/evaluation/survey/", {"year": 2026, "file": out}).status_code == 302
    assert SurveyResponse.objects.get().respondent_type == RespondentType.PUBLIC


def test_the_templates_choices_are_the_imports_words() -> None:
    with translation.override("zh-hans"):
        assert tuple(str(label) for label in RespondentType.labels) == KINDS


@pytest.mark.parametrize("who", ["street", "dept_cg", "leader", "resident", "admin"])
def test_only_the_hub_enters_surveys(world: World, who: str) -> None:
    client = login(world, who)
    for url in (
        "/evaluation/survey/",
        "/evaluation/survey/form/",
        "/evaluation/survey/template.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    before = stored()
    file = xlsx(["0001", "城管局", "居民群众", 95])
    assert client.post("/evaluation/survey/", {"year": 2026, "file": file}).status_code == 404
    assert stored() == before


@pytest.mark.parametrize("who", ["hub", "dept_cg", "leader", "resident"])
def test_only_streets_review_annually(world: World, who: str) -> None:
    before = stored()
    client = login(world, who)
    assert client.get("/evaluation/annual/").status_code == 404
    data = annual_form(world, cg=("90", ""))
    assert client.post("/evaluation/annual/?year=2026", data).status_code == 404
    assert stored() == before


# --- the landing page -------------------------------------------------------------------------


def tiles(text: str) -> dict[str, str]:
    import re

    found = re.findall(r'<div class="label">([^<]+)</div><div class="value">([^<]+)</div>', text)
    return {label.strip(): value.strip() for label, value in found}


def test_each_role_lands_on_its_own_counts(world: World) -> None:
    this_year = timezone.localdate().year
    due = verified_case(world, departments=("sw", "hb"), verified=at(3, 2))
    rated = verified_case(world, verified=at(3, 3))
    rating = rating_create(
        actor=world.actor("street"), case_id=rated.pk, department_id=world.departments["cg"].pk,
        scores=scores(12), now=at(3, 4),
    )  # fmt: skip
    rating_appeal(actor=world.actor("dept_cg"), rating_id=rating.pk, reason="不服", now=at(3, 5))
    annual_review_set(
        actor=world.actor("street"), year=this_year, department_id=world.departments["cg"].pk,
        score=90,
    )  # fmt: skip
    street = tiles(page(login(world, "street").get("/evaluation/")))
    assert street["待评议"] == "2" and street["已评议"] == "1"
    assert street[f"{this_year} 年度评议"] == "1 / 4"
    assert tiles(page(login(world, "street_b").get("/evaluation/")))["待评议"] == "0"
    dept = tiles(page(login(world, "dept_cg").get("/evaluation/")))
    assert dept == {"收到的评议": "1", "申诉中": "1"}
    assert tiles(page(login(world, "dept_sw").get("/evaluation/")))["收到的评议"] == "0"
    hub = tiles(page(login(world, "hub").get("/evaluation/")))
    assert hub["申诉待裁定"] == "1" and hub[f"{this_year} 年群众评价问卷"] == "0"
    assert due.number  # listed under 待评议, counted above


def test_landing_links_only_to_the_roles_pages(world: World) -> None:
    street = page(login(world, "street").get("/evaluation/"))
    assert "/evaluation/due/" in street and "/evaluation/appeals/" not in street
    assert "/evaluation/survey/" not in street and "/evaluation/received/" not in street
    hub = page(login(world, "hub").get("/evaluation/"))
    assert "/evaluation/appeals/" in hub and "/evaluation/survey/" in hub
    assert "/evaluation/due/" not in hub


def test_annual_and_survey_query_counts_are_flat(world: World) -> None:
    def count(client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    street, hub = login(world, "street"), login(world, "hub")
    hub.post("/evaluation/survey/", {"year": 2026, "file": xlsx(["F", "城管局", "居民群众", 90])})
    street.get("/"), hub.get("/")  # what a process remembers between requests (the roles)
    few = (count(street, "/evaluation/annual/?year=2026"), count(hub, "/evaluation/survey/"))
    for key in ("cg", "sw", "hb"):
        annual_review_set(
            actor=world.actor("street"), year=2026, department_id=world.departments[key].pk,
            score=80,
        )  # fmt: skip
    for n in range(5):
        file = xlsx([f"F{n}", "城管局", "居民群众", 90])
        assert hub.post("/evaluation/survey/", {"year": 2026, "file": file}).status_code == 302
    many = (count(street, "/evaluation/annual/?year=2026"), count(hub, "/evaluation/survey/"))
    assert many == few and max(few) <= 12, few


def test_landing_states_the_weights_in_force(world: World, settings: Any) -> None:
    settings.HUYING_SCORE_PROCESS_WEIGHT = Decimal("0.6")
    settings.HUYING_SCORE_ANNUAL_WEIGHT = Decimal("0.4")
    text = page(login(world, "street").get("/evaluation/"))
    assert "× 60%" in text and "× 40%" in text


def test_a_file_in_chinese_imports_from_the_english_page(world: World) -> None:
    """The template's words are the file format: importing from a page shown in English
    reads them all the same."""
    client = login(world, "hub")
    file = xlsx(["E-1", "城管局", "基层社区", 90], ["E-1", "水务局", "社会各界", 80])
    response = client.post(
        "/evaluation/survey/", {"year": 2026, "file": file}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 302, page(response)
    kinds = set(SurveyResponse.objects.values_list("respondent_type", flat=True))
    assert kinds == {RespondentType.COMMUNITY, RespondentType.PUBLIC}
