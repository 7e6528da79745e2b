"""Background work of the reports app, queued in the database and run by ``huying worker``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from huying.org.actors import Actor
from huying.reports.circular.services import circular_create, circular_run, circular_sweep
from huying.reports.models import Circular
from huying.reports.tally import tally_refresh


@task()
def tally_refresh_task() -> dict[str, Any]:
    return asdict(tally_refresh(now=timezone.now()))


@task()
def circular_generate_task(circular_id: int) -> dict[str, Any]:
    """Write a requested circular's Word and PDF files (一月一通报)."""
    circular = circular_run(circular_id=circular_id)
    return {"state": circular.state, "number": circular.doc_number}


def circular_request(*, actor: Actor, year: int, month: int, now: datetime) -> Circular:
    """Record a circular for the actor's district and queue it once the row is committed."""
    with transaction.atomic():
        circular = circular_create(actor=actor, year=year, month=month, now=now)
        transaction.on_commit(partial(circular_generate_task.enqueue, circular.pk))
    return circular


@task()
def circular_sweep_task() -> int:
    return circular_sweep(now=timezone.now())
