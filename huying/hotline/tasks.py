"""The import as background work, queued in the database and run by ``huying worker``."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from huying.hotline.models import HotlineImport
from huying.hotline.services import hotline_import_confirm, hotline_import_run, hotline_import_sweep
from huying.org.actors import Actor


@task()
def hotline_import_task(import_id: int) -> dict[str, Any]:
    record = hotline_import_run(import_id=import_id)
    return {"state": record.state, "counts": record.counts}


def hotline_import_start(*, actor: Actor, import_id: int) -> HotlineImport:
    """Confirm the checked file and queue its import once the confirmation is committed."""
    with transaction.atomic():
        record = hotline_import_confirm(actor=actor, import_id=import_id)
        transaction.on_commit(partial(hotline_import_task.enqueue, record.pk))
    return record


@task()
def hotline_import_sweep_task() -> dict[str, Any]:
    return asdict(hotline_import_sweep(now=timezone.now()))
