"""``huying worker``: the django-tasks database worker plus a small scheduler.

The scheduler enqueues the deadline sweep, notification delivery, the dashboards' rollups and
the hourly housekeeping at fixed intervals, beats the worker's heartbeat and recovers tasks
whose worker died. Several workers may run: a period is claimed by compare-and-set on a
counter row, so each period's job is enqueued once across all of them.

With ``HUYING_TASK_BACKEND=redis`` the tasks wait in Redis and RQ's worker runs them
(``huying.ops.redis_queue``); the scheduler and the heartbeat are the same. ``--burst`` runs
what is queued now and exits, with no schedule (draining a queue, tests).

The worker outlives database outages (see ``huying.ops.worker``); it exits non-zero only when
it cannot work at all: the task backend is neither the database queue nor Redis, or the
database schema is not migrated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from huying.backends import uses_redis
from huying.ops.redis_queue import run_task_worker
from huying.ops.worker import (
    TRANSIENT,
    SupervisedWorker,
    default_jobs,
    heartbeat,
    lost_database,
    recover_stale_tasks,
    run_supervised,
    schedule_forever,
)

T = TypeVar("T")


def until_database(action: Callable[[], T], *, what: str) -> T:
    """``action()``, retried with backoff while the database cannot be reached (at boot the
    worker may start before PostgreSQL does)."""
    failures = 0
    while True:
        try:
            return action()
        except TRANSIENT as exc:
            delay = lost_database(exc, failures, who=f"worker start-up ({what})")
            failures += 1
            time.sleep(delay)


def unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class Command(BaseCommand):
    help = "后台任务：时限巡检、通知发送、统计汇总 / run background tasks and the schedule"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sweep-interval", type=int, default=60)
        parser.add_argument("--notify-interval", type=int, default=10)
        parser.add_argument("--tally-interval", type=int, default=60)
        parser.add_argument(
            "--burst", action="store_true", help="run the queued tasks, then exit (no schedule)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on_redis = uses_redis()
        if not on_redis and not isinstance(
            task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend
        ):
            raise CommandError(
                "HUYING_TASK_BACKEND 既不是数据库队列也不是 Redis，不需要 worker / "
                "the task backend is neither django_tasks_db's nor django_tasks_rq's"
            )
        missing = until_database(unapplied_migrations, what="checking migrations")
        if missing:
            raise CommandError(
                f"数据库结构不是最新的，请先运行 huying migrate / unapplied: {', '.join(missing)}"
            )
        worker_id = get_random_string(32)

        def start() -> None:
            heartbeat(worker_id, now=timezone.now())
            if on_redis:
                return  # RQ keeps its own registry of jobs whose worker died
            recovered = recover_stale_tasks(now=timezone.now())
            if recovered.failed:
                self.stdout.write(
                    f"{recovered.failed} task(s) had lost their worker: marked failed, "
                    f"{recovered.requeued} queued again"
                )

        until_database(start, what="starting")
        stop = threading.Event()
        if not options["burst"]:
            jobs = default_jobs(
                sweep=options["sweep_interval"],
                notify=options["notify_interval"],
                tally=options["tally_interval"],
            )
            threading.Thread(
                target=schedule_forever,
                args=(worker_id, jobs),
                kwargs={"stop": stop, "recover": not on_redis},
                name="huying-scheduler",
                daemon=True,
            ).start()
            self.stdout.write(
                f"worker {worker_id} started ({'redis' if on_redis else 'database'} queue): "
                f"deadline sweep every {options['sweep_interval']}s, notifications every "
                f"{options['notify_interval']}s, dashboard rollups every "
                f"{options['tally_interval']}s"
            )
        try:
            if on_redis:
                run_task_worker(worker_id, burst=options["burst"])
            else:
                self.run_database_queue(worker_id, burst=options["burst"], options=options)
        finally:
            stop.set()

    def run_database_queue(self, worker_id: str, *, burst: bool, options: dict[str, Any]) -> None:
        # django-tasks-db's own logging set-up: task starts and ends on stdout.
        DbWorkerCommand().configure_logging(options["verbosity"])
        worker = SupervisedWorker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=1,
            batch=burst,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not burst,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        run_supervised(worker)
