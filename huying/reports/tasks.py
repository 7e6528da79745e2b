"""Background work of the reports app, run by ``huying worker``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils import timezone
from django_tasks import task

from huying.reports.tally import tally_refresh


@task()
def tally_refresh_task() -> dict[str, Any]:
    return asdict(tally_refresh(now=timezone.now()))
