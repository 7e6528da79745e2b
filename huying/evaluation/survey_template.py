"""The XLSX template of the public survey import (群众评价导入模板).

The first sheet is what ``survey_import`` reads: its header row holds the import's columns
(``services.survey.COLUMNS``, in Chinese whatever the page's language: they are the file
format), with drop-down lists for the department and the respondent type. A second sheet
lists the departments (name and code, either is accepted), a third says how to fill it in.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from huying.core.spreadsheets import append_row, guide_sheet, template_sheet, workbook_bytes
from huying.evaluation.services.survey import COLUMNS
from huying.org.models import OrgUnit

#: The respondent types as the import reads them (the file format is Chinese).
KINDS = ("基层社区", "居民群众", "社会各界")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows the drop-down lists cover (a year is ~1,000 forms × the departments scored).
ROWS = 20_000

GUIDE = (
    "群众评价打分表导入说明",
    "",
    "1. 在「问卷」工作表中每行填写一张问卷对一个部门的评分；一张问卷给几个部门打分就填几行，问卷编号相同。",
    "2. 问卷编号：纸质问卷上的编号，最长 32 个字符；同一问卷同一部门只能出现一次。",
    "3. 部门：填写部门名称或编码（见「部门」工作表），可从下拉列表中选择。",
    "4. 评价对象：基层社区、居民群众或社会各界，可从下拉列表中选择。",
    "5. 得分：0–100，最多两位小数。",
    "6. 导入时整份文件逐行检查，有任何一行出错都不导入，并列出每个出错的行号和原因；改正后重新导入即可。",
    "7. 已导入过的问卷再次导入会被拒绝，不会重复计分。",
    "8. 表头不要改动；可以在右侧增加其他列（如备注），导入时忽略。",
)


def survey_template_xlsx(departments: Sequence[OrgUnit]) -> bytes:
    book = Workbook()
    sheet = template_sheet(book, title="问卷", columns=list(COLUMNS), widths=(16, 24, 12, 10))

    names = book.create_sheet("部门")
    names.append(["部门名称", "部门编码"])
    for cell in names[1]:
        cell.font = Font(bold=True)
    for d in departments:
        append_row(names, [d.name, d.code])
    names.column_dimensions["A"].width = 28
    names.column_dimensions["B"].width = 14

    guide_sheet(book, GUIDE)

    at = {name: i for i, name in enumerate(COLUMNS)}
    letter = "ABCD"
    if departments:
        department_list = DataValidation(
            type="list",
            formula1=f"='部门'!$A$2:$A${len(departments) + 1}",
            allow_blank=True,
            showErrorMessage=False,  # a code typed instead of the name is fine too
        )
        department_list.add(f"{letter[at['部门']]}2:{letter[at['部门']]}{ROWS}")
        sheet.add_data_validation(department_list)
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(KINDS) + '"',
        allow_blank=True,
    )
    kinds.add(f"{letter[at['评价对象']]}2:{letter[at['评价对象']]}{ROWS}")
    sheet.add_data_validation(kinds)
    score = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True
    )
    score.error, score.errorTitle = "得分须在 0–100 之间", "得分无效"
    score.add(f"{letter[at['得分']]}2:{letter[at['得分']]}{ROWS}")
    sheet.add_data_validation(score)

    return workbook_bytes(book)
