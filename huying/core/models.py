from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


class WorkdayOverride(models.Model):
    """A day whose status the district decides itself.

    chinese-calendar covers a year only once the State Council announces it (usually in
    November for the next year); until a new release ships, the office enters the year here.
    An override always beats the package.
    """

    date = models.DateField(unique=True, verbose_name=_("日期"))
    is_workday = models.BooleanField(verbose_name=_("是否工作日"))
    note = models.CharField(max_length=100, blank=True, verbose_name=_("说明"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self) -> str:
        kind = (
            pgettext("workday override", "班")
            if self.is_workday
            else pgettext("workday override", "休")
        )
        return f"{self.date} {kind} {self.note}"


class CalendarYear(models.Model):
    """A year of the working-day calendar as the district has it (工作日历).

    A year chinese_calendar does not cover is *known* only once an administrator confirms
    that all of its holidays and make-up workdays are entered (``confirmed_at``); until
    then a working-day deadline reaching into it is refused, never guessed. The row also
    exists, unconfirmed, once any day of the year is entered: the year's change log hangs
    on it.
    """

    year = models.PositiveSmallIntegerField(unique=True, verbose_name=_("年份"))
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("确认时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("确认人"),
    )
    #: Who confirmed, as they were (the user row may be renamed or removed); "" = the system.
    confirmed_by_name = models.CharField(max_length=150, blank=True, verbose_name=_("确认人"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("说明"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Counter(models.Model):
    """Named monotonically increasing counters (case numbers per day)."""

    key = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ApiToken(models.Model):
    """Bearer token for machines. Only a SHA-256 of the secret is stored; it expires, and a
    change of its owner's password revokes it (``huying.org.api_auth``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, verbose_name=_("名称"))
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))
    expires_at = models.DateTimeField(verbose_name=_("过期时间"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("最近使用"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("作废时间"))

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notification(models.Model):
    """An inbox row for a person who must act; delivery backends send it after commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32)
    subject = models.CharField(max_length=64, help_text="e.g. the case number")
    message = models.CharField(max_length=500)
    # What the outgoing templates print beside the message (``core.notify.compose``).
    title = models.CharField(max_length=200, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    url = models.CharField(max_length=300, blank=True)
    # Urgent (an L4 case, an emergency): never held for quiet hours.
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "read_at", "-id"], name="notif_inbox"),
            # The unsent ones, read by the worker's delivery every few seconds and counted by
            # /metrics: a handful among millions of sent ones.
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="notif_unsent"
            ),
        ]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.subject}"


class NotifyChannel(models.TextChoices):
    """The outgoing channels (``core.channels``); in-app is not one: every notification is."""

    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信群")
    DINGTALK = "dingtalk", _("钉钉群")
    FEISHU = "feishu", _("飞书群")


class NotifyCategory(models.TextChoices):
    """The kinds of notification a person picks channels for."""

    TASK = "task", _("待办与流转")
    URGE = "urge", _("催办与督办")
    DUE_SOON = "due_soon", _("即将超期提醒")
    OVERDUE = "overdue", _("超期")
    DIGEST = "digest", _("每日摘要")


class Delivery(models.Model):
    """One notification on one outgoing channel: claimed by compare-and-set, retried with
    exponential backoff, given up (dead) after ``HUYING_NOTIFY_MAX_ATTEMPTS``. A group robot
    carries an event once: its row hangs on the first of the event's notifications."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败待重试")
        DEAD = "dead", _("已放弃")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(max_length=16, choices=NotifyChannel.choices, verbose_name=_("渠道"))
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.PENDING, verbose_name=_("状态")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("尝试次数"))
    next_attempt_at = models.DateTimeField(verbose_name=_("下次尝试"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("最近错误"))
    created_at = models.DateTimeField(verbose_name=_("创建时间"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("发送时间"))

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_delivery_due")]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.state}"


class NotificationPreference(models.Model):
    """A person's own choice for one kind of notification on one channel; without a row,
    the defaults of their roles decide (``org.roles.NOTIFY_DEFAULTS``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("用户"),
    )
    category = models.CharField(
        max_length=16, choices=NotifyCategory.choices, verbose_name=_("通知类别")
    )
    channel = models.CharField(max_length=16, choices=NotifyChannel.choices, verbose_name=_("渠道"))
    enabled = models.BooleanField(verbose_name=_("接收"))

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [
            models.UniqueConstraint(fields=["user", "category", "channel"], name="notify_pref_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.category} {self.channel} {self.enabled}"


class TextNumber(models.Model):
    """A staff member's mobile number for text-message notifications (短信通知), which they
    keep on 通知设置. Not a way in: staff sign in with their password; residents' numbers
    are their sign-in accounts (``org.PhoneAccount``) and need no second copy."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="text_number",
        verbose_name=_("用户"),
    )
    phone = models.CharField(max_length=11, verbose_name=_("接收短信的手机号"))

    class Meta:
        verbose_name = _("短信通知号码")
        verbose_name_plural = _("短信通知号码")

    def __str__(self) -> str:
        return f"{self.user_id} {self.phone[:3]}****{self.phone[-4:]}"


class QuietHours(models.Model):
    """A person's own quiet hours, instead of the site's (``HUYING_QUIET_HOURS``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiet_hours",
        verbose_name=_("用户"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("启用免打扰"))
    start = models.TimeField(verbose_name=_("开始"))
    end = models.TimeField(verbose_name=_("结束"))

    class Meta:
        verbose_name = _("免打扰时段")
        verbose_name_plural = _("免打扰时段")

    def __str__(self) -> str:
        return f"{self.user_id} {self.start}-{self.end}"


class ChangeLog(models.Model):
    """One back-office write (catalogue, organisation): who, when, what, before and after.

    Cases carry their own hash-chained trail; this is the change log for everything around
    them, written by the service that makes the change, in the same transaction.
    """

    at = models.DateTimeField(verbose_name=_("时间"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    #: The acting person and role as they were (the user row may be renamed or removed).
    username = models.CharField(max_length=150, blank=True, verbose_name=_("账号"))
    role = models.CharField(max_length=32, blank=True, verbose_name=_("角色"))
    actor_unit_id = models.BigIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, verbose_name=_("操作"))
    object_type = models.CharField(max_length=64, verbose_name=_("对象类型"))
    object_id = models.CharField(max_length=64, verbose_name=_("对象编号"))
    object_repr = models.CharField(max_length=200, verbose_name=_("对象"))
    before = models.JSONField(null=True, blank=True, verbose_name=_("修改前"))
    after = models.JSONField(null=True, blank=True, verbose_name=_("修改后"))

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        indexes = [
            models.Index(fields=["object_type", "object_id", "-id"], name="changelog_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_repr}"


class StoredFile(models.Model):
    """A checked upload kept under a generated name (``core.files``): what the client called
    it, its type, size and digest. Each owner adds ``file`` with its own ``upload_to`` and is
    read only through its scope-checked view."""

    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
