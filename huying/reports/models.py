"""Rollups (统计汇总) that keep the dashboards fast as history grows.

A ``Tally`` row counts the cases of one scope (the district, or one street) on one day or in
one month, broken down by one dimension (``dim``: nothing, street, community, grid, catalogue
class, item, source channel) with the group's ``key``. A ``DepartmentTally`` row counts a
department's assignments the same way. Both are caches of what the case tables say: the
worker recomputes every day and month touched since its last run (``TallyMark``), and
``huying tally --rebuild`` recomputes them all; a test holds them equal to the raw counts.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.org.models import OrgUnit


class Grain(models.TextChoices):
    DAY = "day", _("日")
    MONTH = "month", _("月")


class Dim(models.TextChoices):
    TOTAL = "total", _("合计")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    CATALOGUE_CLASS = "class", _("事项类别")
    ITEM = "item", _("事项")
    SOURCE = "source", _("来源渠道")


class Tally(models.Model):
    """Case counts of one scope × grain × day × dimension group, each counted on the day
    its event happened (reported, closed, first overdue)."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    day = models.DateField()  # the day, or the first day of the month
    scope = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    dim = models.CharField(max_length=16, choices=Dim.choices)
    key = models.CharField(max_length=64, blank=True)  # "" for the total
    reported = models.PositiveIntegerField(default=0)  # 上报
    valid = models.PositiveIntegerField(default=0)  # … not rejected or merged (受理)
    closed = models.PositiveIntegerField(default=0)  # 结案
    on_time_closed = models.PositiveIntegerField(default=0)  # … never overdue before closing
    overdue = models.PositiveIntegerField(default=0)  # first overdue (新增超期)
    follow_ups = models.PositiveIntegerField(default=0)  # closed with an answer (有效回访)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("事件统计")
        verbose_name_plural = _("事件统计")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "dim", "grain", "day", "key"], name="tally_unique"
            )
        ]
        indexes = [models.Index(fields=["grain", "day"], name="tally_day")]

    def __str__(self) -> str:
        return f"{self.grain} {self.day} {self.scope_id} {self.dim}={self.key}"


class DepartmentTally(models.Model):
    """A department's assignments (field units' included) on one day or in one month."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    day = models.DateField()
    department = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    assigned = models.PositiveIntegerField(default=0)  # dispatched to it (派单)
    report_ins = models.PositiveIntegerField(default=0)  # 报到
    on_time_report_ins = models.PositiveIntegerField(default=0)
    handled = models.PositiveIntegerField(default=0)  # result submitted (办结反馈)
    on_time_handled = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)  # returns upheld (退回成立)

    class Meta:
        verbose_name = _("部门统计")
        verbose_name_plural = _("部门统计")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "grain", "day"], name="department_tally_unique"
            )
        ]
        indexes = [models.Index(fields=["grain", "day"], name="department_tally_day")]

    def __str__(self) -> str:
        return f"{self.grain} {self.day} {self.department_id}"


class TallyMark(models.Model):
    """How far the rollups have read the trail: the last case event they have counted."""

    name = models.CharField(max_length=32, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"
