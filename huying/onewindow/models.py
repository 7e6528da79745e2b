"""一口受理·二级代办 (docs/glossary.md): the residents' service items (低保, 居住证, 老年优待证 …)
and the applications a service station's window accepts for any of them, passed to the back
office department that decides; a cadre may take one at a resident's home (代办)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case, new_track_code
from huying.core.models import StoredFile
from huying.org.models import OrgUnit


class ServiceItem(models.Model):
    """One item of the district's service catalogue (服务事项), edited by the district and
    shown to residents once published."""

    code = models.CharField(max_length=32, unique=True, verbose_name=_("事项编码"))
    name = models.CharField(max_length=100, verbose_name=_("事项名称"))
    conditions = models.TextField(blank=True, verbose_name=_("办理条件"))
    materials = models.JSONField(default=list, verbose_name=_("所需材料"))
    time_limit = models.PositiveSmallIntegerField(verbose_name=_("办理时限（工作日）"))
    fee = models.DecimalField(
        max_digits=8, decimal_places=2, default=0, verbose_name=_("收费（元）")
    )
    department = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="service_items", verbose_name=_("办理部门")
    )
    station_accepts = models.BooleanField(default=True, verbose_name=_("服务站可受理"))
    published = models.BooleanField(default=False, verbose_name=_("已发布"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")

    def __str__(self) -> str:
        return self.name


class ApplicationState(models.TextChoices):
    RECEIVED = "received", _("窗口已受理")
    PASSED = "passed", _("已转后台办理")
    DONE = "done", _("已办结")
    REFUSED = "refused", _("不予办理")


class Application(models.Model):
    """A resident's application for one service item, accepted at a station's window (or at
    home by a cadre: ``proxy_by``) and decided by the item's department."""

    number = models.CharField(max_length=32, unique=True, verbose_name=_("受理编号"))
    # With the phone's last 4 digits it opens the resident's progress page: numbers are
    # predictable (as for cases, ``huying.cases.lookup``).
    track_code = models.CharField(
        max_length=6, default=new_track_code, editable=False, verbose_name=_("查询码")
    )
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="applications", verbose_name=_("事项")
    )
    resident_name = models.CharField(max_length=50, verbose_name=_("申请人"))
    resident_phone = models.CharField(max_length=20, verbose_name=_("联系电话"))
    materials_checked = models.JSONField(default=list, verbose_name=_("已收材料"))
    station = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("受理服务站")
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(verbose_name=_("受理时间"))
    proxy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代办人"),
    )
    proxy_reason = models.CharField(max_length=200, blank=True, verbose_name=_("代办原因"))
    state = models.CharField(
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.RECEIVED,
        verbose_name=_("状态"),
    )
    due_at = models.DateTimeField(verbose_name=_("办结期限"))
    reason = models.TextField(blank=True, verbose_name=_("不予办理理由"))
    #: 全岗位通: accepted by someone without a valid qualification for the item because no
    #: one qualified was on duty at the station that day (allowed, and shown).
    unqualified = models.BooleanField(default=False, verbose_name=_("无资格人员受理"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        verbose_name = _("服务申请")
        verbose_name_plural = _("服务申请")
        indexes = [models.Index(fields=["station", "state"], name="onewindow_app_station")]

    def __str__(self) -> str:
        return self.number


def photo_path(instance: ApplicationPhoto, filename: str) -> str:
    """``filename`` is generated (``<uuid>.<ext>``): the client's name is only data."""
    return f"onewindow/{instance.application_id}/{filename}"


class ApplicationPhoto(StoredFile):
    """A photo (or PDF) of a resident's document, read only through the scope-checked view."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path)


class StepAction(models.TextChoices):
    ACCEPT = "accept", _("窗口受理")
    PROXY_TAKE = "proxy_take", _("上门代办受理")
    HANDOVER = "handover", _("代办交接")
    PASS = "pass", _("转后台办理")
    DONE = "done", _("办结")
    REFUSE = "refuse", _("不予办理")


class ApplicationStep(models.Model):
    """The application's trail, hash-chained like a case's (``huying.core.audit``): who did
    what when, and the proxy's hand-over points (交接点)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=StepAction.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    hash_version = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["application", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["application", "seq"], name="onewindow_step_seq")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.seq} {self.action}"


class Qualification(models.Model):
    """全岗位通: a station's staff member passed the test for one service item on a day, so
    the window knows who can handle it; a retest moves the day."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_qualifications"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="qualifications")
    passed_on = models.DateField(verbose_name=_("通过测试日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["person", "item__code"]
        verbose_name = _("事项资格")
        verbose_name_plural = _("事项资格")
        constraints = [
            models.UniqueConstraint(fields=["person", "item"], name="onewindow_qualification_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.item_id}"


class CallOutcome(models.TextChoices):
    APPLICATION = "application", _("转服务申请")
    CASE = "case", _("转问题件")


class ElderCall(models.Model):
    """A 12349 为老便民热线 call taken by a station's operator: who called, whether the caller
    is elderly or disabled and what they want; it becomes a service application (二级代办
    for the elderly or disabled) or a case (source 12349)."""

    station = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("受理服务站")
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(verbose_name=_("来电时间"))
    caller_name = models.CharField(max_length=50, verbose_name=_("来电人"))
    caller_phone = models.CharField(max_length=20, verbose_name=_("来电号码"))
    elderly = models.BooleanField(default=False, verbose_name=_("老年人"))
    disabled = models.BooleanField(default=False, verbose_name=_("残疾人"))
    request = models.TextField(verbose_name=_("诉求"))
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices, verbose_name=_("去向"))
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="call"
    )
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="elder_call"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("12349来电")
        verbose_name_plural = _("12349来电")
        indexes = [models.Index(fields=["station", "received_at"], name="onewindow_call_station")]

    def __str__(self) -> str:
        return f"{self.caller_name} {self.received_at:%Y-%m-%d %H:%M}"


class DutyShift(models.Model):
    """A station's duty roster (值班表): this staff member is on duty at the station's
    windows on this day. A day with no one rostered counts all the station's staff."""

    station = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("服务站")
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(verbose_name=_("值班日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["station", "day", "person"]
        verbose_name = _("值班")
        verbose_name_plural = _("值班表")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "person", "day"], name="onewindow_shift_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day} {self.person_id}"
