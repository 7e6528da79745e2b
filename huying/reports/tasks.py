"""Background work of the reports app, queued in the database and run by ``huying worker``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils import timezone
from django_tasks import task

from huying.reports.circular.services import circular_run, circular_sweep
from huying.reports.tally import tally_refresh


@task()
def tally_refresh_task() -> dict[str, Any]:
    return asdict(tally_refresh(now=timezone.now()))


@task()
def circular_generate_task(circular_id: int) -> dict[str, Any]:
    """Write a requested circular's Word and PDF files (一月一通报)."""
    circular = circular_run(circular_id=circular_id)
    return {"state": circular.state, "number": circular.doc_number}


@task()
def circular_sweep_task() -> int:
    return circular_sweep(now=timezone.now())
