from __future__ import annotations

import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.catalogue.models import CatalogueItem, Level, LimitUnit
from huying.org.models import OrgUnit


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("待研判")
    #: An informant's or street chief's report, first with the grid worker (上报先到网格员).
    AT_GRID = "at_grid", _("待网格员处理")
    TRIAGED = "triaged", _("待派单")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")
    SPLIT = "split", _("已拆分")
    SELF_HANDLING = "self_handling", _("自行处置中")
    IN_PROGRESS = "in_progress", _("部门处置中")
    SUSPENDED = "suspended", _("挂账")
    VERIFYING = "verifying", _("待核查")
    FOLLOW_UP = "follow_up", _("待回访")
    CLOSED = "closed", _("已结案")
    ARCHIVED = "archived", _("已备案")


class AssignmentState(models.TextChoices):
    AWAITING_REPORT_IN = "awaiting_report_in", _("待报到")
    REPORTED_IN = "reported_in", _("已报到")
    HANDLING = "handling", _("办理中")
    RETURN_REQUESTED = "return_requested", _("申请退回")
    RESULT_SUBMITTED = "result_submitted", _("已反馈")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")


class Source(models.TextChoices):
    RESIDENT = "resident", _("居民上报")
    HOTLINE = "hotline_12345", _("12345热线")
    #: 12349 为老便民热线: an elderly resident's call taken at a service station (一口受理).
    ELDER_HOTLINE = "hotline_12349", _("12349为老热线")
    GRID_PATROL = "grid_patrol", _("网格巡查")
    STREET_CHIEF = "street_chief", _("街长上报")
    INFORMANT = "informant", _("网格信息员")
    LEADER = "leader", _("领导交办")
    MEDIA = "media", _("媒体曝光")
    INSPECTION = "inspection", _("督查检查")
    API = "api", _("接口/Open311")


class Route(models.TextChoices):
    SELF = "self", _("自行处置")
    CALL = "call", _("对口呼叫")
    HUB = "hub", _("呼应办派单")
    LEADER = "leader", _("区领导逆向派单")


class Tier(models.TextChoices):
    """Who holds a self-handled case: 小事不出网格, 大事不出社区, 重大事情不出街道."""

    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    HUB = "hub", _("呼应办")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


class Clock(models.Model):
    """A deadline: when it falls due, when it counts as due soon, and its pause state.

    Abstract so that cases and assignments carry their own stored, indexed columns.
    """

    due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("时限"))
    warn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("预警时间"))
    clock_unit = models.CharField(max_length=16, choices=LimitUnit.choices, blank=True)
    paused_remaining = models.PositiveIntegerField(
        null=True, blank=True, help_text="minutes of the clock's own kind left when paused"
    )
    overdue = models.BooleanField(default=False, verbose_name=_("曾超期"))
    # The due_at / warn_at values the deadline sweep has already acted on: a sweep is a
    # compare-and-set against these, so several workers never act twice on one deadline.
    swept_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    warned_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


#: 查询码 letters: no 0/O, 1/I/L, so that a code read aloud or off a receipt is typed right.
TRACK_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACK_CODE_LENGTH = 6


def new_track_code() -> str:
    """A case's 查询码: random, not derived from anything guessable (31⁶ ≈ 8.9 × 10⁸)."""
    return "".join(secrets.choice(TRACK_CODE_ALPHABET) for _ in range(TRACK_CODE_LENGTH))


def new_track_codes(count: int) -> list[str]:
    """``count`` 查询码 as ``new_track_code`` makes them, from one draw of random bytes (a
    bulk import makes a million): a byte below 248 = 8 × 31 picks a letter evenly."""
    letters, bar = TRACK_CODE_ALPHABET, 256 - 256 % len(TRACK_CODE_ALPHABET)
    picked: list[str] = []
    want = count * TRACK_CODE_LENGTH
    while len(picked) < want:
        picked += [letters[b % len(letters)] for b in secrets.token_bytes(want) if b < bar]
    text = "".join(picked[:want])
    return [text[i : i + TRACK_CODE_LENGTH] for i in range(0, want, TRACK_CODE_LENGTH)]


