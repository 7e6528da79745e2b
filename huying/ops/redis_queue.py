"""Background work on Redis (``HUYING_TASK_BACKEND=redis``): django-tasks-rq's backend puts
each task on an RQ queue, and ``huying worker`` runs RQ's worker beside the same scheduler and
heartbeat as with the database queue.

RQ's default worker forks a child per job. ``huying worker`` also runs the scheduler thread,
and forking a process that has threads (holding locks, a database connection) can deadlock
the child or share one socket between two processes; so jobs run in the worker's own process,
as they do with the database queue (``SimpleWorker``), and each job starts and ends like a
request: a connection past ``CONN_MAX_AGE`` or broken by a database restart is dropped first.

A worker killed in the middle of a job: RQ itself moves the job to its failed registry once
the worker's key expires. The scheduled jobs are queued again at their next period anyway,
and an export's or a circular's hourly sweep marks it failed, as with the database queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import django_rq
import redis
from django.db import close_old_connections, connections
from django_rq.queues import get_queues
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_rq import Job
from rq import Queue, Worker
from rq.worker import SimpleWorker

from huying.ops.worker import backoff

logger = logging.getLogger("huying.worker")

#: What Redis going away raises (restart, network, not yet up at boot).
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _queue_names() -> list[str]:
    return sorted(task_backends[DEFAULT_TASK_BACKEND_ALIAS].queues)


def _in_transaction() -> bool:
    return any(conn.in_atomic_block for conn in connections.all(initialized_only=True))


class TaskWorker(SimpleWorker):
    """RQ's in-process worker, with the database connections handled as around a request.
    Never inside a transaction: a burst run from a test shares the test's connection."""

    def subscribe(self) -> None:
        """RQ's own, with its command channel polled every second instead of every 60: the
        thread is joined when the worker stops, so a stop (or a burst run's end) waited up to a
        minute for the poll to come back."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def perform_job(self, job: Any, queue: Queue) -> bool:
        fresh = not _in_transaction()
        if fresh:
            close_old_connections()
        try:
            return bool(super().perform_job(job, queue))
        finally:
            if fresh:
                close_old_connections()


def task_worker(name: str) -> TaskWorker:
    """A worker named like the heartbeat row its scheduler writes, over the backend's queues."""
    queues = get_queues(*_queue_names(), job_class=Job)
    return TaskWorker(
        queues,
        connection=queues[0].connection,
        job_class=Job,
        queue_class=type(queues[0]),
        name=name,
    )


def run_task_worker(
    name: str,
    *,
    burst: bool = False,
    logging_level: str = "INFO",
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run the RQ worker until it is stopped (SIGTERM/SIGINT: the job in hand finishes), or
    with ``burst`` until the queue is empty. RQ rides out Redis outages while it waits for
    work; one at start-up or while it registers is waited out here with the same capped
    backoff as a lost database."""
    failures = 0
    while True:
        try:
            # No RQ scheduler: it forks a process of its own (this one has threads), and only
            # deferred tasks (``run_after``) need it; the project defers nothing, its schedule
            # is huying worker's own.
            task_worker(name).work(burst=burst, with_scheduler=False, logging_level=logging_level)
            return
        except REDIS_DOWN as exc:
            delay = backoff(failures)
            logger.warning("redis unavailable (%s); worker retrying in %.0f s", exc, delay)
            failures += 1
            sleep(delay)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def queue_state(*, now: datetime) -> dict[str, Any]:
    """What /healthz says of the Redis queue: how many tasks wait, how long the oldest of them
    has waited (seconds; ``None`` when none), and how many RQ workers are registered.
    Raises ``REDIS_DOWN`` when Redis does not answer."""
    waiting = 0
    oldest: datetime | None = None
    connection = django_rq.get_connection(_queue_names()[0])
    connection.ping()
    for name in _queue_names():
        queue = django_rq.get_queue(name, job_class=Job)
        waiting += queue.count
        for job_id in queue.get_job_ids(0, 0):  # the head: the next to run, queued first
            job = queue.fetch_job(job_id)
            if job is not None and job.enqueued_at is not None:
                at = _utc(job.enqueued_at)
                oldest = at if oldest is None else min(oldest, at)
    age = None if oldest is None else round(max(0.0, (now - oldest).total_seconds()), 1)
    return {
        "waiting": waiting,
        "oldest_age_s": age,
        "workers": Worker.count(connection=connection),
    }
