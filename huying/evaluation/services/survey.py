"""群众评价: the public survey of communities and residents (1,000+ forms a year), entered
form by form or imported from an XLSX file.

An import is all or nothing: every row is checked first and every problem is reported with
its row number, in Chinese; only a file without a single problem is written, in one
transaction, as one ``SurveyBatch``. The same form cannot score the same department twice,
so importing a file again is refused rather than counted twice.

The sheet (the first of the workbook) has a header row with these columns, in any order,
others ignored: 问卷编号, 部门 (name or code), 评价对象 (基层社区 / 居民群众 / 社会各界), 得分
(0–100). One row is one department's score on one form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from huying.cases.services.engine import now_or
from huying.core.changelog import change_record
from huying.core.errors import Conflict, InvalidInput, PermissionDenied
from huying.core.spreadsheets import refuse_rows, sheet_rows
from huying.evaluation.models import RespondentType, SurveyBatch, SurveyResponse
from huying.evaluation.selectors import district_departments
from huying.evaluation.services.annual import check_year, parse_score
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.roles import HUB_ROLES

COLUMNS = {
    "问卷编号": "form_no",
    "部门": "department",
    "评价对象": "respondent_type",
    "得分": "score",
}
MAX_ROWS = 200_000
FORM_NO_MAX = 32


@dataclass(frozen=True)
class SurveyRow:
    line: int  # the row number the person sees (spreadsheet row, or position on the form)
    form_no: Any
    department: Any  # name or code (import), or id (a form entered by hand: by_id)
    respondent_type: Any
    score: Any
    by_id: bool = False


def survey_form_enter(
    *,
    actor: Actor,
    year: int,
    form_no: str,
    respondent_type: str,
    scores: Mapping[int, Decimal | int | str],
    now: datetime | None = None,
) -> SurveyBatch:
    """One paper form typed in: its number, who filled it in, a score per department."""
    rows = [
        SurveyRow(i, form_no, department_id, respondent_type, score, by_id=True)
        for i, (department_id, score) in enumerate(scores.items(), start=1)
    ]
    if not rows:
        raise InvalidInput(_("请至少为一个部门打分"), field="scores")
    return _store(actor, year, rows, file_name="", now=now_or(now))


def survey_import(
    *, actor: Actor, year: int, file: IO[bytes], file_name: str = "", now: datetime | None = None
) -> SurveyBatch:
    """Import a year's survey forms from an XLSX workbook, all or nothing."""
    if actor.role not in HUB_ROLES:
        raise PermissionDenied(_("只有呼应办可以导入群众评价"))
    return _store(actor, year, list(_read_sheet(file)), file_name=file_name, now=now_or(now))


def _store(
    actor: Actor, year: int, rows: list[SurveyRow], *, file_name: str, now: datetime
) -> SurveyBatch:
    if actor.role not in HUB_ROLES:
        raise PermissionDenied(_("只有呼应办可以录入群众评价"))
    check_year(year)
    if not rows:
        raise InvalidInput(_("文件中没有数据行"), field="file")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(_("一次最多导入 %(max)d 行") % {"max": MAX_ROWS}, field="file")
    responses = _validated(year, rows, district_departments(actor.unit))
    try:
        with transaction.atomic():
            batch = SurveyBatch.objects.create(
                year=year,
                file_name=file_name[:200],
                rows=len(responses),
                entered_by=actor.user,
                entered_at=now,
            )
            for r in responses:
                r.batch = batch
            SurveyResponse.objects.bulk_create(responses, batch_size=1000)
            change_record(
                actor=actor,
                action="evaluation.survey.import",
                obj=batch,
                now=now,
                after={"year": year, "rows": len(responses), "file_name": batch.file_name},
            )
    except IntegrityError:  # the same forms, imported at the same moment elsewhere
        raise Conflict(_("部分问卷已被导入，请刷新后重试")) from None
    return batch


