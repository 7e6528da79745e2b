"""``huying worker`` stays up: a lost database connection is waited out, not fatal; a task
whose worker died is marked failed, and queued again when running it twice is harmless."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from huying.cases.tasks import case_export_task, deliver_notifications_task, sweep_deadlines_task
from huying.ops import worker as ops_worker
from huying.ops.models import WorkerHeartbeat
from huying.ops.worker import (
    BACKOFF_CAP,
    Recovery,
    SupervisedWorker,
    WorkerLost,
    backoff,
    claim_period,
    default_jobs,
    heartbeat,
    recover_stale_tasks,
    run_supervised,
    schedule_forever,
    schedule_once,
)

LOST = "server closed the connection unexpectedly"


def make_worker(cls: type[Worker] = SupervisedWorker) -> Any:
    """A worker that runs what is queued, then stops (``--batch``)."""
    return cls(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def fail_first(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, times: int) -> None:
    """``owner.name`` raises a lost-connection error on its first ``times`` calls."""
    original = getattr(owner, name)
    calls = {"n": 0}

    def patched(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError(LOST)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, patched)


def test_backoff_doubles_up_to_a_minute() -> None:
    assert [backoff(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff(10_000) == BACKOFF_CAP


# --- a lost connection ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_a_lost_connection_and_runs_the_queue(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The queue query fails three times (the database restarting): django-tasks-db's own
    loop dies on the first; the supervised one closes the connection, waits 1, 2, 4 s, logs
    a warning each time, then runs the task."""
    queued = deliver_notifications_task.enqueue()
    fail_first(monkeypatch, DBTaskResultQuerySet, "get_locked", 1)
    with pytest.raises(OperationalError):
        make_worker(Worker).run()

    fail_first(monkeypatch, DBTaskResultQuerySet, "get_locked", 3)
    slept: list[float] = []
    with caplog.at_level(logging.WARNING, logger="huying.worker"):
        run_supervised(make_worker(), sleep=slept.append)
    assert slept == [1, 2, 4]
    assert [r.levelname for r in caplog.records] == ["WARNING"] * 3
    assert LOST in caplog.records[0].getMessage()
    assert DBTaskResult.objects.get(pk=queued.id).status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_a_task_cut_short_by_the_database_is_failed_and_queued_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The connection goes while a task runs, so even recording its end fails and the row
    would stay RUNNING: once the database is back the worker marks it failed and, as
    notification delivery may run twice, queues it again and runs it."""
    queued = deliver_notifications_task.enqueue()
    fail_first(monkeypatch, DBTaskResult, "set_successful", 1)
    fail_first(monkeypatch, DBTaskResult, "set_failed", 1)
    slept: list[float] = []
    run_supervised(make_worker(), sleep=slept.append)
    assert slept == [1]
    lost = DBTaskResult.objects.get(pk=queued.id)
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == "huying.ops.worker.WorkerLost"
    again = DBTaskResult.objects.exclude(pk=queued.id).get()
    assert again.task_path == lost.task_path and again.status == TaskResultStatus.SUCCESSFUL


@task()
def cut_my_connection() -> None:
    """A task during which PostgreSQL drops the worker's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_terminated_backend_does_not_end_the_worker(caplog: pytest.LogCaptureFixture) -> None:
    """The real thing on PostgreSQL: the backend serving the worker is terminated mid-task
    (as ``pg_terminate_backend`` or a restart does). django-tasks-db's loop died here; the
    supervised worker reconnects, records the task as lost and goes on."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    queued = cut_my_connection.enqueue()
    slept: list[float] = []
    with caplog.at_level(logging.WARNING, logger="huying.worker"):
        run_supervised(make_worker(), sleep=slept.append)
    assert slept == [1]
    row = DBTaskResult.objects.get(pk=queued.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "huying.ops.worker.WorkerLost"
    assert not DBTaskResult.objects.exclude(pk=queued.id).exists()  # not one to run twice
    assert "database unavailable" in caplog.text


def test_the_scheduler_thread_waits_out_a_lost_connection(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The scheduler used to die silently on an error outside its per-job guard (its thread
    ended, the worker ran on without a schedule). It backs off and carries on."""
    ticks: list[str] = []

    def tick(worker_id: str, jobs: Any, *, now: float, recover: bool = True) -> None:
        ticks.append("tick")
        if len(ticks) <= 2:
            raise OperationalError(LOST)

    class Stop(threading.Event):
        waits: list[float] = []

        def wait(self, timeout: float | None = None) -> bool:
            self.waits.append(timeout or 0)
            if len(self.waits) == 4:
                self.set()
            return self.is_set()

    monkeypatch.setattr(ops_worker, "schedule_once", tick)
    monkeypatch.setattr(ops_worker, "drop_connections", lambda: None)
    monkeypatch.setattr(ops_worker, "close_old_connections", lambda: None)
    stop = Stop()
    with caplog.at_level(logging.WARNING, logger="huying.worker"):
        schedule_forever("w", default_jobs(), stop=stop)
    assert len(ticks) == 4
    assert stop.waits == [1, 2, 10, 10]  # backoff, then the normal tick
    assert "scheduler retrying" in caplog.text


