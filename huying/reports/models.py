"""Rollups (统计汇总) that keep the dashboards fast as history grows.

A ``Tally`` row counts the cases of one scope (the district, or one street) on one day or in
one month, broken down by one dimension (``dim``: nothing, street, community, grid, catalogue
class, item, source channel) with the group's ``key``. A ``DepartmentTally`` row counts a
department's assignments the same way. Both are caches of what the case tables say: the
worker recomputes every day and month touched since its last run (``TallyMark``), and
``huying tally --rebuild`` recomputes them all; a test holds them equal to the raw counts.
"""

from __future__ import annotations

from django.conf import settings
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


# --- the monthly circular (一月一通报) -----------------------------------------------------------


class CircularState(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("生成失败")


def circular_path(instance: Circular, filename: str) -> str:
    return f"circulars/{instance.year}/{instance.month:02d}/{filename}"


class Circular(models.Model):
    """One issue of the monthly circular (一月一通报) of a district: its document number, the
    figures it was generated from (kept: later ratings do not change a published circular)
    and its Word and PDF files, written by the worker. A month may be issued again; the
    newest circular generated for a month is its current one."""

    district = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("区")
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("年度"))
    month = models.PositiveSmallIntegerField(verbose_name=_("月份"))
    # 文号, e.g. 锦呼应办通〔2026〕11号: numbered per district and year of issue.
    doc_year = models.PositiveSmallIntegerField(verbose_name=_("文号年度"))
    doc_serial = models.PositiveIntegerField(verbose_name=_("文号序号"))
    doc_number = models.CharField(max_length=64, verbose_name=_("文号"))
    state = models.CharField(
        max_length=8, choices=CircularState.choices, default=CircularState.PENDING
    )
    error = models.CharField(max_length=500, blank=True, verbose_name=_("失败原因"))
    # Empty when generated from the command line (huying circular).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    requested_at = models.DateTimeField(verbose_name=_("发起时间"))
    generated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("生成时间"))
    docx = models.FileField(upload_to=circular_path, blank=True)
    pdf = models.FileField(upload_to=circular_path, blank=True)
    figures = models.JSONField(default=dict, blank=True, verbose_name=_("通报数据"))

    class Meta:
        verbose_name = _("月度通报")
        verbose_name_plural = _("月度通报")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "doc_year", "doc_serial"], name="circular_doc_serial"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="circular_month"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "year", "month"], name="circular_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_number} {self.year}-{self.month:02d} {self.state}"

    @property
    def in_progress(self) -> bool:
        return self.state in (CircularState.PENDING, CircularState.RUNNING)
