"""会商与联合执法 (docs/glossary.md §10): joint operations by the stationed units (一联合) and
the street's and district's review meetings (周例会、月度会、季联席会) that decide cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case
from huying.core.models import StoredFile
from huying.org.models import OrgUnit


class JointOperation(models.Model):
    """一联合: the stationed enforcement units acting together on one typical problem."""

    organiser = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="joint_operations",
        verbose_name=_("组织单位"),
    )
    title = models.CharField(max_length=200, verbose_name=_("行动名称"))
    problem = models.TextField(verbose_name=_("针对问题"))
    held_on = models.DateField(verbose_name=_("行动日期"))
    place = models.CharField(max_length=200, verbose_name=_("地点"))
    lat = models.FloatField(null=True, blank=True)  # WGS-84
    lng = models.FloatField(null=True, blank=True)
    units = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("参与单位"))
    participants = models.TextField(blank=True, verbose_name=_("参与人员"))
    results = models.TextField(blank=True, verbose_name=_("行动结果"))
    cases = models.ManyToManyField(
        Case, related_name="joint_operations", verbose_name=_("关联事件")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("联合执法")
        verbose_name_plural = _("联合执法")

    def __str__(self) -> str:
        return self.title


def photo_path(instance: OperationPhoto, filename: str) -> str:
    """``filename`` is generated (``<uuid>.<ext>``): the client's name is only data."""
    return f"coordination/{instance.operation_id}/{filename}"


class OperationPhoto(StoredFile):
    """A photo (or PDF) of a joint operation, read only through the scope-checked view."""

    operation = models.ForeignKey(JointOperation, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path)


class MeetingKind(models.TextChoices):
    WEEKLY = "weekly", _("周例会")
    MONTHLY = "monthly", _("月度会")
    QUARTERLY = "quarterly", _("季联席会")


class Meeting(models.Model):
    """One review meeting of a street (weekly, monthly) or of the district (quarterly), held
    by ``organiser``: its agenda, its attendees and the decisions it took."""

    kind = models.CharField(max_length=16, choices=MeetingKind.choices, verbose_name=_("会议类型"))
    organiser = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("组织单位")
    )
    held_on = models.DateField(verbose_name=_("会议日期"))
    place = models.CharField(max_length=200, blank=True, verbose_name=_("地点"))
    chair = models.CharField(max_length=100, blank=True, verbose_name=_("主持人"))
    attendees = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("参会单位"))
    attendee_names = models.TextField(blank=True, verbose_name=_("参会人员"))
    summary = models.TextField(blank=True, verbose_name=_("会议纪要"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return f"{self.organiser.name}{MeetingKind(self.kind).label}（{self.held_on:%Y-%m-%d}）"


class AgendaKind(models.TextChoices):
    OVERDUE = "overdue", _("超期事件")
    RETURNED = "returned", _("退回事件")
    DISPUTED = "disputed", _("评议申诉")
    MAJOR = "major", _("L3/L4 事件")
    RECURRING = "recurring", _("反复发生的问题")
    LOW_SCORE = "low_score", _("考评得分偏低的部门")
    FOLLOW_UP = "follow_up", _("上次会议决定的跟进")
    FREE = "free", _("其他议题")


class AgendaItem(models.Model):
    """One item of a meeting's agenda: drafted from the data or written by the organiser."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=AgendaKind.choices)
    text = models.CharField(max_length=300)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class DecisionKind(models.TextChoices):
    ASSIGN = "assign", _("指定主办、协办")
    DEADLINE = "deadline", _("限期办结")
    ESCALATE = "escalate", _("上报上一级")
    UNSOLVABLE = "unsolvable", _("挂账（暂无法解决）")


class Decision(models.Model):
    """A meeting's decision on one case, carried out through the case services when taken;
    open while its case is (listed for follow-up at the next meeting of the same kind)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="meeting_decisions")
    kind = models.CharField(max_length=16, choices=DecisionKind.choices)
    lead = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    co_handlers = models.ManyToManyField(OrgUnit, blank=True, related_name="+")
    deadline = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.kind} {self.case_id}"
