"""Large case-list exports as background jobs (``CaseExport``), run by ``huying worker``.

The job stores the filters and the grant, not the rows: the worker reads the list again
under that grant's scope, so a revoked grant exports nothing. The workbook is written in
the language of the request that asked for it (passed to the task). Progress is written every
``xlsx.PROGRESS_EVERY`` rows in autocommit, so the polling page sees it while the job runs.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases import selectors, xlsx
from huying.cases.models import CaseExport, ExportState
from huying.cases.selectors import CaseFilters
from huying.core.errors import DomainError, PermissionDenied
from huying.core.i18n import site_text
from huying.core.replicas import lagging
from huying.org.actors import Actor, actor_for

logger = logging.getLogger("huying.export")


def case_export_create(
    *, actor: Actor, filters: CaseFilters, total: int, now: datetime
) -> CaseExport:
    """Record the job; ``tasks.case_export_start`` records and queues it (the task module
    imports this one, never the other way)."""
    if actor.grant_id is None:
        raise PermissionDenied(_("导出需要以具体角色登录"))
    return CaseExport.objects.create(
        requested_by=actor.user,
        grant_id=actor.grant_id,
        filters=xlsx.filters_to_json(filters),
        as_of=now,
        total=total,
        created_at=now,
    )


def case_export_run(*, export_id: int, language: str | None = None) -> CaseExport:
    """Write the workbook (headers and labels in ``language``, default the site's). Claimed
    by compare-and-set: a job queued twice runs once."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _run(export_id)


def _run(export_id: int) -> CaseExport:
    claimed = CaseExport.objects.filter(pk=export_id, state=ExportState.PENDING).update(
        state=ExportState.RUNNING
    )
    export = CaseExport.objects.select_related("requested_by").get(pk=export_id)
    if not claimed:
        return export
    job = CaseExport.objects.filter(pk=export_id)

    def progress(done: int) -> None:
        job.update(done=done)

    try:
        actor = actor_for(export.requested_by, export.grant_id)
        cases = lagging(
            selectors.case_list(actor, xlsx.filters_from_json(export.filters), now=export.as_of)
        )
        job.update(total=cases.count())
        with tempfile.TemporaryFile() as tmp:
            written = xlsx.write_workbook(
                xlsx.iterate(xlsx.export_rows(cases)),
                tmp,
                on_progress=progress,
            )
            tmp.seek(0)
            export.file.save(f"{secrets.token_urlsafe(12)}.xlsx", File(tmp), save=False)
    except Exception as exc:
        message = exc.message if isinstance(exc, DomainError) else _("生成文件时出错，请稍后重试")
        logger.exception("case export %s failed", export_id)
        job.update(state=ExportState.FAILED, error=message[:500], finished_at=timezone.now())
        raise
    job.update(
        state=ExportState.DONE,
        done=written,
        total=written,
        file=export.file.name,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return export


#: How long a finished export's file is kept for its requester to download again.
EXPORT_KEPT = timedelta(days=7)
#: A job still pending or running this long after it was asked for lost its worker (a big
#: export writes ≈ 2,500 rows a second: a million rows take minutes, not hours).
EXPORT_STALLED = timedelta(hours=2)


@dataclass(frozen=True)
class ExportSweep:
    deleted: int
    stalled: int


def case_export_sweep(*, now: datetime) -> ExportSweep:
    """The worker's hourly housekeeping: finished exports older than ``EXPORT_KEPT`` go, file
    and row; jobs stalled past ``EXPORT_STALLED`` are marked failed so their page stops
    waiting and says to export again."""
    old = CaseExport.objects.filter(
        state__in=[ExportState.DONE, ExportState.FAILED], finished_at__lt=now - EXPORT_KEPT
    )
    deleted = 0
    for export in old.iterator():
        if export.file:
            export.file.delete(save=False)
        export.delete()
        deleted += 1
    stalled = CaseExport.objects.filter(
        state__in=[ExportState.PENDING, ExportState.RUNNING], created_at__lt=now - EXPORT_STALLED
    ).update(
        state=ExportState.FAILED,
        error=site_text(gettext_lazy("后台任务中断，请重新导出")),
        finished_at=now,
    )
    return ExportSweep(deleted=deleted, stalled=stalled)
