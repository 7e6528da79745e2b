"""The choices of the indicator and ranking pages: a period, a grouping, a table, a sort.

Missing fields take today's defaults (this month, quarter and year in the district's time);
a value that is there and wrong is an error shown on the field (the page answers 422).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.core.errors import DomainError
from huying.evaluation.grouping import GroupBy
from huying.evaluation.periods import Period
from huying.org.models import OrgUnit
from huying.reports.tabulate import TABLES, WITHIN_BELOW, WITHIN_GROUP

PERIOD_KINDS = [
    ("month", gettext_lazy("月度")),
    ("quarter", gettext_lazy("季度")),
    ("year", gettext_lazy("年度")),
    ("range", gettext_lazy("自定义")),
]
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def today() -> date:
    return timezone.localdate()


def with_defaults(query: Mapping[str, Any], defaults: dict[str, str]) -> dict[str, Any]:
    """The query's values (the last of each), the defaults where a field is missing."""
    data: dict[str, Any] = dict(defaults)
    for key in query:
        value = query.get(key)
        if value not in (None, ""):
            data[key] = value
    return data


def _month_value(raw: str) -> tuple[int, int]:
    m = MONTH.match(raw.strip())
    if not m or not 1 <= int(m[2]) <= 12 or not FIRST_YEAR <= int(m[1]) <= LAST_YEAR:
        raise forms.ValidationError(_("月份格式为“年-月”，如 2026-03"))
    return int(m[1]), int(m[2])


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return _month_value(value) if value else None


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("统计周期"), choices=PERIOD_KINDS)
    month = MonthField(label=gettext_lazy("月份"), required=False)
    year = forms.IntegerField(
        label=gettext_lazy("年份"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(q), gettext_lazy("第%(q)d季度") % {"q": q}) for q in range(1, 5)],
    )
    start = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    @staticmethod
    def defaults() -> dict[str, str]:
        d = today()
        return {
            "period": "month",
            "month": f"{d.year:04d}-{d.month:02d}",
            "year": str(d.year),
            "quarter": str((d.month + 2) // 3),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period")
        needed = {
            "month": ["month"],
            "quarter": ["year", "quarter"],
            "year": ["year"],
            "range": ["start", "end"],
        }.get(kind or "", [])
        missing = [f for f in needed if data.get(f) is None and f not in self.errors]
        for name in missing:
            self.add_error(name, _("请填写%(field)s") % {"field": self.fields[name].label})
        if missing or any(f in self.errors for f in needed):
            return data
        try:
            if kind == "month":
                data["the_period"] = Period.month(*data["month"])
            elif kind == "quarter":
                data["the_period"] = Period.quarter(data["year"], data["quarter"])
            elif kind == "year":
                data["the_period"] = Period.year(data["year"])
            elif kind == "range":
                data["the_period"] = Period.days(data["start"], data["end"])
        except DomainError as exc:
            field = exc.details.get("field")
            self.add_error(field if field in self.fields else None, exc.message)
        return data

    @property
    def the_period(self) -> Period:
        period: Period = self.cleaned_data["the_period"]
        return period


class IndicatorForm(PeriodForm):
    table = forms.ChoiceField(
        label=gettext_lazy("指标表"), choices=[(t.code, t.label) for t in TABLES.values()]
    )
    by = forms.ChoiceField(
        label=gettext_lazy("分组"), required=False, choices=[("", ""), *GroupBy.choices]
    )
    sort = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    # Drill-down: a street or community whose communities or grids the table shows.
    within = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    field_order = ["table", "by", "period", "month", "year", "quarter", "start", "end"]

    @staticmethod
    def defaults() -> dict[str, str]:
        return {**PeriodForm.defaults(), "table": "closure"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Offer only the groupings the chosen table can make (any other is refused in
        # clean with the reason).
        spec = TABLES.get(str(self.data.get("table", "")))
        if spec is not None:
            labels = dict(GroupBy.choices)
            self.fields["by"].widget.choices = [(g, labels[g]) for g in spec.groups]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        spec = TABLES.get(data.get("table") or "")
        if spec is None:
            return data
        by = data.get("by") or spec.default_by
        if by not in spec.groups:
            self.add_error(
                "by",
                _("「%(table)s」表不能按「%(by)s」分组")
                % {"table": spec.label, "by": GroupBy(by).label},
            )
        data["by"] = by
        sort = data.get("sort") or ""
        if sort and sort.lstrip("-") not in {m.code for m in spec.metrics}:
            self.add_error(None, _("排序列有误"))
        data["within_unit"] = None
        if data.get("within"):
            unit = (
                OrgUnit.objects.filter(pk=data["within"], kind__in=list(WITHIN_GROUP))
                .defer("boundary")
                .first()
            )
            if unit is None or by not in WITHIN_BELOW[unit.kind]:
                self.add_error(None, _("下钻的街道或社区有误"))
            data["within_unit"] = unit
        return data


RANKING_VIEWS = [
    ("monthly", gettext_lazy("部门月度考评")),
    ("annual", gettext_lazy("部门年度考评")),
    ("streets", gettext_lazy("街道排名")),
    ("units", gettext_lazy("派驻机构考评")),
]


class RankingForm(PeriodForm):
    """Which ranking and its period: a month for 一月一考评 (departments and field units), a
    year for the annual score, any period for the streets."""

    view = forms.ChoiceField(choices=RANKING_VIEWS, widget=forms.HiddenInput)

    @staticmethod
    def defaults() -> dict[str, str]:
        d = today()
        previous = date.fromordinal(date(d.year, d.month, 1).toordinal() - 1)
        # 一月一考评 is done for the month just ended.
        return {
            **PeriodForm.defaults(),
            "view": "monthly",
            "month": f"{previous.year:04d}-{previous.month:02d}",
            "year": str(previous.year),
        }

    def clean(self) -> dict[str, Any]:
        view = self.cleaned_data.get("view", "")
        kind = {"monthly": "month", "units": "month", "annual": "year"}.get(view)
        if kind:
            self.cleaned_data["period"] = kind
        return super().clean()
