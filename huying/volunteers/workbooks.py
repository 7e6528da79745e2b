"""The monthly report per community and the 双报到 report to the employers, as XLSX."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from huying.volunteers.selectors import CommunityMonth, EmployerLine


def _save(book: Workbook) -> IO[bytes]:
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def report_workbook(rows: Sequence[CommunityMonth], *, title: str) -> IO[bytes]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(
        [
            _("社区"),
            _("发布需求"),
            _("已完成"),
            _("不予受理"),
            _("服务时长（小时）"),
            _("积分"),
            _("参与志愿者"),
        ]
    )
    for r in rows:
        sheet.append(
            [
                r.community.name,
                r.posted,
                r.confirmed,
                r.refused,
                float(r.hours),
                float(r.points),
                r.active,
            ]
        )
    return _save(book)


def employer_workbook(lines: Sequence[EmployerLine], *, title: str) -> IO[bytes]:
    """One row per party member, grouped by employer, each employer closed by its total."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([_("工作单位"), _("姓名"), _("报到社区"), _("服务次数"), _("服务时长（小时）")])
    current = None
    total = 0.0
    for line in [*lines, None]:
        employer = line.employer if line else None
        if current is not None and employer != current:
            sheet.append([current, _("合计"), "", "", round(total, 2)])
            total = 0.0
        if line is None:
            break
        current = employer
        total += float(line.hours)
        sheet.append(
            [
                line.employer,
                line.volunteer.name,
                line.volunteer.community.name,
                line.orders,
                float(line.hours),
            ]
        )
    return _save(book)
