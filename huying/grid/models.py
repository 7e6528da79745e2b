"""Grid operations (docs/glossary.md §5): a grid worker's patrol (巡查) and what it found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case
from huying.org.models import OrgUnit


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