# --- the schedule, heartbeats and lost tasks -----------------------------------------------------


def test_schedule_period_is_claimed_once(db: None) -> None:
    assert claim_period("sweep", 60, 1_000_000.0) is True
    assert claim_period("sweep", 60, 1_000_030.0) is False
    assert claim_period("sweep", 60, 1_000_061.0) is True


def test_a_tick_beats_and_enqueues_each_job_once_per_period(db: None) -> None:
    schedule_once("w1", default_jobs(), now=1_000_000.0)
    schedule_once("w2", default_jobs(), now=1_000_001.0)  # a second worker, same period
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == sorted(
        j.task.module_path for j in default_jobs()
    )
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"w1", "w2"}


def running(task_: Any, *, worker: str, started: timedelta, args: tuple[Any, ...] = ()) -> Any:
    """A task claimed by ``worker`` ``started`` ago."""
    row = DBTaskResult.objects.get(pk=task_.enqueue(*args).id)
    row.claim(worker)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - started)
    return row.pk


def test_tasks_whose_worker_died_are_failed_and_the_idempotent_ones_queued_again(
    db: None, settings: Any
) -> None:
    settings.HUYING_TASK_STALE_AFTER = 600
    settings.HUYING_WORKER_HEARTBEAT_MAX_AGE = 120
    now = timezone.now()
    heartbeat("alive", now=now - timedelta(seconds=30))
    heartbeat("dead", now=now - timedelta(minutes=30))
    lost_sweep = running(sweep_deadlines_task, worker="dead", started=timedelta(minutes=20))
    lost_export = running(case_export_task, worker="dead", started=timedelta(minutes=20), args=(1,))
    never_beat = running(deliver_notifications_task, worker="old", started=timedelta(hours=1))
    long_but_alive = running(sweep_deadlines_task, worker="alive", started=timedelta(hours=1))
    just_started = running(sweep_deadlines_task, worker="dead", started=timedelta(minutes=2))

    assert recover_stale_tasks(now=now) == Recovery(failed=3, requeued=2)
    status = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert status[lost_sweep] == status[lost_export] == status[never_beat] == "FAILED"
    assert status[long_but_alive] == status[just_started] == "RUNNING"
    lost = DBTaskResult.objects.get(pk=lost_sweep)
    assert lost.exception_class_path.endswith(WorkerLost.__name__)
    assert "worker dead stopped" in lost.traceback
    queued_again = DBTaskResult.objects.ready().values_list("task_path", flat=True)
    assert sorted(queued_again) == sorted(
        [sweep_deadlines_task.module_path, deliver_notifications_task.module_path]
    )
    # Another worker recovering at the same moment finds nothing left to do.
    assert recover_stale_tasks(now=now) == Recovery()


# --- exit codes ----------------------------------------------------------------------------------


def test_the_command_refuses_without_the_database_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with pytest.raises(CommandError, match="不需要 worker"):
        call_command("worker")


def test_the_command_refuses_an_unmigrated_database(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huying.ops.management.commands import worker as command

    monkeypatch.setattr(command, "unapplied_migrations", lambda: ["ops.0001_worker_heartbeat"])
    with pytest.raises(CommandError, match="huying migrate"):
        call_command("worker")
