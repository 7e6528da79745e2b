"""社区工作准入 (防摊派): the district's four lists of what a community committee does by law,
what it assists the government with, which certificates it no longer issues and which other
affairs were admitted into communities (社区事务准入清单); the departments' applications to change them; and the community tasks that must cite them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.core.models import StoredFile
from huying.org.models import OrgUnit


class ListKind(models.TextChoices):
    DUTY = "duty", _("依法履职事项清单")
    ASSIST = "assist", _("依法协助党委政府工作事项清单")
    CERTIFICATE = "certificate", _("不应由社区出具证明事项清单")
    #: 社区事务准入清单: affairs beyond the two statutory lists (创建、评比、挂牌、机构设立、
    #: 专项调查 …) that the district admitted into communities through the procedure, each
    #: with its department, funding and staff like assisting work.
    ADMISSION = "admission", _("社区事务准入清单")


#: The kinds a community task may cite (a certificate is not work to be sent down).
TASK_KINDS = (ListKind.DUTY, ListKind.ASSIST, ListKind.ADMISSION)
#: The kinds whose items bring funding and staff with them (权随责走、费随事转).
FUNDED_KINDS = (ListKind.ASSIST, ListKind.ADMISSION)


class AccessList(models.Model):
    """One version of one of the four lists: a draft (never published) takes the approved
    items; publishing makes it the kind's one current version."""

    kind = models.CharField(max_length=16, choices=ListKind.choices, verbose_name=_("清单"))
    version = models.PositiveIntegerField(verbose_name=_("版本"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("发布时间"))
    is_current = models.BooleanField(default=False, verbose_name=_("现行版本"))

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("准入清单")
        verbose_name_plural = _("准入清单")
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="access_list_version"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(is_current=True),
                name="access_list_one_current",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(published_at__isnull=True),
                name="access_list_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{ListKind(self.kind).label} v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.published_at is None


class AccessItem(models.Model):
    """An item of one version; a new version copies the items it keeps (tasks cite the item
    of the version that was current when they were sent)."""

    access_list = models.ForeignKey(AccessList, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=16, verbose_name=_("编码"))
    title = models.CharField(max_length=200, verbose_name=_("事项名称"))
    legal_basis = models.TextField(verbose_name=_("法律依据"))
    department = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    #: 依法协助 and 社区事务准入 only (权随责走、费随事转): what comes with the work.
    funding = models.CharField(max_length=200, blank=True, verbose_name=_("随事经费"))
    staffing = models.CharField(max_length=200, blank=True, verbose_name=_("随事人员"))
    #: 不应出具的证明 only: where the resident goes instead (替代办法).
    alternative = models.TextField(blank=True, verbose_name=_("替代办法"))
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["access_list", "order", "code"]
        verbose_name = _("准入事项")
        verbose_name_plural = _("准入事项")
        constraints = [
            models.UniqueConstraint(fields=["access_list", "code"], name="access_item_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ApplicationAction(models.TextChoices):
    ADD = "add", _("申请纳入")
    WITHDRAW = "withdraw", _("申请退出")


class ApplicationState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已核准")
    REFUSED = "refused", _("不予核准")


class Application(models.Model):
    """A department's application to add an item to a list (with its legal basis) or to
    withdraw one (退出); the hub approves it into the kind's draft or refuses it."""

    kind = models.CharField(max_length=16, choices=ListKind.choices, verbose_name=_("清单"))
    action = models.CharField(
        max_length=16, choices=ApplicationAction.choices, verbose_name=_("申请类型")
    )
    department = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请部门")
    )
    code = models.CharField(max_length=16, blank=True, verbose_name=_("编码"))
    title = models.CharField(max_length=200, verbose_name=_("事项名称"))
    legal_basis = models.TextField(blank=True, verbose_name=_("法律依据"))
    funding = models.CharField(max_length=200, blank=True, verbose_name=_("随事经费"))
    staffing = models.CharField(max_length=200, blank=True, verbose_name=_("随事人员"))
    alternative = models.TextField(blank=True, verbose_name=_("替代办法"))
    reason = models.TextField(blank=True, verbose_name=_("退出理由"))
    state = models.CharField(
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.PENDING,
        verbose_name=_("状态"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, verbose_name=_("审核意见"))
    #: The draft the approved change went into.
    draft = models.ForeignKey(
        AccessList, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("准入申请")
        verbose_name_plural = _("准入申请")

    def __str__(self) -> str:
        return f"{ApplicationAction(self.action).label}：{self.title}"


class TaskState(models.TextChoices):
    DELIVERED = "delivered", _("已送达")
    REFUSED = "refused", _("门口拒收")
    #: The hub upheld the community's flag: the task was 摊派, withdrawn from the community.
    WITHDRAWN = "withdrawn", _("认定摊派，已撤回")


class FlagOutcome(models.TextChoices):
    """The hub's finding on a community's flag (blank while it waits)."""

    UPHELD = "upheld", _("认定摊派")
    REJECTED = "rejected", _("不予认定")


class CommunityTask(models.Model):
    """Work a department or a street sends to a community committee. It passes the gate only
    citing an item of a current DUTY, ASSIST or ADMISSION list; otherwise it is kept as refused, with the
    reason, and counted against its sender."""

    sender = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("派发单位")
    )
    recipient = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("接收社区")
    )
    title = models.CharField(max_length=200, verbose_name=_("任务名称"))
    basis = models.TextField(verbose_name=_("任务依据"))
    item = models.ForeignKey(
        AccessItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("清单事项"),
    )
    deadline = models.DateField(null=True, blank=True, verbose_name=_("完成期限"))
    state = models.CharField(max_length=16, choices=TaskState.choices, verbose_name=_("状态"))
    refusal_reason = models.CharField(max_length=300, blank=True, verbose_name=_("拒收原因"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    flagged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("标记时间"))
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    flag_reason = models.TextField(blank=True, verbose_name=_("标记理由"))
    flag_outcome = models.CharField(
        max_length=16, choices=FlagOutcome.choices, blank=True, verbose_name=_("核查结论")
    )
    flag_resolution = models.TextField(blank=True, verbose_name=_("核查意见"))
    flag_resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("核查时间"))
    flag_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("社区任务")
        verbose_name_plural = _("社区任务")
        indexes = [models.Index(fields=["sender", "created_at"], name="access_task_sender")]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance: TaskAttachment, filename: str) -> str:
    """``filename`` is generated (``<uuid>.<ext>``): the client's name is only data."""
    return f"access/{instance.task_id}/{filename}"


class TaskAttachment(StoredFile):
    """A file sent with a delivered task, read only through the scope-checked view."""

    task = models.ForeignKey(CommunityTask, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
