from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    """One node of the organisation tree.

    The territorial tree District → Street → Community → Grid and the response side
    (hub, Departments and their field units) share one table, so that "a role placed at a
    node sees that node and everything below it" is a single prefix match on ``path``.
    Districts are the roots: each is a tenant, and ``path``'s first id names the district a
    node belongs to. A city node (市) is a root of its own with no children: the roles placed
    at it read across every district of the installation.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区")
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")
        GRID = "grid", _("网格")
        HUB = "hub", _("呼应办")
        DEPARTMENT = "department", _("区级部门")
        FIELD_UNIT = "field_unit", _("派驻机构")

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("类型"))
    code = models.CharField(max_length=32, unique=True, verbose_name=_("编码"))
    name = models.CharField(max_length=100, verbose_name=_("名称"))
    abbr = models.CharField(
        max_length=8,
        blank=True,
        verbose_name=_("简称代码"),
        help_text=_("区的字母代码，用作事件编号前缀，如 JJ"),
    )
    subtype = models.CharField(
        max_length=16, blank=True, verbose_name=_("细类"), help_text=_("如 街道/乡镇、社区/村")
    )
    # "/1/7/42/": ids from the root; a subtree is path__startswith.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True, verbose_name=_("启用"))
    # Grid geometry: GeoJSON polygon (WGS-84) and its bounding box for a cheap pre-filter.
    boundary = models.JSONField(null=True, blank=True, verbose_name=_("边界"))
    min_lng = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lng = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True, verbose_name=_("联系电话"))
    # A field unit's streets (派驻街道): it works there and answers to them; its people are
    # the enforcement officers who may accompany those streets' patrols (三陪同).
    stationed_in = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="stationed_units",
        limit_choices_to={"kind": "street"},
        verbose_name=_("派驻街道"),
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("组织节点")
        verbose_name_plural = _("组织节点")
        indexes = [
            models.Index(
                fields=["kind", "min_lng", "max_lng", "min_lat", "max_lat"], name="org_grid_bbox"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def contains(self, other: OrgUnit) -> bool:
        return other.path.startswith(self.path)

    @property
    def district_id(self) -> int | None:
        """The district (tenant) this node belongs to: the first id of its path; None for the
        city node, which belongs to none."""
        if self.kind == OrgUnit.Kind.CITY or not self.path.strip("/"):
            return None
        return int(self.path.strip("/").split("/")[0])


class Role(models.TextChoices):
    GRID_INFORMANT = "grid_informant", _("网格信息员")
    GRID_WORKER = "grid_worker", _("网格员")
    GRID_LEADER = "grid_leader", _("网格长")
    GRID_CENTRE = "grid_centre", _("街道网格中心")
    STREET_CHIEF = "street_chief", _("街长")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    STREET_CALLER = "street_caller", _("街道呼叫员")
    STREET_LEADER = "street_leader", _("街道领导")
    HUB_DISPATCHER = "hub_dispatcher", _("呼应办调度员")
    HUB_SUPERVISOR = "hub_supervisor", _("呼应办督办员")
    DEPT_HANDLER = "dept_handler", _("部门承办人")
    DEPT_LEADER = "dept_leader", _("部门领导")
    DISTRICT_LEADER = "district_leader", _("区领导")
    RESIDENT = "resident", _("居民")
    ADMIN = "admin", _("管理员")


class DataScope(models.TextChoices):
    """RuoYi-style data scopes."""

    #: Everything of the actor's district (a city node's roles: of every district).
    ALL = "all", _("全部数据")
    NODE_AND_BELOW = "subtree", _("本级及以下")
    NODE_ONLY = "node", _("仅本级")
    SELF = "self", _("仅本人")


class RoleGrant(models.Model):
    """A person holding a role at a node. A person may hold several; they act as one at a time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(max_length=32, choices=Role.choices, verbose_name=_("角色"))
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="grants", verbose_name=_("所在节点")
    )
    scope = models.CharField(
        max_length=16,
        choices=DataScope.choices,
        blank=True,
        verbose_name=_("数据范围"),
        help_text=_("留空则按角色默认"),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="org_grant_unique"),
            # 网格信息员: one grid per person, suspended or not (``huying.org.informants``).
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(role="grid_informant"),
                name="org_informant_one_grid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()}@{self.unit}"


class Throttle(models.Model):
    """Failures counted against one key (an account, an IP address, a case number) and the
    lock they led to; see ``huying.org.throttle``."""

    scope = models.CharField(max_length=16, verbose_name=_("类别"))
    key = models.CharField(max_length=150, verbose_name=_("对象"))
    failures = models.PositiveIntegerField(default=0, verbose_name=_("失败次数"))
    window_start = models.DateTimeField(verbose_name=_("计数开始"))
    last_failure_at = models.DateTimeField(null=True, blank=True, verbose_name=_("最近失败"))
    locked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("锁定至"))

    class Meta:
        verbose_name = _("失败计数与锁定")
        verbose_name_plural = _("失败计数与锁定")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="throttle_scope_key"),
        ]
        indexes = [models.Index(fields=["locked_until"], name="throttle_locked")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class SignIn(models.Model):
    """登录日志: every sign-in attempt on the login page, whatever its outcome."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")
        LOCKED = "locked", _("已锁定")

    at = models.DateTimeField(verbose_name=_("时间"))
    username = models.CharField(max_length=150, verbose_name=_("用户名"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("账号"),
    )
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP 地址"))
    user_agent = models.CharField(max_length=300, blank=True, verbose_name=_("浏览器"))
    result = models.CharField(max_length=8, choices=Result.choices, verbose_name=_("结果"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("说明"))

    class Meta:
        verbose_name = _("登录日志")
        verbose_name_plural = _("登录日志")
        indexes = [
            models.Index(fields=["-at"], name="signin_at"),
            models.Index(fields=["username", "-at"], name="signin_username"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.result}"


class PhoneAccount(models.Model):
    """A resident known by a mobile number they proved with a text-message code: no password,
    no user name to remember (``huying.org.phone_signin``). Only residents (informants among
    them, enrolled by number: ``huying.org.informants``) have one, so a code can never open a
    staff account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_account"
    )
    phone = models.CharField(max_length=11, unique=True, verbose_name=_("手机号"))
    created_at = models.DateTimeField(verbose_name=_("创建时间"))

    class Meta:
        verbose_name = _("居民手机账号")
        verbose_name_plural = _("居民手机账号")

    def __str__(self) -> str:
        return self.phone


class PhoneCode(models.Model):
    """One text-message code sent to a number: only its keyed digest is kept, it holds for a
    few minutes, survives a few wrong guesses and opens one sign-in."""

    phone = models.CharField(max_length=11)
    digest = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "-created_at"], name="phonecode_phone"),
            models.Index(fields=["ip", "-created_at"], name="phonecode_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"
