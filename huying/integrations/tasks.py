"""Background work, queued in the database and run by ``huying worker``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django_tasks import task

from huying.integrations.webhooks import deliver_due


@task()
def deliver_webhooks_task() -> dict[str, Any]:
    return asdict(deliver_due())
