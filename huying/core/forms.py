"""Console forms of the working-day calendar (工作日历): they parse input and hand it to
``huying.core.services``, where the rules live."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from huying.core.services import HOLIDAY, NOTE_MAX, WORKDAY, YEAR_NOTE_MAX

KIND_CHOICES = [(HOLIDAY, _("休息日（节假日）")), (WORKDAY, _("调休上班"))]


class CalendarDayForm(forms.Form):
    """One day: a holiday or a make-up workday. Entering a day that is already entered
    changes it."""

    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写日期"), "invalid": _("日期格式应为 2027-01-01")},
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择类型")},
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=NOTE_MAX,
        required=False,
        help_text=_("如：元旦、春节、春节调休"),
    )


class CalendarConfirmForm(forms.Form):
    prefix = "confirm"

    note = forms.CharField(
        label=_("说明"),
        max_length=YEAR_NOTE_MAX,
        required=False,
        help_text=_("如：据国务院办公厅通知录入。一天都没有录入时必须说明理由。"),
    )


def xlsx_file_field() -> forms.FileField:
    """The upload field of every XLSX import form."""
    return forms.FileField(
        label=_("XLSX 文件"),
        error_messages={"required": _("请选择要导入的文件"), "empty": _("文件是空的")},
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class CalendarImportForm(forms.Form):
    prefix = "import"

    file = xlsx_file_field()
