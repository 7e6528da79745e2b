"""The annual evaluation's inputs: the streets' reviews, survey forms typed in, and survey
files imported all or nothing with every problem named by its row."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from openpyxl import Workbook

from huying.conftest import World
from huying.core.errors import Conflict, InvalidInput, PermissionDenied
from huying.core.models import ChangeLog
from huying.evaluation.models import AnnualReview, RespondentType, SurveyBatch, SurveyResponse
from huying.evaluation.services import (
    annual_review_set,
    survey,
    survey_form_enter,
    survey_import,
)

HEADER = ["问卷编号", "评价对象", "部门", "得分", "备注"]


def xlsx(*rows: list[Any], header: list[str] = HEADER) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _stored() -> tuple[int, int, int]:
    return SurveyBatch.objects.count(), SurveyResponse.objects.count(), ChangeLog.objects.count()


def test_a_clean_file_is_imported_as_one_batch(world: World) -> None:
    file = xlsx(
        ["2026-0001", "居民群众", "城管局", 95, "满意"],
        ["2026-0001", "居民群众", "D-sw", 88.5],
        [None, None, None, None],  # a blank line between forms
        [12, "基层社区", "交通局", "90"],  # a form number typed as a number
        ["2026-0003", "public", "生态环境局", 100],
    )
    batch = survey_import(actor=world.actor("hub"), year=2026, file=file, file_name="问卷.xlsx")
    assert (batch.year, batch.rows, batch.file_name) == (2026, 4, "问卷.xlsx")
    rows = {
        (r.form_no, r.department.name, r.respondent_type, r.score)
        for r in SurveyResponse.objects.select_related("department")
    }
    assert rows == {
        ("2026-0001", "城管局", RespondentType.RESIDENT, Decimal(95)),
        ("2026-0001", "水务局", RespondentType.RESIDENT, Decimal("88.5")),
        ("12", "交通局", RespondentType.COMMUNITY, Decimal(90)),
        ("2026-0003", "生态环境局", RespondentType.PUBLIC, Decimal(100)),
    }
    log = ChangeLog.objects.get(action="evaluation.survey.import")
    assert log.after == {"year": 2026, "rows": 4, "file_name": "问卷.xlsx"}


def test_every_bad_row_is_reported_and_nothing_is_imported(world: World) -> None:
    file = xlsx(
        ["2026-0001", "居民群众", "城管局", 95],  # row 2: fine
        ["2026-0001", "居民群众", "规划局", 80],  # 3: no such department
        ["2026-0002", "游客", "城管局", 80],  # 4: not a respondent type
        ["2026-0003", "居民群众", "城管局", 101],  # 5: over 100
        ["2026-0004", "居民群众", "城管局", "很好"],  # 6: not a number
        ["", "居民群众", "城管局", 80],  # 7: no form number
        ["2026-0001", "居民群众", "城管局", 90],  # 8: the same form scored 城管局 in row 2
        ["2026-0005", "居民群众", "城管局", 80.555],  # 9: three decimals
        ["2026-0006", "居民群众", "城管局", None],  # 10: no score
    )
    before = _stored()
    with pytest.raises(InvalidInput) as caught:
        survey_import(actor=world.actor("hub"), year=2026, file=file)
    assert _stored() == before
    error = caught.value
    assert error.code == "import_rejected" and "未导入任何数据" in error.message
    assert error.details["error_count"] == 8
    messages = {e["row"]: e["message"] for e in error.details["errors"]}
    assert sorted(messages) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "部门「规划局」不存在" in messages[3]
    assert "评价对象「游客」无效" in messages[4]
    assert "0–100" in messages[5]
    assert "不是数字" in messages[6]
    assert "问卷编号不能为空" in messages[7]
    assert "与第 2 行重复" in messages[8]
    assert "两位小数" in messages[9]
    assert "不能为空" in messages[10]


def test_a_file_imported_twice_is_refused(world: World) -> None:
    hub = world.actor("hub")
    rows = [["2026-0001", "居民群众", "城管局", 95], ["2026-0002", "居民群众", "城管局", 85]]
    survey_import(actor=hub, year=2026, file=xlsx(*rows))
    before = _stored()
    with pytest.raises(InvalidInput) as caught:
        survey_import(actor=hub, year=2026, file=xlsx(*rows))
    assert _stored() == before
    assert [e["row"] for e in caught.value.details["errors"]] == [2, 3]
    assert "已导入过" in caught.value.details["errors"][0]["message"]
    # The same form numbers in another year are other forms.
    assert survey_import(actor=hub, year=2027, file=xlsx(*rows)).rows == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a workbook", "不是有效的 XLSX"),
        (xlsx(["x"], header=["问卷编号", "部门"]).getvalue(), "缺少列：评价对象、得分"),
        (xlsx().getvalue(), "没有数据行"),
    ],
)
def test_unreadable_files_are_refused(world: World, content: bytes, message: str) -> None:
    before = _stored()
    with pytest.raises(InvalidInput, match=message):
        survey_import(actor=world.actor("hub"), year=2026, file=io.BytesIO(content))
    assert _stored() == before


@pytest.mark.parametrize("who", ["street", "dept_cg", "leader", "resident"])
def test_only_the_hub_brings_in_the_survey(world: World, who: str) -> None:
    file = xlsx(["2026-0001", "居民群众", "城管局", 95])
    before = _stored()
    with pytest.raises(PermissionDenied):
        survey_import(actor=world.actor(who), year=2026, file=file)
    with pytest.raises(PermissionDenied):
        survey_form_enter(
            actor=world.actor(who),
            year=2026,
            form_no="1",
            respondent_type="resident",
            scores={world.departments["cg"].pk: 90},
        )
    assert _stored() == before


def test_a_form_typed_in(world: World) -> None:
    d = world.departments
    batch = survey_form_enter(
        actor=world.actor("hub_sup"),
        year=2026,
        form_no="P-0007",
        respondent_type="community",
        scores={d["cg"].pk: 92, d["sw"].pk: "87.5"},
    )
    assert batch.rows == 2 and batch.file_name == ""
    with pytest.raises(InvalidInput) as caught:  # a field unit is not surveyed on its own
        survey_form_enter(
            actor=world.actor("hub"),
            year=2026,
            form_no="P-0008",
            respondent_type="community",
            scores={d["cg_unit"].pk: 92},
        )
    assert "不存在" in caught.value.details["errors"][0]["message"]
    with pytest.raises(InvalidInput):
        survey_form_enter(
            actor=world.actor("hub"),
            year=1999,
            form_no="P-1",
            respondent_type="resident",
            scores={d["cg"].pk: 90},
        )


def test_a_street_reviews_a_department_once_a_year_and_may_revise(world: World) -> None:
    street = world.actor("street")
    cg = world.departments["cg"].pk
    review = annual_review_set(
        actor=street, year=2026, department_id=cg, score=88, comment="配合好"
    )
    revised = annual_review_set(actor=street, year=2026, department_id=cg, score="91.5")
    assert revised.pk == review.pk and revised.score == Decimal("91.5")
    assert AnnualReview.objects.count() == 1
    logs = list(ChangeLog.objects.filter(object_id=str(review.pk)).order_by("id"))
    assert [log.action for log in logs] == [
        "evaluation.annual_review.create",
        "evaluation.annual_review.update",
    ]
    assert logs[1].before == {"score": "88.00", "comment": "配合好"}
    assert logs[1].after == {"score": "91.50", "comment": ""}
    other = annual_review_set(actor=world.actor("street_b"), year=2026, department_id=cg, score=70)
    assert other.street == world.streets[1]


@pytest.mark.parametrize(
    ("who", "kwargs", "error"),
    [
        ("hub", {}, PermissionDenied),
        ("dept_cg", {}, PermissionDenied),
        ("community", {}, PermissionDenied),
        ("street", {"score": 101}, InvalidInput),
        ("street", {"score": "abc"}, InvalidInput),
        ("street", {"year": 1900}, InvalidInput),
        ("street", {"department_id": 0}, InvalidInput),
    ],
)
def test_annual_review_refusals_change_nothing(
    world: World, who: str, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    args: dict[str, Any] = {"year": 2026, "department_id": world.departments["cg"].pk, "score": 90}
    logged = ChangeLog.objects.count()
    with pytest.raises(error):
        annual_review_set(actor=world.actor(who), **(args | kwargs))
    assert AnnualReview.objects.count() == 0 and ChangeLog.objects.count() == logged


def test_the_same_form_entered_twice_at_once_is_a_conflict(world: World) -> None:
    """Should the check and the insert race, the unique (year, form, department) decides."""
    hub = world.actor("hub")
    cg = world.departments["cg"].pk
    survey_form_enter(
        actor=hub, year=2026, form_no="X", respondent_type="resident", scores={cg: 90}
    )
    before = _stored()
    with mock.patch.object(survey, "_already_imported", return_value=[]), pytest.raises(Conflict):
        survey_form_enter(
            actor=hub, year=2026, form_no="X", respondent_type="resident", scores={cg: 80}
        )
    assert _stored() == before
