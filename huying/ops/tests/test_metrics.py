"""/metrics (Prometheus) and /livez: who may scrape, what the request metrics are labelled by
(the view's name, never the raw path), the background work's gauges read from the database,
and a liveness probe that never touches the database."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from huying.cases.tasks import sweep_deadlines_task
from huying.conftest import World
from huying.core.models import Delivery, Notification
from huying.ops import metrics as metrics_module
from huying.ops.tests.test_redis_queue import on_redis  # noqa: F401  (a fixture)
from huying.ops.worker import heartbeat

TOKEN = "scrape-token-for-tests"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def scraping(settings: Any) -> None:
    settings.HUYING_METRICS_TOKEN = TOKEN
    settings.HUYING_METRICS_ALLOW = []


def scrape(client: Client | None = None) -> Samples:
    response = (client or Client()).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_livez_answers_without_the_database(db: None, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):  # the metrics middleware included
        response = Client().get("/livez")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_metrics_do_not_exist_until_configured(db: None, settings: Any) -> None:
    settings.HUYING_METRICS_TOKEN = ""
    settings.HUYING_METRICS_ALLOW = []
    assert Client().get("/metrics").status_code == 404


def test_only_the_token_or_an_allowed_address_may_scrape(
    db: None, settings: Any, scraping: None
) -> None:
    assert Client().get("/metrics").status_code == 403
    wrong = Client().get("/metrics", headers={"Authorization": "Bearer not-it"})
    assert wrong.status_code == 403
    assert scrape()  # the token
    settings.HUYING_METRICS_TOKEN = ""
    settings.HUYING_METRICS_ALLOW = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.7").get("/metrics").status_code == 403
    # Behind one proxy the client is the proxy's X-Forwarded-For entry, not the proxy.
    settings.HUYING_PROXY_HOPS = 1
    via_proxy = Client(REMOTE_ADDR="10.0.0.1", headers={"X-Forwarded-For": "192.0.2.7"})
    assert via_proxy.get("/metrics").status_code == 403


def test_requests_are_counted_by_view_name_not_path(
    world: World, scraping: None, django_assert_num_queries: Any
) -> None:
    client = world.client("street")
    before = scrape()
    for case_id in (1, 2, 3):  # three paths, one view
        client.get(f"/api/v1/cases/{10**9 + case_id}")
    Client().get("/no/such/page")
    after = scrape()

    def delta(name: str, **labels: str) -> float:
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    detail = {"view": "api:case_detail", "method": "GET"}
    assert delta("huying_http_request_duration_seconds_count", **detail) == 3
    assert delta("huying_http_responses_total", **detail, status="404") == 3
    assert delta("huying_http_request_duration_seconds_bucket", **detail, le="+Inf") == 3
    assert delta("huying_http_responses_total", view="unmatched", method="GET", status="404") == 1
    assert not any("1000000001" in str(labels) for _, labels in after)


def test_the_background_work_gauges(db: None, scraping: None) -> None:
    samples = scrape()
    assert value(samples, "huying_database_up") == 1
    assert value(samples, "huying_task_queue_oldest_age_seconds") == 0
    # Never beaten, never swept: absent rather than a made-up figure.
    assert value(samples, "huying_worker_heartbeat_age_seconds") is None
    assert value(samples, "huying_deadline_sweep_duration_seconds") is None

    now = timezone.now()
    heartbeat("w1", now=now - timedelta(seconds=40))
    sweep_deadlines_task.call()  # records its duration
    sweep_deadlines_task.enqueue()  # and one waiting in the queue
    DBTaskResult.objects.update(enqueued_at=now - timedelta(seconds=90))
    user = get_user_model().objects.create_user(username="metrics-recipient")
    note = Notification.objects.create(
        recipient=user, kind="k", subject="s", message="m", created_at=now
    )
    Notification.objects.create(
        recipient=user, kind="k", subject="s", message="m", created_at=now, sent_at=now
    )
    Delivery.objects.create(notification=note, channel="sms", next_attempt_at=now, created_at=now)
    Delivery.objects.create(
        notification=note, channel="email", state="dead", next_attempt_at=now, created_at=now
    )

    samples = scrape()
    # The ages as set above, plus however long the test took since (measured, not guessed).
    since = (timezone.now() - now).total_seconds()
    assert 90 <= (value(samples, "huying_task_queue_oldest_age_seconds") or 0) <= 90 + since
    assert 40 <= (value(samples, "huying_worker_heartbeat_age_seconds") or 0) <= 40 + since
    assert (value(samples, "huying_deadline_sweep_duration_seconds") or -1) >= 0
    assert 0 <= (value(samples, "huying_deadline_sweep_age_seconds") or -1) < 60
    assert value(samples, "huying_notifications_unsent") == 1
    assert value(samples, "huying_notification_deliveries", state="pending") == 1
    assert value(samples, "huying_notification_deliveries", state="dead") == 1
    assert value(samples, "huying_notification_deliveries", state="failed") == 0
    assert ("huying_notification_deliveries", frozenset({("state", "sent")})) not in samples


@pytest.mark.redis
@pytest.mark.usefixtures("on_redis")
def test_the_queue_age_on_redis(db: None, scraping: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With tasks on Redis the queue's age comes from Redis; the database queue is empty."""
    heartbeat("redis-worker", now=timezone.now())
    assert value(scrape(), "huying_task_queue_oldest_age_seconds") == 0
    sweep_deadlines_task.enqueue()
    assert not DBTaskResult.objects.exists()
    later = timezone.now() + timedelta(seconds=100)
    monkeypatch.setattr(metrics_module, "timezone", SimpleNamespace(now=lambda: later))
    samples = scrape()
    assert 95 <= (value(samples, "huying_task_queue_oldest_age_seconds") or 0) < 160
    assert 95 <= (value(samples, "huying_worker_heartbeat_age_seconds") or 0) < 160
