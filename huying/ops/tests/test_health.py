"""GET /healthz: 200 while the database answers, a worker beats and the queue moves; 503
with the failing check otherwise. No login, and nothing in it but figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from huying.cases.tasks import sweep_deadlines_task
from huying.ops import health as health_module
from huying.ops.worker import heartbeat


@pytest.fixture
def limits(settings: Any) -> None:
    settings.HUYING_WORKER_HEARTBEAT_MAX_AGE = 120
    settings.HUYING_QUEUE_MAX_AGE = 300


def probe() -> tuple[int, dict[str, Any]]:
    response = Client().get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_healthy_with_a_live_worker_and_a_moving_queue(db: None, limits: None) -> None:
    heartbeat("w1", now=timezone.now() - timedelta(seconds=30))
    sweep_deadlines_task.enqueue()  # just queued
    status, report = probe()
    assert status == 200
    assert report["status"] == "ok"
    checks = report["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["worker"]["ok"] and 29 <= checks["worker"]["heartbeat_age_s"] <= 60
    assert checks["worker"]["max_age_s"] == 120
    assert checks["queue"]["ok"] and checks["queue"]["oldest_age_s"] < 60
    assert set(checks) == {"database", "worker", "queue"}
    assert "w1" not in str(report)  # no worker ids, hosts or pids


def test_no_worker_ever_is_unhealthy(db: None, limits: None) -> None:
    status, report = probe()
    assert status == 503 and report["status"] == "unhealthy"
    assert report["checks"]["worker"] == {"ok": False, "heartbeat_age_s": None, "max_age_s": 120}
    assert report["checks"]["queue"]["ok"]  # an empty queue is fine


def test_a_worker_that_stopped_beating_is_unhealthy(db: None, limits: None) -> None:
    heartbeat("w1", now=timezone.now() - timedelta(minutes=5))
    status, report = probe()
    assert status == 503
    assert not report["checks"]["worker"]["ok"]
    assert report["checks"]["worker"]["heartbeat_age_s"] >= 300


def test_a_task_waiting_too_long_is_unhealthy(db: None, limits: None) -> None:
    heartbeat("w1", now=timezone.now())
    waiting = sweep_deadlines_task.enqueue()
    DBTaskResult.objects.filter(pk=waiting.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=10)
    )
    status, report = probe()
    assert status == 503
    assert report["checks"]["worker"]["ok"]
    assert not report["checks"]["queue"]["ok"] and report["checks"]["queue"]["oldest_age_s"] >= 600


def test_an_unreachable_database_is_unhealthy(monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        def cursor(self) -> Any:
            raise OperationalError('connection to server at "10.0.0.5" failed')

    monkeypatch.setattr(health_module, "connection", Down())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "checks": {"database": {"ok": False}}}
    assert b"10.0.0.5" not in response.content


def test_without_the_database_queue_only_the_database_counts(db: None, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    status, report = probe()
    assert status == 200 and set(report["checks"]) == {"database"}
