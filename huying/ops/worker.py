"""Keeping ``huying worker`` alive and its queue honest.

django-tasks-db's worker loop lets a database error escape: a terminated connection or a
PostgreSQL restart ended the process, and the task it was running stayed RUNNING forever.
Here the loop is supervised (a lost connection is dropped and retried with capped exponential
backoff), every worker beats a heartbeat, and a RUNNING task whose worker has stopped beating
is marked failed, and queued again when running it twice is harmless.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.db.models import Max
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from huying.cases.tasks import (
    case_export_sweep_task,
    daily_digest_task,
    deliver_notifications_task,
    recurrence_refresh_task,
    sweep_deadlines_task,
    trail_anchor_task,
)
from huying.core.models import Counter
from huying.hotline.tasks import hotline_import_sweep_task
from huying.integrations.tasks import deliver_webhooks_task
from huying.ops.models import WorkerHeartbeat
from huying.reports.tasks import circular_sweep_task, tally_refresh_task
from huying.triage.tasks import triage_train_task

logger = logging.getLogger("huying.worker")

#: What a database going away raises: the connection was terminated, the server restarted,
#: or it cannot be reached yet. Anything else is a bug or a configuration error, not weather.
TRANSIENT = (OperationalError, InterfaceError)

#: Backoff after a lost connection: 1 s, 2 s, 4 s … never more than a minute between tries.
BACKOFF_FIRST = 1.0
BACKOFF_CAP = 60.0

#: The scheduler wakes at least this often, so the heartbeat stays fresh.
HEARTBEAT_EVERY = 10
#: How often the schedule looks for tasks whose worker died (one worker does it per period).
RECOVER_EVERY = 300
#: Heartbeat rows of workers gone this long are deleted.
HEARTBEAT_KEPT = timedelta(days=1)


def backoff(failures: int) -> float:
    """Seconds to wait after the ``failures``-th consecutive failure (0-based)."""
    return min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** min(failures, 16))


def drop_connections() -> None:
    """Close this thread's connections: a broken one is never usable again, and Django only
    reconnects when there is none."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except TRANSIENT:
            conn.connection = None


def lost_database(exc: BaseException, failures: int, *, who: str) -> float:
    """After the ``failures``-th lost connection in a row (0-based): say so, drop the broken
    connections, and return how long ``who`` waits before trying again."""
    delay = backoff(failures)
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    logger.warning(
        "database unavailable (%s: %s); %s retrying in %.0f s",
        type(exc).__name__,
        first_line,
        who,
        delay,
    )
    drop_connections()
    return delay


def claim_period(name: str, interval: int, now: float) -> bool:
    """True for exactly one caller per interval, across processes."""
    key = f"schedule:{name}"
    Counter.objects.get_or_create(key=key, defaults={"value": 0})
    return (
        Counter.objects.filter(key=key, value__lte=int(now) - interval).update(value=int(now)) == 1
    )


# --- heartbeats and lost tasks -------------------------------------------------------------------


def heartbeat(worker_id: str, *, now: datetime) -> None:
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            beat_at=now,
        )


def last_heartbeat() -> datetime | None:
    return WorkerHeartbeat.objects.aggregate(m=Max("beat_at"))["m"]


#: Tasks that may run again after a worker died in the middle of one, because each of them
#: works by compare-and-set on the rows it handles or recounts from a mark: the deadline sweep
#: (``swept_due_at``/``warned_due_at``, a reminder key per threshold), notification delivery
#: (``sent_at`` and each channel's delivery claimed; one claimed by the dead worker is not
#: sent twice), webhook delivery (each delivery claimed by compare-and-set; a dead worker's
#: claim is offered again after its lease), the rollups (``TallyMark`` under a row lock), the
#: leaders' digest (one key per leader and day), the warnings' snapshots (each replaced whole
#: in one transaction), the hourly housekeeping, and the trail
#: anchor (a second run appends heads already anchored, which is harmless). A case export or a circular is not
#: among them: its job claims its row PENDING → RUNNING first, so running it again does
#: nothing, and its own hourly sweep marks it failed for the user to ask again.
REQUEUED: frozenset[str] = frozenset(
    t.module_path
    for t in (
        sweep_deadlines_task,
        deliver_notifications_task,
        tally_refresh_task,
        case_export_sweep_task,
        circular_sweep_task,
        hotline_import_sweep_task,
        trail_anchor_task,
        deliver_webhooks_task,
        daily_digest_task,
        recurrence_refresh_task,
    )
)


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker stopped while running it."""


@dataclass(frozen=True)
class Recovery:
    failed: int = 0
    requeued: int = 0


def task_lost(row_id: Any, *, reason: str, now: datetime) -> Recovery:
    """Mark a RUNNING task failed (compare-and-set: of several workers recovering it, one
    does) and queue it again if it is in ``REQUEUED``."""
    error = WorkerLost(reason)
    marked = (
        DBTaskResult.objects.running()
        .filter(pk=row_id)
        .update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback="".join(traceback.format_exception_only(error)),
        )
    )
    if not marked:
        return Recovery()
    row = DBTaskResult.objects.get(pk=row_id)
    logger.warning("task %s (%s) lost its worker: %s", row.pk, row.task_path, reason)
    if row.task_path not in REQUEUED:
        return Recovery(failed=1)
    row.task.enqueue(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    logger.warning("task %s queued again", row.task_path)
    return Recovery(failed=1, requeued=1)


def recover_stale_tasks(*, now: datetime) -> Recovery:
    """RUNNING tasks started more than ``HUYING_TASK_STALE_AFTER`` seconds ago whose worker
    has not beaten for ``HUYING_WORKER_HEARTBEAT_MAX_AGE`` seconds (or never did) are lost.
    A long task on a live worker is left alone, however long it takes."""
    alive = set(
        WorkerHeartbeat.objects.filter(
            beat_at__gte=now - timedelta(seconds=settings.HUYING_WORKER_HEARTBEAT_MAX_AGE)
        ).values_list("worker_id", flat=True)
    )
    stale = DBTaskResult.objects.running().filter(
        started_at__lt=now - timedelta(seconds=settings.HUYING_TASK_STALE_AFTER)
    )
    failed = requeued = 0
    for pk, worker_ids in stale.values_list("pk", "worker_ids"):
        holder = worker_ids[-1] if worker_ids else ""
        if holder in alive:
            continue
        done = task_lost(pk, reason=f"worker {holder or '?'} stopped while running it", now=now)
        failed += done.failed
        requeued += done.requeued
    WorkerHeartbeat.objects.filter(beat_at__lt=now - HEARTBEAT_KEPT).delete()
    return Recovery(failed=failed, requeued=requeued)


# --- the loops -----------------------------------------------------------------------------------


class SupervisedWorker(Worker):
    """django-tasks-db's worker, remembering a task that a database error cut short (the
    error escapes ``run_task`` when even recording the failure fails), so that it can be
    marked once the database is back."""

    interrupted: DBTaskResult | None = None

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except BaseException:
            self.interrupted = db_task_result
            raise


def run_supervised(
    worker: SupervisedWorker,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Run the worker until it stops (a signal, or ``--batch``), through database outages:
    on a lost connection, close it, wait (capped exponential backoff) and start over. The
    waits grow only while failures follow each other; a worker that ran longer than the cap
    since the last one starts again from a second."""
    failures = 0
    while worker.running:
        started = clock()
        try:
            if worker.interrupted is not None:
                task_lost(
                    worker.interrupted.pk,
                    reason=f"database connection lost in worker {worker.worker_id}",
                    now=timezone.now(),
                )
                worker.interrupted = None
            worker.run()
            return
        except TRANSIENT as exc:
            if clock() - started > BACKOFF_CAP:
                failures = 0
            delay = lost_database(exc, failures, who="worker")
            failures += 1
            worker.startup_delay = False
            sleep(delay)


