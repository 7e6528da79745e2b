"""The nightly retraining, queued by the worker's scheduler."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import task

from huying.core.errors import InvalidInput
from huying.triage.services import train


@task()
def triage_train_task() -> dict[str, Any]:
    """Too little history is not a failure: the cold start keeps serving."""
    try:
        row = train(now=timezone.now())
    except InvalidInput as exc:
        return {"trained": False, "reason": str(exc)}
    return {"trained": True, "version": row.version, "status": row.status, "top1": row.top1}
