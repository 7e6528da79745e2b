"""12345 tickets (工单) as they came in, each tied to the case it became."""

from __future__ import annotations

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
    first_imported_at = models.DateTimeField(verbose_name=_("首次导入时间"))
    last_imported_at = models.DateTimeField(verbose_name=_("最近导入时间"))

    class Meta:
        verbose_name = _("12345工单")
        verbose_name_plural = _("12345工单")

    def __str__(self) -> str:
        return self.number
