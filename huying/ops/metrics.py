"""What Prometheus scrapes at ``GET /metrics``: request latency by view and responses by status
(counted in-process, one middleware, no database), and the state of the background work
(read from the database at scrape time, so every web process reports the same figures).

Under gunicorn each worker process counts its own requests; with ``PROMETHEUS_MULTIPROC_DIR``
set (``deploy/gunicorn.conf.py`` sets it) prometheus-client keeps the counts in memory-mapped
files there and a scrape of any worker adds up all of them. Without it (runserver, tests) the
counts are the answering process's own.

The endpoint answers only a caller with ``Authorization: Bearer $HUYING_METRICS_TOKEN`` or
from an address in ``HUYING_METRICS_ALLOW`` (read like the sign-in throttle reads it, through
``HUYING_PROXY_HOPS``); with neither set it does not exist (404)."""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from time import perf_counter

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from huying.backends import uses_redis
from huying.core.lastrun import last_run
from huying.core.models import Delivery, Notification
from huying.ops.health import oldest_ready_enqueued_at, uses_database_queue
from huying.ops.worker import last_heartbeat
from huying.org.signin import client_ip

#: The request metrics' own registry: in multiprocess mode the values live in files anyway,
#: and nothing else of the process's (the default registry's platform and GC collectors,
#: meaningless summed over processes) ends up in the answer.
REQUESTS = CollectorRegistry(auto_describe=True)

#: Seconds; 0.3 is the issue's p95 target for a page, 0.02 its target for one case.
BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

LATENCY = Histogram(
    "huying_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by view (URL name).",
    ["view", "method"],
    buckets=BUCKETS,
    registry=REQUESTS,
)
RESPONSES = PromCounter(
    "huying_http_responses",
    "Responses by view (URL name), method and status code.",
    ["view", "method", "status"],
    registry=REQUESTS,
)

#: Any other method is counted as "other": a label value per made-up method would let a
#: client grow the series without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def view_label(request: HttpRequest) -> str:
    """The URL's name (``cases:detail``), else its route pattern (``api/v1/cases/<int:id>``),
    never the path itself: one series per view, however many cases there are. A request no
    URL matched (a 404, or one refused by a middleware first) is ``unmatched``."""
    match = request.resolver_match
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class MetricsMiddleware:
    """Outermost, so the figure includes every other middleware. A clock, a label lookup and
    two in-memory (or memory-mapped) increments: no query, no lock shared across processes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = perf_counter()
        response = self.get_response(request)
        elapsed = perf_counter() - started
        view = view_label(request)
        method = request.method if request.method in METHODS else "other"
        LATENCY.labels(view, method).observe(elapsed)
        RESPONSES.labels(view, method, str(response.status_code)).inc()
        return response


# --- the background work, from the database ------------------------------------------------------


def _gauge(name: str, doc: str, value: float, **labels: str) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family


class WorkCollector(Collector):
    """Figures every web process would read alike: queue age, the last deadline sweep,
    notifications waiting, the newest worker heartbeat. Six indexed reads and the count of
    unsent notifications (the filter the worker's delivery reads every 10 s), made only when
    Prometheus asks (every 15–60 s), never per request."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        try:
            yield from self._work(now)
        except DatabaseError:
            yield _gauge("huying_database_up", "1 when the database answered the scrape.", 0)
            return
        yield _gauge("huying_database_up", "1 when the database answered the scrape.", 1)

    def _work(self, now: datetime) -> Iterator[Metric]:
        families: list[Metric] = []
        waited: float | None = None
        queue_known = False
        if uses_database_queue():
            oldest = oldest_ready_enqueued_at()
            waited = None if oldest is None else (now - oldest).total_seconds()
            queue_known = True
        elif uses_redis():
            from huying.ops.redis_queue import REDIS_DOWN, queue_state  # only where tasks use it

            try:
                waited = queue_state(now=now)["oldest_age_s"]
                queue_known = True
            except REDIS_DOWN:
                pass  # /healthz says so; the other figures still stand
        if queue_known:
            families.append(
                _gauge(
                    "huying_task_queue_oldest_age_seconds",
                    "How long the task that has waited longest among those due to run has "
                    "waited (0: none waiting).",
                    max(0.0, waited or 0.0),
                )
            )
        if uses_database_queue() or uses_redis():
            beat = last_heartbeat()
            if beat is not None:
                families.append(
                    _gauge(
                        "huying_worker_heartbeat_age_seconds",
                        "Seconds since the newest heartbeat of any huying worker.",
                        max(0.0, (now - beat).total_seconds()),
                    )
                )
        sweep = last_run("sweep_deadlines")
        if sweep is not None:
            seconds, finished = sweep
            families.append(
                _gauge(
                    "huying_deadline_sweep_duration_seconds",
                    "How long the last deadline sweep took.",
                    seconds,
                )
            )
            families.append(
                _gauge(
                    "huying_deadline_sweep_age_seconds",
                    "Seconds since the last deadline sweep finished.",
                    max(0.0, (now - finished).total_seconds()),
                )
            )
        families.append(
            _gauge(
                "huying_notifications_unsent",
                "Notifications written and not yet handed to the delivery backend.",
                Notification.objects.filter(sent_at__isnull=True).count(),
            )
        )
        waiting = GaugeMetricFamily(
            "huying_notification_deliveries",
            "Deliveries on outgoing channels (e-mail, SMS, robots) not yet sent, by state: "
            "pending and failed wait for their next attempt, dead ones were given up.",
            labels=["state"],
        )
        unsent = [state for state in Delivery.State if state != Delivery.State.SENT]
        # IN, not <>: the (state, next_attempt_at) index then reads the unsent rows only.
        counts = dict(
            Delivery.objects.filter(state__in=unsent)
            .values("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        for state in unsent:
            waiting.add_metric([state.value], counts.get(state.value, 0))
        families.append(waiting)
        yield from families


def exposition() -> bytes:
    """The text Prometheus reads: the request metrics (all gunicorn workers' in multiprocess
    mode) followed by the background work's."""
    requests: CollectorRegistry = REQUESTS
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        MultiProcessCollector(requests)
    work = CollectorRegistry()
    work.register(WorkCollector())
    return generate_latest(requests) + generate_latest(work)


# --- who may scrape ------------------------------------------------------------------------------


def scraping_enabled() -> bool:
    return bool(settings.HUYING_METRICS_TOKEN or settings.HUYING_METRICS_ALLOW)


def may_scrape(request: HttpRequest) -> bool:
    """The bearer token (compared in constant time), or a client address in the allowed
    networks."""
    token = settings.HUYING_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True
    address = client_ip(request)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(
        ip in ipaddress.ip_network(net, strict=False) for net in settings.HUYING_METRICS_ALLOW
    )
