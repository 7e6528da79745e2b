"""Background work on Redis (HUYING_TASK_BACKEND=redis): a task the project really queues goes
to a real Redis, ``huying worker`` runs it through RQ, and its effect is in the database; the
health check reports the Redis queue.

Redis is on the machine (``HUYING_TEST_REDIS_URL``, default database 13 of 127.0.0.1:6379;
xdist worker N uses that number + N): each test empties its database before and after. A Redis
that does not answer skips these tests, except in CI (``CI`` set), where ``.ci/run`` starts one.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks_rq import RQBackend

from huying.backends import rq_queues_setting, tasks_setting
from huying.cases.tasks import deliver_notifications_task
from huying.core.models import Notification
from huying.ops.health import health
from huying.ops.worker import heartbeat

pytestmark = pytest.mark.django_db

#: What the test notification backend was handed, in order.
HANDED: list[str] = []


def collect(notification: Notification) -> None:
    HANDED.append(notification.subject)


def redis_test_url() -> str:
    """The tests' Redis database: its own number per xdist worker, so that two workers never
    empty each other's."""
    base = os.environ.get("HUYING_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    prefix, _, number = base.rpartition("/")
    return f"{prefix}/{int(number or 0) + int(worker.removeprefix('gw') or 0)}"


@pytest.fixture
def on_redis(settings: Any) -> Iterator[redis.Redis]:
    """Tasks on the tests' Redis database, emptied before and after; the signal handlers RQ's
    worker installs are put back."""
    url = redis_test_url()
    connection = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {url}: .ci/run starts one")
        pytest.skip(f"Redis does not answer at {url}")
    connection.flushdb()
    settings.TASKS = tasks_setting("redis")
    settings.RQ_QUEUES = rq_queues_setting(url)
    settings.HUYING_NOTIFY_BACKEND = f"{__name__}.collect"
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    HANDED.clear()
    yield connection
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    connection.flushdb()
    connection.close()


@pytest.mark.redis
def test_a_notification_delivery_queued_on_redis_is_run_by_the_worker(
    on_redis: redis.Redis, settings: Any
) -> None:
    settings.HUYING_QUEUE_MAX_AGE = 300
    assert isinstance(task_backends["default"], RQBackend)
    person = get_user_model().objects.create_user("redis-reader")
    note = Notification.objects.create(
        recipient=person, kind="test", subject="JJ-REDIS-1", message="m", created_at=timezone.now()
    )
    heartbeat("redis-worker", now=timezone.now())

    result = deliver_notifications_task.enqueue()

    assert result.status == TaskResultStatus.READY
    assert on_redis.exists(f"rq:job:{result.id}")  # in Redis, not in the database queue
    ok, report = health(now=timezone.now())
    assert ok and report["checks"]["redis"]["ok"]
    assert report["checks"]["queue"]["waiting"] == 1
    assert report["checks"]["queue"]["oldest_age_s"] < 60
    # The same task still waiting ten minutes on: the queue is stuck.
    late_ok, late = health(now=timezone.now() + timedelta(minutes=10))
    assert not late_ok and not late["checks"]["queue"]["ok"]

    call_command("worker", "--burst")

    note.refresh_from_db()
    assert note.sent_at is not None and HANDED == ["JJ-REDIS-1"]
    done = deliver_notifications_task.get_result(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value is not None and done.return_value["handed_over"] == 1
    ok, report = health(now=timezone.now())
    assert ok and report["checks"]["queue"]["waiting"] == 0
    assert report["checks"]["queue"]["oldest_age_s"] is None


@pytest.mark.redis
def test_a_failing_task_is_recorded_as_failed(on_redis: redis.Redis, settings: Any) -> None:
    settings.HUYING_NOTIFY_BACKEND = "huying.no_such_module.backend"
    result = deliver_notifications_task.enqueue()
    call_command("worker", "--burst")
    failed = deliver_notifications_task.get_result(result.id)
    assert failed.status == TaskResultStatus.FAILED
    assert [e.exception_class_path for e in failed.errors] == ["builtins.ModuleNotFoundError"]


def test_health_reports_redis_down(settings: Any, db: None) -> None:
    """Needs no Redis: the queue points at a port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.TASKS = tasks_setting("redis")
    settings.RQ_QUEUES = rq_queues_setting(f"redis://127.0.0.1:{port}/0")
    heartbeat("w", now=timezone.now())
    ok, report = health(now=timezone.now())
    assert not ok and report["status"] == "unhealthy"
    assert report["checks"]["redis"] == {"ok": False}
    assert report["checks"]["database"]["ok"] and report["checks"]["worker"]["ok"]
