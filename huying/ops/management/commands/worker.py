"""``huying worker``: the django-tasks database worker plus a small scheduler.

The scheduler enqueues the deadline sweep, notification delivery, the dashboards' rollups and
the hourly housekeeping at fixed intervals, beats the worker's heartbeat and recovers tasks
whose worker died. Several workers may run: a period is claimed by compare-and-set on a
counter row, so each period's job is enqueued once across all of them.

The worker outlives database outages (see ``huying.ops.worker``); it exits non-zero only when
it cannot work at all: the task backend is not the database queue, or the database schema is
not migrated.
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

    def handle(self, *args: Any, **options: Any) -> None:
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            raise CommandError(
                "HUYING_TASK_BACKEND 不是数据库队列，不需要 worker / "
                "the task backend is not django_tasks_db.DatabaseBackend"
            )
        missing = until_database(unapplied_migrations, what="checking migrations")
        if missing:
            raise CommandError(
                f"数据库结构不是最新的，请先运行 huying migrate / unapplied: {', '.join(missing)}"
            )
        # django-tasks-db's own logging set-up: task starts and ends on stdout.
        DbWorkerCommand().configure_logging(options["verbosity"])
        worker = SupervisedWorker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=1,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=True,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )

        def start() -> None:
            heartbeat(worker.worker_id, now=timezone.now())
            recovered = recover_stale_tasks(now=timezone.now())
            if recovered.failed:
                self.stdout.write(
                    f"{recovered.failed} task(s) had lost their worker: marked failed, "
                    f"{recovered.requeued} queued again"
                )

        until_database(start, what="starting")
        jobs = default_jobs(
            sweep=options["sweep_interval"],
            notify=options["notify_interval"],
            tally=options["tally_interval"],
        )
        stop = threading.Event()
        threading.Thread(
            target=schedule_forever,
            args=(worker.worker_id, jobs),
            kwargs={"stop": stop},
            name="huying-scheduler",
            daemon=True,
        ).start()
        self.stdout.write(
            f"worker {worker.worker_id} started: deadline sweep every "
            f"{options['sweep_interval']}s, notifications every {options['notify_interval']}s, "
            f"dashboard rollups every {options['tally_interval']}s"
        )
        worker.configure_signals()
        try:
            run_supervised(worker)
        finally:
            stop.set()
