"""Drill-down: the cases behind one number of an indicator table, as the case list's query.

A count in a table is one *part* (numerator or denominator) of one indicator, for one group
(``by`` and ``key``) over one period. The link carries exactly those six parameters; the
case list parses them here (it cannot import this app: ``EvaluationConfig.ready`` registers
``DrillDown.parse`` as its restriction, ``huying.cases.hooks``) and intersects its own
filters with ``indicators.cases_behind(…)`` under the acting role's scope, so the list holds
the very cases that were counted (for a case family as many as the count; an assignment or
event family lists each case once). Beside the formulas it drills into, so that an indicator
and the cases behind it are defined in one app.

Parameters: ``indicator`` (a code of ``INDICATORS``), ``part`` (``numerator`` or
``denominator``), ``by`` (a ``GroupBy`` its family supports), ``key`` (the group; empty for
the 未填 group), ``start`` and ``end`` (ISO days, both included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases.models import Case, Source
from huying.core.errors import InvalidInput, NotFound
from huying.evaluation import aggregate
from huying.evaluation.grouping import UNIT_GROUPS, GroupBy, group_labels
from huying.evaluation.indicators import INDICATORS, Indicator, Part, cases_behind
from huying.evaluation.periods import Period
from huying.org.actors import Actor
from huying.org.models import OrgUnit

PARAMS = ("indicator", "part", "by", "key", "start", "end")
PARTS: dict[str, Any] = {
    "numerator": gettext_lazy("分子"),
    "denominator": gettext_lazy("分母"),
}

#: What each measure counts, as a table's column and the banner call it.
MEASURE_LABELS: dict[tuple[str, str], Any] = {
    ("closure", "closed"): gettext_lazy("结案"),
    ("closure", "on_time_closed"): gettext_lazy("按期结案"),
    ("closure", "due"): gettext_lazy("应结案"),
    ("handling", "handled"): gettext_lazy("处置"),
    ("handling", "on_time_handled"): gettext_lazy("按期处置"),
    ("handling", "overdue_unhandled"): gettext_lazy("超期未处置"),
    ("handling", "due"): gettext_lazy("应处置"),
    ("handling", "reworked"): gettext_lazy("返工"),
    ("handling", "extended"): gettext_lazy("延期"),
    ("response", "due_report_ins"): gettext_lazy("应报到"),
    ("response", "on_time_responses"): gettext_lazy("按时响应"),
    ("response", "report_ins"): gettext_lazy("报到"),
    ("response", "on_time_report_ins"): gettext_lazy("按时报到"),
    ("outcome", "follow_ups"): gettext_lazy("有效回访"),
    ("outcome", "content"): gettext_lazy("满意和基本满意"),
    ("outcome", "reported"): gettext_lazy("受理"),
    ("outcome", "resolved"): gettext_lazy("已解决"),
    ("tiers", "closed"): gettext_lazy("结案"),
    ("tiers", "grid"): gettext_lazy("网格办结"),
    ("tiers", "community"): gettext_lazy("社区办结"),
    ("tiers", "street"): gettext_lazy("街道办结"),
    ("tiers", "above"): gettext_lazy("街道以上办结"),
    ("tiers", "in_community"): gettext_lazy("社区内办结"),
    ("tiers", "in_street"): gettext_lazy("街道内办结"),
    ("calls", "calls"): gettext_lazy("呼叫"),
    ("calls", "accurate"): gettext_lazy("准确呼叫"),
    ("reports", "reports"): gettext_lazy("上报"),
    ("reports", "valid_reports"): gettext_lazy("有效上报"),
    ("verification", "verifications"): gettext_lazy("核查"),
    ("verification", "on_time_verifications"): gettext_lazy("按时核查"),
    ("suggestions", "suggested_triages"): gettext_lazy("研判"),
    ("suggestions", "taken_first"): gettext_lazy("采纳首位建议"),
    ("suggestions", "taken_in_three"): gettext_lazy("采纳前三位建议"),
}

#: The indicator table (``tables.TABLES``) each indicator is shown in.
INDICATOR_TABLE: dict[str, str] = {
    "completion": "closure",
    "on_time_completion": "closure",
    "handling_rate": "handling",
    "on_time_handling_rate": "handling",
    "overdue_unhandled_rate": "handling",
    "rework_rate": "handling",
    "extension_rate": "handling",
    "response_rate": "response",
    "report_in_timeliness": "response",
    "resolution_rate": "outcome",
    "satisfaction_rate": "outcome",
    "grid_share": "tiers",
    "community_share": "tiers",
    "street_share": "tiers",
    "above_share": "tiers",
    "in_community_share": "tiers",
    "in_street_share": "tiers",
    "call_accuracy": "calls",
    "whistle_rate": "calls",
    "valid_report_rate": "reports",
    "on_time_verification_rate": "verification",
    "suggestion_top1_rate": "suggestions",
    "suggestion_top3_rate": "suggestions",
}

#: What a row of each family is, when it is not a case.
ROW_UNITS: dict[aggregate.Rows, Any] = {
    aggregate.Rows.ASSIGNMENTS: gettext_lazy("个派单"),
    aggregate.Rows.EVENTS: gettext_lazy("次"),
}

#: The kind of org unit each unit grouping's key must be.
UNIT_KINDS: dict[str, str] = {
    GroupBy.DISTRICT: OrgUnit.Kind.DISTRICT,
    GroupBy.STREET: OrgUnit.Kind.STREET,
    GroupBy.COMMUNITY: OrgUnit.Kind.COMMUNITY,
    GroupBy.GRID: OrgUnit.Kind.GRID,
    GroupBy.DEPARTMENT: OrgUnit.Kind.DEPARTMENT,
}


def period_params(period: Period) -> dict[str, str]:
    """The indicator page's period fields that choose ``period`` (a month as a month, …)."""
    first, last = period.first_day, period.last_day
    if first.day == 1 and period == Period.month(first.year, first.month):
        return {"period": "month", "month": f"{first.year:04d}-{first.month:02d}"}
    if first.day == 1 and first.month % 3 == 1:
        quarter = (first.month + 2) // 3
        if period == Period.quarter(first.year, quarter):
            return {"period": "quarter", "year": str(first.year), "quarter": str(quarter)}
    if period == Period.year(first.year):
        return {"period": "year", "year": str(first.year)}
    return {"period": "range", "start": first.isoformat(), "end": last.isoformat()}


