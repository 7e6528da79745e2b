"""Webhooks: written with the event, posted signed to a real (local) server, retried with
backoff, dead after the last try, in order per case, never claimed twice."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huying.cases import services
from huying.cases.tests.helpers import case_in_state, submit
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import DomainError
from huying.evaluation.rules import Scores
from huying.evaluation.services.ratings import rating_create
from huying.integrations.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from huying.integrations.webhooks import (
    SignatureRefused,
    claim,
    deliver_due,
    deliveries_retry,
    due,
    release_stale,
    sign,
    verify_signature,
)
from huying.org.models import RoleGrant

S = DeliveryState
E = WebhookEvent
SECRET = "s3cret-for-tests"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP server that answers each POST with the next status (then the last one
    again) and checks every request's signature as a real receiver would."""

    url: str
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    #: The receiver's clock (seconds since 1970): the worker's, when the test moves it.
    clock: Callable[[], float] = time.time

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        status = self.statuses[min(len(self.received), len(self.statuses) - 1)]
        try:
            verify_signature(
                SECRET, headers, body, now=self.clock(), seen=self.seen if status < 300 else None
            )
        except SignatureRefused as exc:
            self.refused.append(exc.code)
            return 401
        self.received.append(Received(headers, body))
        return status

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = holder[0].answer(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    server.shutdown()
    server.server_close()


class Clock:
    """The worker's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _grant(world: World, who: str) -> int:
    grant_id = world.actor(who).grant_id
    assert grant_id is not None
    return grant_id


def subscribe(
    world: World,
    url: str,
    *,
    events: list[str] | None = None,
    owner: str = "hub",
    name: str = "12345热线",
) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name=name,
        url=url,
        secret=SECRET,
        events=events if events is not None else list(E.values),
        owner=RoleGrant.objects.get(pk=_grant(world, owner)),
    )


def deliver(clock: Clock | None = None) -> Any:
    """The worker's pass at the real time (the signature's timestamp is checked against
    the receiver's clock), or at ``clock``'s."""
    return deliver_due(clock=clock) if clock else deliver_due()


# --- what is written, and when -------------------------------------------------------------


def test_each_kind_of_event_is_queued_for_the_subscriptions_that_chose_it(world: World) -> None:
    everything = subscribe(world, "http://127.0.0.1:9/a")
    closing = subscribe(world, "http://127.0.0.1:9/b", events=[E.CASE_CLOSED], name="closing")
    case = case_in_state(world, "closed")
    kinds = list(
        WebhookDelivery.objects.filter(subscription=everything)
        .order_by("pk")
        .values_list("event_type", flat=True)
    )
    assert kinds[0] == E.CASE_CREATED
    assert kinds[-1] == E.CASE_CLOSED  # the most specific kind names it, once
    assert set(kinds[1:-1]) == {E.CASE_STATE_CHANGED}
    # One delivery per event that created the case or moved its state.
    assert len(kinds) == 1 + case.events.exclude(from_state=F("to_state")).count()
    only = WebhookDelivery.objects.filter(subscription=closing)
    assert list(only.values_list("event_type", flat=True)) == [E.CASE_CLOSED]


def test_a_state_change_subscriber_is_told_of_the_closing_too(world: World) -> None:
    sub = subscribe(world, "http://127.0.0.1:9/", events=[E.CASE_STATE_CHANGED])
    case = case_in_state(world, "closed")
    moves = case.events.exclude(from_state=F("to_state")).count()
    deliveries = WebhookDelivery.objects.filter(subscription=sub)
    assert deliveries.count() == moves
    assert set(deliveries.values_list("event_type", flat=True)) == {E.CASE_STATE_CHANGED}


def test_a_rating_is_a_rated_delivery(world: World) -> None:
    sub = subscribe(world, "http://127.0.0.1:9/", events=[E.CASE_RATED])
    case = case_in_state(world, "closed")
    rating_create(
        actor=world.actor("street"),
        case_id=case.pk,
        department_id=world.departments["cg"].pk,
        scores=Scores(18, 16, 17, 15, 19),
        now=MONDAY_10AM + timedelta(days=1),
    )
    (delivery,) = WebhookDelivery.objects.filter(subscription=sub)
    assert delivery.event_type == E.CASE_RATED
    body = json.loads(delivery.body)
    assert body["event"]["data"]["total"] == 85
    assert body["event"]["department_id"] == world.departments["cg"].pk


def test_a_subscription_receives_only_what_its_owner_may_see(world: World) -> None:
    other = subscribe(world, "http://127.0.0.1:9/", owner="street_b", name="第2街道系统")
    mine = subscribe(world, "http://127.0.0.1:9/", owner="street", name="第1街道系统")
    case_in_state(world, "triaged")  # street 1
    assert not WebhookDelivery.objects.filter(subscription=other).exists()
    assert WebhookDelivery.objects.filter(subscription=mine).count() == 2


def test_inactive_subscriptions_and_owners_get_nothing(world: World) -> None:
    off = subscribe(world, "http://127.0.0.1:9/")
    off.active = False
    off.save()
    gone = subscribe(world, "http://127.0.0.1:9/", owner="hub_sup")
    RoleGrant.objects.filter(pk=gone.owner_id).update(is_active=False)
    submit(world)
    assert not WebhookDelivery.objects.exists()


def test_the_subscriptions_are_read_once_for_many_events(world: World) -> None:
    subscribe(world, "http://127.0.0.1:9/")
    submit(world)
    with CaptureQueriesContext(connection) as ctx:
        submit(world)
    assert not any("integrations_webhooksubscription" in q["sql"] for q in ctx.captured_queries)
    assert WebhookDelivery.objects.count() == 2


def test_a_new_or_switched_off_subscription_counts_from_the_next_event(world: World) -> None:
    first = subscribe(world, "http://127.0.0.1:9/")
    submit(world)
    second = subscribe(world, "http://127.0.0.1:9/", owner="hub_sup", name="第二个")
    first.active = False
    first.save()
    submit(world)
    assert WebhookDelivery.objects.filter(subscription=first).count() == 1
    assert WebhookDelivery.objects.filter(subscription=second).count() == 1


def test_a_delivery_queued_for_an_owner_who_lost_the_role_is_never_sent(world: World) -> None:
    """Another process may queue one before it forgets the subscriptions it read."""
    sub = subscribe(world, "http://127.0.0.1:9/")
    submit(world)
    assert due(MONDAY_10AM + timedelta(days=3650), limit=10)
    RoleGrant.objects.filter(pk=sub.owner_id).update(is_active=False)
    assert due(MONDAY_10AM + timedelta(days=3650), limit=10) == []


def test_a_refused_or_rolled_back_step_leaves_no_delivery(world: World) -> None:
    subscribe(world, "http://127.0.0.1:9/")
    case = submit(world)
    before = WebhookDelivery.objects.count()
    with pytest.raises(DomainError):
        services.case_verify(actor=world.actor("street"), case_id=case.pk, passed=True)
    assert WebhookDelivery.objects.count() == before

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.case_triage(
            actor=world.actor("street"), case_id=case.pk, item_id=world.items[2].pk
        )
        assert WebhookDelivery.objects.count() == before + 1  # written with the event
        raise Abort
    assert WebhookDelivery.objects.count() == before


def test_the_body_names_nobody_and_carries_no_free_text(world: World) -> None:
    subscribe(world, "http://127.0.0.1:9/")
    case = submit(
        world,
        who="grid_worker",
        reporter_name="张三丰",
        reporter_phone="13800138000",
        address="幸福路88号",
    )
    services.case_reject(actor=world.actor("street"), case_id=case.pk, reason="已联系张三丰")
    for delivery in WebhookDelivery.objects.all():
        for private in ("张三丰", "13800138000", "幸福路88号", "路灯不亮", "晚上一片漆黑"):
            assert private not in delivery.body
        body = json.loads(delivery.body)
        assert body["event"]["actor"] is None and body["event"]["actor_unit"] is None
        assert body["case"]["number"] == case.number


# --- posting ---------------------------------------------------------------------------------


def test_a_delivery_reaches_the_receiver_signed(world: World, receiver: Receiver) -> None:
    subscribe(world, receiver.url, events=[E.CASE_CREATED])
    case = submit(world)
    run = deliver()
    assert run.delivered == 1 and receiver.refused == []
    (got,) = receiver.received
    delivery = WebhookDelivery.objects.get()
    assert got.headers["X-Huying-Event"] == "case.created"
    assert got.headers["X-Huying-Delivery"] == str(delivery.delivery_id)
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    expected = sign(SECRET, got.headers["X-Huying-Timestamp"], got.body)
    assert got.headers["X-Huying-Signature"] == f"sha256={expected}"
    payload = receiver.payloads()[0]
    assert payload["type"] == "case.created" and payload["delivery"] == str(delivery.delivery_id)
    assert payload["case"]["number"] == case.number and payload["event"]["seq"] == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (S.DELIVERED, 1, 200)
    assert deliver().delivered == 0  # delivered once, never again
    assert len(receiver.received) == 1


def test_a_failing_receiver_is_retried_with_growing_waits(
    world: World, receiver: Receiver, settings: Any
) -> None:
    settings.HUYING_WEBHOOK_BACKOFF = 30
    receiver.statuses = [500, 503, 200]
    subscribe(world, receiver.url, events=[E.CASE_CREATED])
    submit(world)
    clock = Clock(MONDAY_10AM)
    receiver.clock = lambda: clock.now.timestamp()
    assert deliver(clock).retried == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == S.PENDING and delivery.last_status == 500
    assert delivery.next_attempt_at == clock.now + timedelta(seconds=30)
    clock.now += timedelta(seconds=29)
    assert deliver(clock) == deliver(clock)  # not yet due: nothing happens
    assert len(receiver.received) == 1
    clock.now += timedelta(seconds=1)
    assert deliver(clock).retried == 1
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == clock.now + timedelta(seconds=60)  # doubled
    clock.now += timedelta(seconds=60)
    assert deliver(clock).delivered == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (S.DELIVERED, 3)
    tries = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(t.number, t.status) for t in tries] == [(1, 500), (2, 503), (3, 200)]
    # Every try sent the same body, each signed with its own timestamp.
    assert len({r.body for r in receiver.received}) == 1


def test_an_unreachable_receiver_is_dead_after_the_last_try(world: World, settings: Any) -> None:
    settings.HUYING_WEBHOOK_MAX_ATTEMPTS = 3
    settings.HUYING_WEBHOOK_TIMEOUT = 1
    subscribe(world, "http://127.0.0.1:9/nobody-listens", events=[E.CASE_CREATED])
    submit(world)
    clock = Clock(MONDAY_10AM)
    for _ in range(2):
        assert deliver(clock).retried == 1
        clock.now += timedelta(days=1)
    assert deliver(clock).dead == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == S.DEAD and delivery.attempts == 3 and delivery.last_status is None
    assert "Error" in delivery.last_error  # the connection was refused
    clock.now += timedelta(days=1)
    assert deliver(clock).dead == 0  # dead stays dead
    assert deliveries_retry(ids=[delivery.pk], now=clock.now) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (S.PENDING, 0)


def test_a_cases_deliveries_go_in_order(world: World, receiver: Receiver) -> None:
    """The second event waits while the first is retried; another case does not wait."""
    receiver.statuses = [500, 200]
    subscribe(world, receiver.url)
    first = submit(world)
    services.case_triage(
        actor=world.actor("street"), case_id=first.pk, item_id=world.items[2].pk, now=MONDAY_10AM
    )
    clock = Clock(MONDAY_10AM)
    receiver.clock = lambda: clock.now.timestamp()
    run = deliver(clock)
    # The first case's created failed; its triage waits; nothing else was tried after the
    # failure (the receiver failed in this pass).
    assert (run.retried, run.delivered) == (1, 0)
    [waiting] = [d for d in WebhookDelivery.objects.filter(event__seq=2)]
    assert waiting.state == S.PENDING and waiting.attempts == 0
    assert waiting not in due(clock.now + timedelta(days=1), limit=10)
    clock.now += timedelta(minutes=5)
    run = deliver(clock)
    assert run.delivered == 2
    seqs = [(p["case"]["number"], p["event"]["seq"]) for p in receiver.payloads()]
    assert seqs == [(first.number, 1), (first.number, 1), (first.number, 2)]


def test_a_dead_delivery_no_longer_holds_the_case_back(world: World, settings: Any) -> None:
    settings.HUYING_WEBHOOK_MAX_ATTEMPTS = 1
    sub = subscribe(world, "http://127.0.0.1:9/")
    case = submit(world)
    services.case_triage(
        actor=world.actor("street"), case_id=case.pk, item_id=world.items[2].pk, now=MONDAY_10AM
    )
    clock = Clock(MONDAY_10AM)
    assert deliver(clock).dead == 1
    (second,) = due(clock.now, limit=10)
    assert second.subscription_id == sub.pk and second.event.seq == 2


def test_two_workers_never_both_claim_a_delivery(world: World) -> None:
    subscribe(world, "http://127.0.0.1:9/", events=[E.CASE_CREATED])
    submit(world)
    now = MONDAY_10AM
    (seen_by_a,) = due(now, limit=10)
    (seen_by_b,) = due(now, limit=10)  # the same row, read before either claims it
    assert claim(seen_by_a, now) is True
    assert claim(seen_by_b, now) is False
    assert due(now, limit=10) == []
    row = WebhookDelivery.objects.get()
    assert (row.state, row.attempts) == (S.SENDING, 1)


def test_a_claim_whose_worker_died_is_offered_again_after_the_lease(
    world: World, settings: Any
) -> None:
    settings.HUYING_WEBHOOK_LEASE = 300
    subscribe(world, "http://127.0.0.1:9/", events=[E.CASE_CREATED])
    submit(world)
    (delivery,) = due(MONDAY_10AM, limit=10)
    assert claim(delivery, MONDAY_10AM)
    assert release_stale(MONDAY_10AM + timedelta(seconds=299)) == 0
    assert release_stale(MONDAY_10AM + timedelta(seconds=301)) == 1
    (again,) = due(MONDAY_10AM + timedelta(seconds=301), limit=10)
    assert again.delivery_id == delivery.delivery_id  # the same id: the receiver dedupes


# --- the receiver's check ------------------------------------------------------------------


def _signed(body: bytes, at: int, secret: str = SECRET, delivery: str = "d-1") -> dict[str, str]:
    return {
        "X-Huying-Delivery": delivery,
        "X-Huying-Timestamp": str(at),
        "X-Huying-Signature": "sha256=" + sign(secret, at, body),
    }


def test_verify_signature_accepts_a_good_request_once() -> None:
    body = '{"type":"case.created","x":"中文"}'.encode()
    seen: set[str] = set()
    headers = {k.lower(): v for k, v in _signed(body, 1000).items()}  # any header case
    assert verify_signature(SECRET, headers, body, 300, now=1100, seen=seen) == "d-1"
    with pytest.raises(SignatureRefused) as replay:
        verify_signature(SECRET, headers, body, 300, now=1101, seen=seen)
    assert replay.value.code == "replayed"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda h, b: (h, b + b" "), "mismatch"),  # the body altered
        (lambda h, b: ({**h, "X-Huying-Timestamp": "1001"}, b), "mismatch"),  # the time moved
        (lambda h, b: (_signed(b, 1000, secret="wrong"), b), "mismatch"),
        (lambda h, b: ({**h, "X-Huying-Signature": "md5=abc"}, b), "malformed"),
        (lambda h, b: ({**h, "X-Huying-Signature": "sha256=" + "é" * 64}, b), "malformed"),
        (lambda h, b: ({**h, "X-Huying-Timestamp": "soon"}, b), "malformed"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "X-Huying-Signature"}, b), "missing"),
        (lambda h, b: (_signed(b, 600), b), "stale"),  # 500 s before now
        (lambda h, b: (_signed(b, 1500), b), "stale"),  # from the future
    ],
)
def test_verify_signature_refuses_what_it_must(change: Any, code: str) -> None:
    body = b'{"type":"case.created"}'
    headers, sent = change(_signed(body, 1000), body)
    seen: set[str] = set()
    with pytest.raises(SignatureRefused) as refused:
        verify_signature(SECRET, headers, sent, 300, now=1100, seen=seen)
    assert refused.value.code == code
    assert seen == set()  # a refused request is not remembered


# --- the admin -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(world: World, django_user_model: Any) -> Client:
    """A superuser (the world's "admin" is a district admin, not a superuser)."""
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 12))
    return client


