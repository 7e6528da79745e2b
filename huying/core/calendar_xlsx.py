"""The XLSX template of the calendar import (工作日历导入模板).

The first sheet is what ``services.calendar_import`` reads: a header row with 日期, 类型,
说明 (in Chinese whatever the page's language: they are the file format) and a drop-down
list for 类型. A second sheet says how to fill it in, with an example.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from huying.core.services import COLUMNS, MAX_ROWS
from huying.core.spreadsheets import guide_sheet, template_sheet, workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

GUIDE = (
    "工作日历导入说明",
    "",
    "1. 在「日历」工作表中每行填写一天：只填与平常不同的日子——放假的日子（含调休放假的工作日）和调休上班的周末。",
    "2. 日期：写成 2027-01-01，或使用 Excel 日期格式。",
    "3. 类型：休息日（或：节假日）表示这一天不上班；调休上班（或：工作日）表示这一天上班。",
    "4. 说明：节日名称，如 元旦、春节、春节调休；最长 100 字，可不填。",
    "5. 导入时整份文件逐行检查，有任何一行出错都不导入，并列出每个出错的行号和原因。",
    "6. 已录入的日期再次导入时按文件修改；文件里没有的日期不会被删除。",
    "7. 导入后请在「工作日历」页面核对，再点「确认」：确认之后，工作日时限才能计算到这一年。",
    "",
    "示例（以国务院办公厅的通知为准）：",
    "日期\t类型\t说明",
    "2027-01-01\t休息日\t元旦",
    "2027-02-06\t休息日\t春节",
    "2027-02-13\t调休上班\t春节调休",
)


def calendar_template_xlsx() -> bytes:
    book = Workbook()
    sheet = template_sheet(book, title="日历", columns=COLUMNS, widths=(14, 12, 30))
    kinds = DataValidation(type="list", formula1='"休息日,调休上班"', allow_blank=True)
    kinds.add(f"B2:B{MAX_ROWS + 1}")
    sheet.add_data_validation(kinds)
    for row in range(2, MAX_ROWS + 2):
        sheet.cell(row=row, column=1).number_format = "yyyy-mm-dd"
    guide_sheet(book, GUIDE)
    return workbook_bytes(book)
