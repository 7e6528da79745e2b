"""What ``GET /healthz`` reports: can we reach the database (and Redis, when tasks go there),
is a worker alive, is the queue moving. Plain figures, no names, hosts or error texts: the endpoint needs no login."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Min
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from huying.backends import uses_redis
from huying.ops.worker import last_heartbeat


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round(max(0.0, (now - then).total_seconds()), 1)


def uses_database_queue() -> bool:
    """Whether tasks go through django-tasks-db's table, the one the queue checks can read."""
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def oldest_ready_enqueued_at() -> datetime | None:
    """When the task that has waited longest among those due to run was queued."""
    return DBTaskResult.objects.ready().aggregate(m=Min("enqueued_at"))["m"]


def health(*, now: datetime) -> tuple[bool, dict[str, Any]]:
    """(healthy, report). Unhealthy: the database does not answer ``SELECT 1``; or, with a
    queue that ``huying worker`` serves (the database's or Redis'), no worker has beaten
    within ``HUYING_WORKER_HEARTBEAT_MAX_AGE`` seconds, or a task due to run has waited longer
    than ``HUYING_QUEUE_MAX_AGE`` seconds; or, with Redis, Redis does not answer."""
    checks: dict[str, dict[str, Any]] = {}
    database_queue = uses_database_queue()
    redis_queue = uses_redis()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True}
        if database_queue or redis_queue:
            beat = _age(now, last_heartbeat())
            limit = settings.HUYING_WORKER_HEARTBEAT_MAX_AGE
            checks["worker"] = {
                "ok": beat is not None and beat <= limit,
                "heartbeat_age_s": beat,
                "max_age_s": limit,
            }
        if database_queue:
            checks["queue"] = _queue_check(_age(now, oldest_ready_enqueued_at()))
    except DatabaseError:
        checks["database"] = {"ok": False}
    if redis_queue and checks["database"]["ok"]:
        from huying.ops.redis_queue import REDIS_DOWN, queue_state  # only where tasks use it

        try:
            state = queue_state(now=now)
        except REDIS_DOWN:
            checks["redis"] = {"ok": False}
        else:
            checks["redis"] = {"ok": True, "workers": state["workers"]}
            checks["queue"] = _queue_check(state["oldest_age_s"], waiting=state["waiting"])
    healthy = all(check["ok"] for check in checks.values())
    return healthy, {"status": "ok" if healthy else "unhealthy", "checks": checks}


def _queue_check(waited: float | None, **extra: Any) -> dict[str, Any]:
    limit = settings.HUYING_QUEUE_MAX_AGE
    ok = waited is None or waited <= limit
    return {"ok": ok, "oldest_age_s": waited, "max_age_s": limit, **extra}