def test_the_admin_reads_the_delivery_log_and_sends_a_dead_one_again(
    world: World, admin_client: Client, settings: Any
) -> None:
    settings.HUYING_WEBHOOK_MAX_ATTEMPTS = 1
    subscribe(world, "http://127.0.0.1:9/", events=[E.CASE_CREATED])
    case = submit(world)
    deliver(Clock(MONDAY_10AM))
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == S.DEAD
    page = admin_client.get("/admin/integrations/webhookdelivery/")
    assert page.status_code == 200 and case.number in page.content.decode()
    detail = admin_client.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    shown = detail.content.decode()
    assert detail.status_code == 200 and "Error" in shown and case.number in shown
    assert 'name="_save"' not in shown  # read, not edited
    admin_client.post(
        "/admin/integrations/webhookdelivery/",
        {"action": "retry", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (S.PENDING, 0)


def test_the_admin_adds_a_subscription(world: World, admin_client: Client) -> None:
    grant = _grant(world, "street")
    response = admin_client.post(
        "/admin/integrations/webhooksubscription/add/",
        {
            "name": "街道网格系统",
            "url": "https://grid.example/hooks",
            "secret": "k" * 40,
            "events": [E.CASE_CLOSED, E.CASE_CREATED],
            "owner": grant,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sub = WebhookSubscription.objects.get()
    assert sub.events == [E.CASE_CREATED, E.CASE_CLOSED] and sub.owner_id == grant
    refused = admin_client.post(
        "/admin/integrations/webhooksubscription/add/",
        {"name": "x", "url": "ftp://x.example/", "events": [], "owner": grant},
    )
    assert refused.status_code == 200 and WebhookSubscription.objects.count() == 1
