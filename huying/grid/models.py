"""Grid operations (docs/glossary.md §5): a grid's duty list (网格职责清单), the patrols that walk
it (巡查) with their checklist, track and companions (三陪同), and what they found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case
from huying.catalogue.models import CatalogueItem
from huying.org.models import OrgUnit, Role


class DutyTemplate(models.Model):
    """One line of the district's duty template, copied to each grid (``duties_copy``); a copy
    is the grid's own, whatever later happens to the line (``huying.grid.duties``)."""

    district = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="duty_template", verbose_name=_("区")
    )
    position = models.PositiveIntegerField(default=0, verbose_name=_("顺序"))
    item = models.ForeignKey(
        CatalogueItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("清单事项"),
    )
    text = models.CharField(max_length=200, verbose_name=_("职责"))
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("网格职责模板")
        verbose_name_plural = _("网格职责模板")

    def __str__(self) -> str:
        return self.text


class GridDuty(models.Model):
    """A duty of one grid: copied from the template (``template`` set) or the grid's own.
    Removing one only marks it, so that copying the template again does not bring it back."""

    grid = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="duties", verbose_name=_("网格")
    )
    template = models.ForeignKey(
        DutyTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    position = models.PositiveIntegerField(default=0, verbose_name=_("顺序"))
    item = models.ForeignKey(
        CatalogueItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("清单事项"),
    )
    text = models.CharField(max_length=200, verbose_name=_("职责"))
    is_active = models.BooleanField(default=True, verbose_name=_("在用"))
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("网格职责")
        verbose_name_plural = _("网格职责")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "template"],
                condition=models.Q(template__isnull=False),
                name="grid_duty_one_copy",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Patrol(models.Model):
    """One logged walk of a grid: started, findings reported as cases, ended."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols"
    )
    grid = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("网格")
    )
    started_at = models.DateTimeField(verbose_name=_("开始时间"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("结束时间"))
    # WGS-84, where the phone was at the start and the end (when it could tell).
    start_lat = models.FloatField(null=True, blank=True)
    start_lng = models.FloatField(null=True, blank=True)
    end_lat = models.FloatField(null=True, blank=True)
    end_lng = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True, verbose_name=_("巡查记录"))
    # The role the walker started as: a grid worker's patrols count towards 三陪同.
    role = models.CharField(
        max_length=32, choices=Role.choices, default=Role.GRID_WORKER, verbose_name=_("角色")
    )
    # The thinned track, [[lat, lng, unix seconds], ...]; ``track_version`` is its
    # compare-and-set counter (two batches at once both land).
    track = models.JSONField(default=list, blank=True)
    track_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        constraints = [
            # One patrol at a time per person, on both databases, whatever the race.
            models.UniqueConstraint(
                fields=["worker"],
                condition=models.Q(ended_at__isnull=True),
                name="patrol_one_open_per_worker",
            ),
        ]
        indexes = [models.Index(fields=["worker", "-started_at"], name="patrol_worker")]

    def __str__(self) -> str:
        return f"{self.grid} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolFinding(models.Model):
    """A case found on a patrol (巡查发现)."""

    patrol = models.ForeignKey(Patrol, on_delete=models.PROTECT, related_name="findings")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="patrol_finding")

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")

    def __str__(self) -> str:
        return f"{self.patrol_id}: {self.case_id}"


class PatrolDuty(models.Model):
    """One line of a patrol's checklist: a duty of the grid when the patrol started."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="checklist")
    duty = models.ForeignKey(GridDuty, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=200, verbose_name=_("职责"))
    done = models.BooleanField(default=False, verbose_name=_("已巡"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("说明"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("巡查职责")
        verbose_name_plural = _("巡查职责")
        constraints = [
            models.UniqueConstraint(fields=["patrol", "duty"], name="patrol_duty_once"),
        ]

    def __str__(self) -> str:
        return self.text


class PatrolCompanion(models.Model):
    """Someone who walked with the patrol (三陪同)."""

    class Kind(models.TextChoices):
        STREET_CADRE = "street_cadre", _("街道干部")
        ENFORCEMENT = "enforcement", _("驻街执法部门")
        GRID_WORKER = "grid_worker", _("网格员")

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="companions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("陪同类别"))
    role = models.CharField(max_length=32, choices=Role.choices, verbose_name=_("角色"))
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在单位")
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("陪同人员")
        verbose_name_plural = _("陪同人员")
        constraints = [
            models.UniqueConstraint(fields=["patrol", "user"], name="patrol_companion_once"),
        ]

    def __str__(self) -> str:
        return f"{self.patrol_id}: {self.user_id}"
