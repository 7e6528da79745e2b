"""12345 tickets (工单) as they came in, each tied to the case it became."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case


class HotlineTicket(models.Model):
    """One 12345 ticket. The ticket number is the key that keeps a re-import from creating
    a case twice; the row as last imported is kept whole, so an update is visible. The
    platform's deadline stays here: the case's own clock (``Case.due_at``) is the
    lifecycle's, set when the case is dispatched."""

    number = models.CharField(max_length=64, unique=True, verbose_name=_("工单编号"))
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="hotline_ticket", verbose_name=_("问题")
    )
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("受理时间"))
    due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("办理时限"))
    raw = models.JSONField(default=dict, verbose_name=_("原始数据"))
    # 诉求类型 and 紧急程度 as the platform wrote them; ``urgent`` when the latter says so
    # (紧急, 特急…): the hub's queue marks such cases, triage decides their level. Database
    # defaults, so that rows written in bulk by raw SQL get them too.
    kind = models.CharField(
        max_length=50, blank=True, default="", db_default="", verbose_name=_("诉求类型")
    )
    urgency = models.CharField(
        max_length=20, blank=True, default="", db_default="", verbose_name=_("紧急程度")
    )
    urgent = models.BooleanField(default=False, db_default=False, verbose_name=_("紧急"))
    first_imported_at = models.DateTimeField(verbose_name=_("首次导入时间"))
    last_imported_at = models.DateTimeField(verbose_name=_("最近导入时间"))

    class Meta:
        verbose_name = _("12345工单")
        verbose_name_plural = _("12345工单")

    def __str__(self) -> str:
        return self.number


class HotlineSource(models.Model):
    """A 12345 platform (or one of its export formats) the district takes tickets from, with
    its saved column mapping: the export's header → the field the import reads. A source
    without a mapping reads the common export's headers (``importing.DEFAULT_MAPPING``)."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("名称"))
    code = models.SlugField(max_length=32, unique=True, verbose_name=_("编码"))
    mapping = models.JSONField(default=dict, blank=True, verbose_name=_("列对应"))
    notes = models.TextField(blank=True, verbose_name=_("说明"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("更新时间"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("12345工单来源")
        verbose_name_plural = _("12345工单来源")

    def __str__(self) -> str:
        return self.name


class ImportState(models.TextChoices):
    CHECKED = "checked", _("待确认")
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


def upload_path(instance: HotlineImport, filename: str) -> str:
    return f"hotline/{instance.requested_by_id}/{filename}"


class HotlineImport(models.Model):
    """One uploaded 12345 export: checked (dry run) when uploaded, imported by the worker once
    confirmed. The file is kept in storage until the job has read it; the counts, the error
    report and the cases it created stay for the list of past imports."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    grant = models.ForeignKey(
        "org.RoleGrant", on_delete=models.PROTECT, related_name="+", verbose_name=_("角色授予")
    )
    source = models.ForeignKey(
        HotlineSource,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
        verbose_name=_("来源"),
    )
    mapping = models.JSONField(default=dict, verbose_name=_("所用列对应"))
    file = models.FileField(upload_to=upload_path, blank=True)
    file_name = models.CharField(max_length=200, verbose_name=_("文件名"))
    state = models.CharField(max_length=8, choices=ImportState.choices, default=ImportState.CHECKED)
    #: the dry run's counts at upload, then the import's own (create/update/unchanged/error)
    counts = models.JSONField(default=dict, verbose_name=_("计数"))
    total = models.PositiveIntegerField(default=0, verbose_name=_("总行数"))
    done = models.PositiveIntegerField(default=0, verbose_name=_("已处理行数"))
    report = models.FileField(upload_to=upload_path, blank=True)
    created_cases = models.JSONField(default=list, verbose_name=_("新建的事件"))
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(verbose_name=_("上传时间"))
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("确认时间"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("完成时间"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("12345工单导入")
        verbose_name_plural = _("12345工单导入")

    def __str__(self) -> str:
        return f"import {self.pk} {self.file_name} {self.state}"

    @property
    def running(self) -> bool:
        return self.state in (ImportState.PENDING, ImportState.RUNNING)