class Case(Clock):
    number = models.CharField(max_length=32, unique=True, verbose_name=_("编号"))
    # Printed on the reporter's receipt: with the phone's last 4 digits it opens the public
    # progress page (/m/track); the number alone is predictable.
    track_code = models.CharField(
        max_length=TRACK_CODE_LENGTH,
        default=new_track_code,
        editable=False,
        verbose_name=_("查询码"),
    )
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("来源"))
    title = models.CharField(max_length=200, verbose_name=_("标题"))
    description = models.TextField(blank=True, verbose_name=_("描述"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        db_index=False,  # case_reporter leads with it
    )
    reporter_name = models.CharField(max_length=50, blank=True, verbose_name=_("反映人"))
    reporter_phone = models.CharField(max_length=32, blank=True, verbose_name=_("联系电话"))
    # WGS-84 as reported by a phone's GPS; converted for GCJ-02 maps only when drawn.
    lat = models.FloatField(null=True, blank=True, verbose_name=_("纬度(WGS-84)"))
    lng = models.FloatField(null=True, blank=True, verbose_name=_("经度(WGS-84)"))
    address = models.CharField(max_length=200, blank=True, verbose_name=_("地址"))
    district = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # case_street_state leads with it
    )
    community = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Path of the smallest territorial node known (grid, else community, street, district).
    territory_path = models.CharField(max_length=255)
    item = models.ForeignKey(
        CatalogueItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("事项"),
        db_index=False,  # case_item leads with it
    )
    level = models.PositiveSmallIntegerField(
        choices=Level.choices, null=True, blank=True, verbose_name=_("等级")
    )
    state = models.CharField(max_length=16, choices=CaseState.choices, default=CaseState.SUBMITTED)
    route = models.CharField(max_length=8, choices=Route.choices, blank=True)
    tier = models.CharField(
        max_length=12, choices=Tier.choices, blank=True, verbose_name=_("处置层级")
    )
    master = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        db_index=False,  # see the partial index in Meta
        verbose_name=_("合并至"),
    )
    split_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="splits",
        db_index=False,  # see the partial index in Meta
    )
    # 系统性问题: the case the hub opened for a problem that keeps coming back (反复发生预警);
    # each recurring case points at it (huying.cases.services.systemic).
    systemic = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="systemic_children",
        db_index=False,  # see the partial index in Meta
        verbose_name=_("系统性问题"),
    )
    suspended_from = models.CharField(max_length=16, blank=True)
    urge_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("催办次数"))
    supervised = models.BooleanField(default=False, verbose_name=_("督办"))
    rework_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("返工次数"))
    reopen_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("重启次数"))
    satisfaction = models.CharField(max_length=16, choices=Satisfaction.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    trail_head = models.CharField(max_length=64, blank=True)
    # A key the reporting client makes (a phone's offline queue): the same report sent twice
    # is one case. Unique among non-empty keys.
    submission_key = models.CharField(max_length=64, blank=True, editable=False)
    reported_at = models.DateTimeField(verbose_name=_("上报时间"))
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("结案时间"))
    # When one of its clocks first ran out (the first event that set ``overdue``): indicators
    # and rollups read "overdue by T" from this column instead of searching the trail.
    first_overdue_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("首次超期时间")
    )

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        indexes = [
            models.Index(fields=["state", "-id"], name="case_state"),
            # Scopes are prefix matches (``territory_path LIKE '/1/2/%'``): on PostgreSQL only a
            # pattern-ops index serves them under a non-C collation (the plain b-tree was never
            # used; an empty grid's first page read the whole table: 15 s at 10 M cases).
            models.Index(
                fields=["territory_path"],
                name="case_territory_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            # The open cases (2 % of ten million) by state and scope, with what the role
            # homes' queues, counts and clocks test: index-only reads of the few open cases
            # instead of a scope's whole history (a street's 待核查 count: 1 s → 6 ms at 10 M).
            # Ended states listed, not open ones, so that a new open state is covered.
            models.Index(
                fields=["state", "territory_path"],
                name="case_open_scope",
                opclasses=["varchar_ops", "varchar_pattern_ops"],
                include=[
                    "id",
                    "district_id",
                    "level",
                    "supervised",
                    "due_at",
                    "warn_at",
                    "paused_remaining",
                ],
                condition=~models.Q(
                    state__in=["closed", "archived", "rejected", "merged", "split"]
                ),
            ),
            # The district leader's 重难点 and 督办中 queues, newest first: 23 000 and a few of
            # the 210 000 open cases at ten million, which the open cases' index could only
            # filter from all of them (60–90 ms a statement). With the state included, since
            # the queries' "state IN (the open states)" is tested again on each entry.
            models.Index(
                fields=["district", "-id"],
                name="case_open_major",
                include=["state"],
                condition=models.Q(level=Level.MAJOR)
                & ~models.Q(state__in=["closed", "archived", "rejected", "merged", "split"]),
            ),
            models.Index(
                fields=["district", "-id"],
                name="case_open_supervised",
                include=["state"],
                condition=models.Q(supervised=True)
                & ~models.Q(state__in=["closed", "archived", "rejected", "merged", "split"]),
            ),
            # The cases waiting for triage (待研判: 16 700 at ten million), with what decides
            # whose queue they are in (``queues.streets_triage`` / ``hub_triages``): the hub's
            # and a street's 待研判 read them from here instead of their rows (90–125 ms).
            models.Index(
                fields=["territory_path"],
                name="case_waiting_triage",
                opclasses=["varchar_pattern_ops"],
                include=["id", "district_id", "street_id", "source", "reported_at"],
                condition=models.Q(state="submitted"),
            ),
            models.Index(fields=["street", "state", "-id"], name="case_street_state"),
            models.Index(fields=["level", "-id"], name="case_level"),
            models.Index(fields=["item", "-id"], name="case_item"),
            models.Index(fields=["reporter", "-id"], name="case_reporter"),
            models.Index(fields=["reported_at"], name="case_reported_at"),
            models.Index(fields=["closed_at"], name="case_closed_at"),
            models.Index(fields=["first_overdue_at"], name="case_first_overdue_at"),
            # The cases ever overdue (5 % at ten million) by when they closed: the closure
            # indicator's "overdue by the end of P and not closed by it" (``closed_at`` empty
            # or not before the end) is a small range of it, not every case ever overdue
            # (``first_overdue_at`` in the key, so that no second index is ANDed in).
            models.Index(
                fields=["closed_at", "first_overdue_at"],
                name="case_overdue_closed_at",
                condition=models.Q(first_overdue_at__isnull=False),
            ),
            models.Index(
                fields=["due_at"],
                name="case_due",
                condition=models.Q(due_at__isnull=False, paused_remaining__isnull=True),
            ),
            # Few cases are merged, split or tied to a systemic problem: the NULLs (nearly
            # every row, each new case) stay out of these indexes. A lookup by value (the
            # related managers, the foreign keys' checks) is served all the same.
            models.Index(
                fields=["master"], name="case_master", condition=models.Q(master__isnull=False)
            ),
            models.Index(
                fields=["split_from"],
                name="case_split_from",
                condition=models.Q(split_from__isnull=False),
            ),
            models.Index(
                fields=["systemic"],
                name="case_systemic",
                condition=models.Q(systemic__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_key"],
                name="case_submission_key",
                condition=~models.Q(submission_key=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Assignment(Clock):
    """A case dispatched to one department (lead 主办 or co-handler 协办)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="assignments")
    department_path = models.CharField(max_length=255)
    role = models.CharField(max_length=8, choices=AssignmentRole.choices)
    route = models.CharField(max_length=8, choices=Route.choices)
    caller = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="calls_made",
        help_text="the street, hub or district that called",
    )
    state = models.CharField(max_length=20, choices=AssignmentState.choices)
    version = models.PositiveIntegerField(default=1)
    dispatched_at = models.DateTimeField()
    report_in_due_at = models.DateTimeField(verbose_name=_("报到时限"))
    reported_in_at = models.DateTimeField(null=True, blank=True)
    handle_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("办理时限"))
    result_at = models.DateTimeField(null=True, blank=True)
    result_text = models.TextField(blank=True)
    return_reason = models.CharField(max_length=500, blank=True)
    return_upheld = models.BooleanField(null=True, blank=True)
    return_from = models.CharField(max_length=20, blank=True)
    extension_requested_until = models.DateTimeField(null=True, blank=True)
    extension_reason = models.CharField(max_length=500, blank=True)
    extension_count = models.PositiveSmallIntegerField(default=0)
    urge_count = models.PositiveSmallIntegerField(default=0)
    supervised = models.BooleanField(default=False)
    rework_count = models.PositiveSmallIntegerField(default=0)
    # The case's reopen_count at dispatch: a reopened case is handled in a new round, and
    # only the current round's assignments decide when it is ready for verification.
    round = models.PositiveSmallIntegerField(default=0, verbose_name=_("轮次"))

    class Meta:
        verbose_name = _("派单")
        verbose_name_plural = _("派单")
        indexes = [
            models.Index(fields=["department_path", "state"], name="asg_department"),
            # The live assignments (what the department homes' queues hold: 1.4 % of 1.5 M at
            # ten million cases) by department, with the columns the queues (and the hub's
            # 申请延期 queue) sort and test: index-only reads.
            # A department's scope is a prefix (``department_path LIKE '/1/325/%'``), which only
            # pattern ops serve under this collation: asg_department cannot, and its 办理中
            # count read every assignment (0.4 s). The states are listed: the ended ones
            # (fed back, returned, withdrawn) are nearly all of the history.
            models.Index(
                fields=["department_path", "state"],
                name="asg_live_department",
                opclasses=["varchar_pattern_ops", "varchar_ops"],
                include=[
                    "id",
                    "case_id",
                    "due_at",
                    "warn_at",
                    "paused_remaining",
                    "report_in_due_at",
                    "extension_requested_until",
                ],
                condition=models.Q(
                    state__in=[
                        "awaiting_report_in",
                        "reported_in",
                        "handling",
                        "return_requested",
                    ]
                ),
            ),
            models.Index(fields=["case", "state"], name="asg_case"),
            # The dashboards' rollups recount a day's assignments by these (reports.tally).
            models.Index(fields=["dispatched_at"], name="asg_dispatched_at"),
            models.Index(fields=["reported_in_at"], name="asg_reported_in_at"),
            # The response indicator's 应报到: the assignments whose report-in limit falls in a
            # period (a range read beside the report-ins made in it, not a scan of them all).
            models.Index(fields=["report_in_due_at"], name="asg_report_in_due_at"),
            models.Index(fields=["result_at"], name="asg_result_at"),
            models.Index(
                fields=["due_at"],
                name="asg_due",
                condition=models.Q(due_at__isnull=False, paused_remaining__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}→{self.department_id} {self.role}"


class CaseEvent(models.Model):
    """One step of the trail (闭环留痕): append-only, hash-chained per case."""

    # Indexed by event_case_seq, which leads with it.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    # Partly indexed (event_assignment): most events are no assignment's.
    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=32, blank=True)
    actor_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    attachments = models.JSONField(default=list)
    request_id = models.CharField(max_length=64, blank=True)
    # What the step did to the rows, so that replaying a case's events gives its row and its
    # assignments' rows: {"case": {field: value}, "assignments": {"<id>": {field: value}}}.
    # The first event of a case and the event that creates an assignment hold every replayed
    # field; later events what changed. Empty on events written before it existed.
    changes = models.JSONField(default=dict)
    # How ``hash`` was computed (huying.core.audit): 1 unkeyed SHA-256, 2 HMAC with the trail key.
    hash_version = models.PositiveSmallIntegerField(default=1)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["case", "seq"]
        verbose_name = _("事件轨迹")
        verbose_name_plural = _("事件轨迹")
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="event_case_seq")]
        indexes = [
            models.Index(
                fields=["assignment"],
                name="event_assignment",
                condition=models.Q(assignment__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """``filename`` is generated (``<uuid>.<ext>``, see ``engine.store_files``): the client's
    name is only data. Files uploaded before were stored as ``<sha256[:16]>-<name>``."""
    return f"cases/{instance.case_id}/{filename}"


class Attachment(models.Model):
    """A file of a case, read only through the scope-checked view (``file_views``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def thumbnail_name(self) -> str:
        """Where its thumbnail is cached in storage: ``thumbs/`` + its own name, as JPEG."""
        return str(
            PurePosixPath("thumbs") / PurePosixPath(self.file.name or "").with_suffix(".jpg")
        )


class ExportState(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


def export_path(instance: CaseExport, filename: str) -> str:
    return f"exports/{instance.requested_by_id}/{filename}"


class CaseExport(models.Model):
    """A large XLSX export of the case list, written by the worker; only its requester may
    download it. The filters are stored as data and read again under the grant's scope."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    grant = models.ForeignKey(
        "org.RoleGrant", on_delete=models.CASCADE, related_name="+", verbose_name=_("角色授予")
    )
    filters = models.JSONField(default=dict, verbose_name=_("筛选条件"))
    as_of = models.DateTimeField(help_text="the 'now' of the overdue / due-soon filters")
    state = models.CharField(max_length=8, choices=ExportState.choices, default=ExportState.PENDING)
    total = models.PositiveIntegerField(default=0, verbose_name=_("总行数"))
    done = models.PositiveIntegerField(default=0, verbose_name=_("已导出行数"))
    file = models.FileField(upload_to=export_path, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("事件导出")
        verbose_name_plural = _("事件导出")

    def __str__(self) -> str:
        return f"export {self.pk} {self.state} {self.done}/{self.total}"


class RecurrenceSnapshot(models.Model):
    """反复发生预警 of one scope (a district or a street) as of ``until``, kept by the worker
    for a scope whose window holds so many cases that finding them on each page view would
    keep people waiting (``recurrence.refresh_stored``); pages read it while it is fresh."""

    unit = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    #: The rule it was found under: a changed setting makes it unusable until the next run.
    count = models.PositiveIntegerField()
    days = models.PositiveIntegerField()
    metres = models.PositiveIntegerField()
    counted = models.PositiveIntegerField(help_text="cases in the window")
    total = models.PositiveIntegerField(help_text="warnings")
    seconds = models.FloatField(help_text="how long finding them took")

    class Meta:
        verbose_name = _("预警快照")
        verbose_name_plural = _("预警快照")

    def __str__(self) -> str:
        return f"warnings of unit {self.unit_id} as of {self.until:%Y-%m-%d %H:%M}"


class RecurrenceHead(models.Model):
    """One warning of a snapshot, in the order pages list them (``rank``): enough to read its
    cases by id."""

    snapshot = models.ForeignKey(RecurrenceSnapshot, on_delete=models.CASCADE, related_name="heads")
    rank = models.PositiveIntegerField()
    code = models.CharField(max_length=16)  # the item's code
    count = models.PositiveIntegerField()
    last = models.DateTimeField()
    first_id = models.BigIntegerField()
    grid_id = models.BigIntegerField(null=True)  # a grid's warning; None for a spot's
    nearby = models.BooleanField()
    case_ids = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "rank"], name="recurrence_head_rank")
        ]

    def __str__(self) -> str:
        return f"{self.code} ×{self.count}"
