"""Background work, queued in the database and run by ``huying worker``."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from huying.cases.anchors import write_anchor
from huying.cases.digest import send_daily_digests
from huying.cases.models import CaseExport
from huying.cases.recurrence import refresh_stored
from huying.cases.selectors import CaseFilters
from huying.cases.services.export import case_export_create, case_export_run, case_export_sweep
from huying.cases.sweep import sweep_deadlines
from huying.core.lastrun import record_last_run
from huying.core.notify import deliver_due, deliver_pending
from huying.org.actors import Actor


@task()
def sweep_deadlines_task() -> dict[str, Any]:
    """The sweep, and how long it took: the metrics endpoint reports the last run's duration
    (a sweep that creeps towards its one-minute period is the first sign of a backlog)."""
    started = time.monotonic()
    report = sweep_deadlines(now=timezone.now())
    record_last_run("sweep_deadlines", seconds=time.monotonic() - started, finished=timezone.now())
    return asdict(report)


@task()
def recurrence_refresh_task() -> dict[str, Any]:
    """反复发生预警 of the large scopes, kept for the pages (``recurrence.refresh_stored``)."""
    return asdict(refresh_stored(now=timezone.now()))


@task()
def deliver_notifications_task() -> dict[str, Any]:
    """Notifications to the backend (the log), then each channel's deliveries that are due."""
    now = timezone.now()
    return {"handed_over": deliver_pending(now=now), **asdict(deliver_due(now=now))}


@task()
def daily_digest_task() -> int:
    """The leaders' daily digest, once a day from HUYING_DIGEST_HOUR (cases.digest)."""
    return send_daily_digests(now=timezone.now())


@task()
def case_export_task(export_id: int, language: str | None = None) -> dict[str, Any]:
    """``language``: the requester's, so that the workbook reads like the page they saw."""
    export = case_export_run(export_id=export_id, language=language)
    return {"state": export.state, "rows": export.done}


def case_export_start(
    *, actor: Actor, filters: CaseFilters, total: int, now: datetime
) -> CaseExport:
    """Record the job and queue it once the row is committed, to be written in the language
    of the request that asked for it."""
    with transaction.atomic():
        export = case_export_create(actor=actor, filters=filters, total=total, now=now)
        transaction.on_commit(
            partial(case_export_task.enqueue, export.pk, translation.get_language())
        )
    return export


@task()
def case_export_sweep_task() -> dict[str, Any]:
    return asdict(case_export_sweep(now=timezone.now()))


@task()
def trail_anchor_task() -> int:
    """The trail heads since the last anchor, appended to the anchor files."""
    return write_anchor(now=timezone.now())