def period_label(period: Period) -> str:
    """2026年3月, 2026年第1季度, 2026年, or 2026-03-01 至 2026-03-15."""
    p = period_params(period)
    year = period.first_day.year
    if p["period"] == "month":
        return _("%(year)d年%(month)d月") % {"year": year, "month": period.first_day.month}
    if p["period"] == "quarter":
        return _("%(year)d年第%(quarter)s季度") % {"year": year, "quarter": p["quarter"]}
    if p["period"] == "year":
        return _("%(year)d年") % {"year": year}
    return _("%(first)s 至 %(last)s") % {"first": p["start"], "last": p["end"]}


def _day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("日期格式有误：%(value)s") % {"value": raw[:20]}, field=name) from None


def _key(by: str, raw: str) -> Any:
    if raw == "":
        return None
    if by in UNIT_GROUPS or by == GroupBy.GRID_WORKER:
        if not raw.isdigit() or len(raw) > 18:
            raise InvalidInput(_("分组编号有误"), field="key")
        return int(raw)
    if by == GroupBy.SOURCE and raw not in Source.values:
        raise InvalidInput(_("来源渠道有误"), field="key")
    if len(raw) > 32:
        raise InvalidInput(_("分组编号有误"), field="key")
    return raw


@dataclass(frozen=True)
class DrillDown:
    indicator: str
    part: Part
    by: str
    key: Any
    period: Period

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> DrillDown | None:
        """None when the query has none of the parameters; InvalidInput (422) when it has
        any of them and they do not name one number of one table."""
        if not any(name in params for name in PARAMS):
            return None
        raw = {name: str(params.get(name) or "").strip() for name in PARAMS}
        spec = INDICATORS.get(raw["indicator"])
        if spec is None:
            raise InvalidInput(_("未知指标"), field="indicator")
        if raw["part"] not in PARTS:
            raise InvalidInput(_("「分子/分母」参数有误"), field="part")
        part = cast(Part, raw["part"])
        family = spec.numerator[0] if part == "numerator" else spec.denominator[0]
        if raw["by"] not in GroupBy.values:
            raise InvalidInput(_("分组方式有误"), field="by")
        if raw["by"] not in family.groups:
            raise InvalidInput(
                _("%(indicator)s不能按「%(by)s」分组")
                % {"indicator": spec.label, "by": GroupBy(raw["by"]).label},
                field="by",
            )
        if not raw["start"] or not raw["end"]:
            raise InvalidInput(_("缺少统计区间"), field="start")
        period = Period.days(_day(raw["start"], "start"), _day(raw["end"], "end"))
        return cls(
            indicator=spec.code,
            part=part,
            by=raw["by"],
            key=_key(raw["by"], raw["key"]),
            period=period,
        )

    @property
    def spec(self) -> Indicator:
        return INDICATORS[self.indicator]

    @property
    def measure(self) -> tuple[aggregate.Family, str]:
        return self.spec.numerator if self.part == "numerator" else self.spec.denominator

    def params(self) -> dict[str, str]:
        return {
            "indicator": self.indicator,
            "part": self.part,
            "by": self.by,
            "key": "" if self.key is None else str(self.key),
            "start": self.period.first_day.isoformat(),
            "end": self.period.last_day.isoformat(),
        }

    def query(self) -> str:
        return urlencode(self.params())

    def url(self) -> str:
        return f"{reverse('cases:list')}?{self.query()}"

    def back_url(self) -> str:
        """The table this number was clicked in."""
        params = {
            "table": INDICATOR_TABLE[self.indicator],
            "by": self.by,
            **period_params(self.period),
        }
        return f"{reverse('reports:indicators')}?{urlencode(params)}"

    def cases(self, actor: Actor) -> QuerySet[Case]:
        return cases_behind(
            self.indicator, self.part, period=self.period, by=self.by, key=self.key, actor=actor
        )

    def group_label(self) -> str:
        """The group's name; NotFound when no such group exists (a made-up key)."""
        if self.key is not None and self.by in UNIT_KINDS:
            name = (
                OrgUnit.objects.filter(pk=self.key, kind=UNIT_KINDS[self.by])
                .values_list("name", flat=True)
                .first()
            )
            if name is None:
                raise NotFound(_("分组不存在"))
            return name
        labels = group_labels(self.by, [self.key])
        if self.key not in labels:
            raise NotFound(_("分组不存在"))
        return labels[self.key]

    def caption(self, actor: Actor, *, narrowed: bool = False) -> str:
        """The banner above the list: 2026年3月 · 城管局 · 结案率的分子：结案 12 件.
        ``narrowed``: the list's own filters narrow it further."""
        family, measure = self.measure
        counted = aggregate.counts(
            family, period=self.period, by=self.by, actor=actor, key=self.key
        )
        n = counted.get(self.key, {}).get(measure, 0)
        what = str(MEASURE_LABELS.get((family.name, measure), measure))
        head = _("%(period)s · %(group)s · %(indicator)s的%(part)s") % {
            "period": period_label(self.period),
            "group": self.group_label(),
            "indicator": self.spec.label,
            "part": PARTS[self.part],
        }
        if family.rows is aggregate.Rows.CASES:
            tail = _("%(what)s %(n)d 件") % {"what": what, "n": n}
        else:
            listed = self.cases(actor).count()
            tail = _("%(what)s %(n)d %(unit)s，涉及事件 %(cases)d 件") % {
                "what": what,
                "n": n,
                "unit": ROW_UNITS[family.rows],
                "cases": listed,
            }
        if narrowed:
            tail += _("；下面只列出其中符合筛选条件的事件")
        return _("%(head)s：%(tail)s") % {"head": head, "tail": tail}