def _read_sheet(file: IO[bytes]) -> list[SurveyRow]:
    rows = sheet_rows(file, columns=list(COLUMNS), required=list(COLUMNS), max_rows=MAX_ROWS)
    return [
        SurveyRow(line=number, **{COLUMNS[header]: value for header, value in cell.items()})
        for number, cell in rows
    ]


def _validated(year: int, rows: list[SurveyRow], departments: Any) -> list[SurveyResponse]:
    by_name, by_id = _department_lookup(departments)
    # A file is written in the site's language (the template's words), whatever the language
    # of the page that imports it; the page's own words and the stored values work too.
    with translation.override(settings.LANGUAGE_CODE):
        site_words = {str(label): value for value, label in RespondentType.choices}
    types = (
        site_words
        | {str(label): value for value, label in RespondentType.choices}
        | {v: v for v in RespondentType.values}
    )
    errors: list[dict[str, Any]] = []
    seen: dict[tuple[str, int], int] = {}
    out: list[tuple[SurveyResponse, int]] = []

    def fail(row: SurveyRow, message: str) -> None:
        errors.append({"row": row.line, "message": message})

    for row in rows:
        form_no = "" if row.form_no is None else str(row.form_no).strip()
        if isinstance(row.form_no, float) and row.form_no.is_integer():
            form_no = str(int(row.form_no))  # Excel stores 0012 typed as a number as 12.0
        department = (by_id if row.by_id else by_name).get(_key(row.department))
        kind = types.get(str(row.respondent_type or "").strip())
        problems = []
        if not form_no:
            problems.append(_("问卷编号不能为空"))
        elif len(form_no) > FORM_NO_MAX:
            problems.append(_("问卷编号过长"))
        if department is None:
            problems.append(_("部门「%(name)s」不存在") % {"name": row.department or ""})
        if kind is None:
            problems.append(
                _("评价对象「%(value)s」无效，应为：%(choices)s")
                % {
                    "value": row.respondent_type or "",
                    "choices": "、".join(str(label) for label in RespondentType.labels),
                }
            )
        try:
            score = parse_score(row.score)
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            fail(row, "；".join(problems))
            continue
        assert department is not None and kind is not None
        earlier = seen.setdefault((form_no, department.pk), row.line)
        if earlier != row.line:
            fail(row, _("与第 %(line)d 行重复（同一问卷同一部门）") % {"line": earlier})
            continue
        response = SurveyResponse(
            year=year, form_no=form_no, department=department, respondent_type=kind, score=score
        )
        out.append((response, row.line))
    if not errors:
        errors = _already_imported(year, out)
    if errors:
        refuse_rows(errors)
    return [response for response, _line in out]


def _department_lookup(departments: Any) -> tuple[dict[str, OrgUnit], dict[str, OrgUnit]]:
    """Departments by code or name (a file names them) and by id (a form picks them)."""
    by_name: dict[str, OrgUnit] = {}
    by_id: dict[str, OrgUnit] = {}
    for d in departments:
        by_name[_key(d.name)] = by_name[_key(d.code)] = by_id[_key(d.pk)] = d
    return by_name, by_id


def _key(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _already_imported(
    year: int, responses: list[tuple[SurveyResponse, int]]
) -> list[dict[str, Any]]:
    """Rows whose form already scored that department in an earlier batch."""
    lines = {(r.form_no, r.department_id): line for r, line in responses}
    forms = sorted({form for form, _department in lines})
    stored: set[tuple[str, int]] = set()
    for i in range(0, len(forms), 500):
        stored |= set(
            SurveyResponse.objects.filter(year=year, form_no__in=forms[i : i + 500]).values_list(
                "form_no", "department_id"
            )
        )
    return [
        {"row": lines[key], "message": _("问卷 %(form)s 已导入过该部门的评分") % {"form": key[0]}}
        for key in sorted(lines.keys() & stored, key=lambda k: lines[k])
    ]