@dataclass(frozen=True)
class Job:
    name: str
    interval: int
    task: Task[..., Any]


def default_jobs(*, sweep: int = 60, notify: int = 10, tally: int = 60) -> list[Job]:
    return [
        Job("sweep", sweep, sweep_deadlines_task),
        Job("notify", notify, deliver_notifications_task),
        # Webhooks to other systems (integrations.webhooks): claimed by compare-and-set.
        Job("webhooks", settings.HUYING_WEBHOOK_INTERVAL, deliver_webhooks_task),
        Job("tally", tally, tally_refresh_task),
        # 反复发生预警 of the districts and streets too large to search on each view.
        Job("warnings", settings.HUYING_RECURRENCE_REFRESH_SECONDS, recurrence_refresh_task),
        # The leaders' daily digest: asked every 10 minutes, sent once a day (cases.digest).
        Job("digest", 600, daily_digest_task),
        # Old export files removed; exports and circulars whose worker died marked failed.
        Job("exports", 3600, case_export_sweep_task),
        Job("circulars", 3600, circular_sweep_task),
        # 12345 imports whose worker died marked failed (re-importing creates nothing twice).
        Job("hotline-imports", 3600, hotline_import_sweep_task),
        # The trail heads, to files the database user cannot rewrite (cases.anchors).
        Job("anchor", settings.HUYING_TRAIL_ANCHOR_INTERVAL, trail_anchor_task),
        # The triage suggestion learns from the day's triaged cases (triage.services.train).
        Job("triage-train", settings.HUYING_TRIAGE_TRAIN_INTERVAL, triage_train_task),
    ]


def schedule_once(worker_id: str, jobs: list[Job], *, now: float, recover: bool = True) -> None:
    """One tick of the scheduler: beat, enqueue the jobs whose period has come (each period
    once across all workers), and now and then recover tasks lost with their worker (the
    database queue's; ``recover=False`` on Redis, where RQ keeps its own registries).
    A database error propagates (the caller backs off); any other failure of one job is
    logged and the others still run."""
    heartbeat(worker_id, now=timezone.now())
    for job in jobs:
        try:
            if claim_period(job.name, job.interval, now):
                job.task.enqueue()
        except TRANSIENT:
            raise
        except Exception:
            logger.exception("scheduling %s failed", job.name)
    if recover and claim_period("recover", RECOVER_EVERY, now):
        recover_stale_tasks(now=timezone.now())


def schedule_forever(
    worker_id: str, jobs: list[Job], *, stop: threading.Event, recover: bool = True
) -> None:
    """The scheduler thread: ``schedule_once`` every few seconds until ``stop``; a lost
    database is waited out with the same backoff as the worker."""
    tick = min([HEARTBEAT_EVERY, *(job.interval for job in jobs)])
    failures = 0
    while not stop.is_set():
        delay: float = tick
        try:
            close_old_connections()  # past CONN_MAX_AGE or broken: reconnect, like a request
            schedule_once(worker_id, jobs, now=time.time(), recover=recover)
            failures = 0
        except TRANSIENT as exc:
            delay = lost_database(exc, failures, who="scheduler")
            failures += 1
        except Exception:
            logger.exception("scheduler tick failed")
        stop.wait(delay)
