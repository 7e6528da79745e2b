"""Background work, queued in the database and run by ``huying worker``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils import timezone
from django_tasks import task

from huying.cases.anchors import write_anchor
from huying.cases.services.export import case_export_run, case_export_sweep
from huying.cases.sweep import sweep_deadlines
from huying.core.notify import deliver_pending


@task()
def sweep_deadlines_task() -> dict[str, Any]:
    return asdict(sweep_deadlines(now=timezone.now()))


@task()
def deliver_notifications_task() -> int:
    return deliver_pending(now=timezone.now())


@task()
def case_export_task(export_id: int, language: str | None = None) -> dict[str, Any]:
    """``language``: the requester's, so that the workbook reads like the page they saw."""
    export = case_export_run(export_id=export_id, language=language)
    return {"state": export.state, "rows": export.done}


@task()
def case_export_sweep_task() -> dict[str, Any]:
    return asdict(case_export_sweep(now=timezone.now()))


@task()
def trail_anchor_task() -> int:
    """The trail heads since the last anchor, appended to the anchor files."""
    return write_anchor(now=timezone.now())
