"""Outgoing webhooks: an outbox of deliveries, posted by the worker, signed, retried, in order.

When an event is appended to a case's trail, each active subscription that chose its kind
and whose owner may see the case gets a delivery row in the same transaction (the event and
its deliveries commit together or not at all). The worker claims a due delivery by
compare-and-set (``pending`` → ``sending`` on its ``version``), so two workers never both
post it; posts it; and records the try. A 2xx answer delivers it; anything else (another
status, a refused connection, a timeout) waits ``HUYING_WEBHOOK_BACKOFF`` seconds, doubled
after each next failure up to ``HUYING_WEBHOOK_BACKOFF_CAP``, and after
``HUYING_WEBHOOK_MAX_ATTEMPTS`` tries the delivery is dead (the admin's delivery log shows
it, and may send it again). A case's next delivery to a subscription waits until the one
before it is delivered or dead, so a receiver gets each case's events in order.

The request (``README.md``, "Webhooks"): ``POST`` of the JSON body with

- ``X-Huying-Event``: ``case.created``, ``case.state_changed``, ``case.closed`` or ``case.rated``;
- ``X-Huying-Delivery``: the delivery's id (a UUID; the same on every try of it);
- ``X-Huying-Timestamp``: seconds since 1970 when this try was sent;
- ``X-Huying-Signature``: ``sha256=`` and the hex HMAC-SHA256, keyed with the subscription's
  secret, of the timestamp, a ``.``, and the body's bytes.

A receiver checks it with ``verify_signature``: the signature, a timestamp within the
tolerance, and a delivery id it has not accepted before (a replay within the tolerance). A
worker that died after posting leaves its claim, offered again after
``HUYING_WEBHOOK_LEASE`` seconds: the receiver may then get a delivery twice, with the same
id, which is why it keeps the ids.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.utils import timezone, translation

from huying.cases.models import Case, CaseEvent, CaseState
from huying.cases.selectors import cases_visible_to
from huying.core.audit import jsonable
from huying.core.channels import opener
from huying.core.remembered import Remembered
from huying.integrations.feed import event_item
from huying.integrations.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from huying.org.actors import Actor

logger = logging.getLogger("huying.webhooks")

HEADER_EVENT = "X-Huying-Event"
HEADER_DELIVERY = "X-Huying-Delivery"
HEADER_TIMESTAMP = "X-Huying-Timestamp"
HEADER_SIGNATURE = "X-Huying-Signature"

#: How far a receiver lets a timestamp be from its own clock by default (seconds).
TOLERANCE = 300

#: The trail actions that rate a case's departments (huying.evaluation): a rating and its
#: one correction.
RATED_ACTIONS = frozenset({"rating.create", "rating.correct"})

E = WebhookEvent
S = DeliveryState


# --- what an event is, and what is sent ------------------------------------------------------


def event_kinds(event: CaseEvent) -> list[str]:
    """The kinds an event is of, the most specific first (see ``WebhookEvent``)."""
    kinds = []
    if event.seq == 1:
        kinds.append(E.CASE_CREATED)
    if event.action in RATED_ACTIONS:
        kinds.append(E.CASE_RATED)
    if event.to_state != event.from_state:
        if event.to_state == CaseState.CLOSED:
            kinds.append(E.CASE_CLOSED)
        kinds.append(E.CASE_STATE_CHANGED)
    return [str(k) for k in kinds]


def case_summary(case: Case) -> dict[str, Any]:
    """The case as a receiver sees it after the event: numbers and states, no free text and
    nobody's name or phone (``GET /api/v1/cases/{id}`` has the rest, for a holder who may
    read it)."""
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "source": case.source,
        "level": case.level,
        "item_id": case.item_id,
        "route": case.route,
        "street_id": case.street_id,
        "community_id": case.community_id,
        "grid_id": case.grid_id,
        "reported_at": jsonable(case.reported_at),
        "due_at": jsonable(case.due_at),
        "overdue": case.overdue,
        "closed_at": jsonable(case.closed_at),
        "satisfaction": case.satisfaction,
    }


def body_of(event: CaseEvent, kind: str, delivery_id: str) -> str:
    """Sent, not shown to whoever made the step: its labels in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        item = event_item(event, number=event.case.number, names=False)
    payload = {
        "delivery": delivery_id,
        "type": kind,
        "event": item,
        "case": case_summary(event.case),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _sees(actor: Actor, case: Case) -> bool:
    """Whether the owner may read the case: a role that sees all, any case of its district
    (a city role: of every district) without a query; others, by their scope."""
    if actor.sees_all:
        return actor.district_id in (None, case.district_id)
    return cases_visible_to(actor).filter(pk=case.pk).exists()


#: The active subscriptions, read once per few seconds rather than once per case event;
#: forgotten when a subscription or any role grant changes (``IntegrationsConfig.ready``).
#: A process that has not yet forgotten may queue a delivery for a subscription just
#: switched off or whose owner just lost the role: ``due`` never sends those.
subscriptions_remembered = Remembered("integrations:webhooks", "HUYING_AUTH_CACHE_SECONDS")


def _subscriptions() -> list[WebhookSubscription]:
    return (
        subscriptions_remembered.get(
            "subscriptions",
            "active",
            lambda: list(
                WebhookSubscription.objects.filter(active=True, owner__is_active=True)
                .select_related("owner__user", "owner__unit")
                .defer("owner__unit__boundary")
                .order_by("pk")
            ),
        )
        or []
    )


def _deliveries(
    events: Sequence[CaseEvent], subscriptions: list[WebhookSubscription]
) -> list[WebhookDelivery]:
    """For each event, in order, a delivery to each subscription that chose one of its kinds
    and whose owner may see its case (asked once per owner and case)."""
    sees: dict[tuple[int, int], bool] = {}
    rows = []
    for event in events:
        kinds = event_kinds(event)
        if not kinds:
            continue
        for sub in subscriptions:
            kind = next((k for k in kinds if k in sub.events), None)
            if kind is None:
                continue
            key = (sub.pk, event.case_id)
            if key not in sees:
                sees[key] = _sees(Actor.from_grant(sub.owner), event.case)
            if not sees[key]:
                continue
            delivery = WebhookDelivery(
                subscription=sub,
                event=event,
                case_id=event.case_id,
                event_type=kind,
                created_at=event.at,
                next_attempt_at=event.at,
            )
            delivery.body = body_of(event, kind, str(delivery.delivery_id))
            rows.append(delivery)
    return rows


def enqueue_deliveries(event: CaseEvent) -> int:
    """In the event's transaction (``huying.cases.hooks``): a delivery for each active
    subscription that chose one of its kinds and whose owner may see the case."""
    if not event_kinds(event):
        return 0
    rows = _deliveries([event], _subscriptions())
    WebhookDelivery.objects.bulk_create(rows)
    return len(rows)


def enqueue_many_deliveries(events: Sequence[CaseEvent]) -> int:
    """The same for a bulk writer's events (the demo's year of plain cases): the
    subscriptions read once, and nothing more when there are none."""
    subscriptions = _subscriptions()
    if not subscriptions:
        return 0
    rows = _deliveries(events, subscriptions)
    WebhookDelivery.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- signing ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` keyed with the subscription's secret."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, *, kind: str, delivery_id: str, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Huying-Webhook/1",
        HEADER_EVENT: kind,
        HEADER_DELIVERY: delivery_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: "sha256=" + sign(secret, timestamp, body),
    }


class SignatureRefused(ValueError):
    """Why a receiver must refuse a request: ``code`` is ``missing``, ``malformed``,
    ``stale`` (the timestamp is outside the tolerance), ``mismatch`` (wrong secret or an
    altered body or timestamp) or ``replayed`` (a delivery id already accepted)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class SeenIds(Protocol):
    def __contains__(self, item: object, /) -> bool: ...

    def add(self, item: str, /) -> None: ...


def verify_signature(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance: int = TOLERANCE,
    *,
    now: float | None = None,
    seen: SeenIds | None = None,
) -> str:
    """For a receiver: check a webhook request and return its delivery id, or raise
    ``SignatureRefused``. ``body``: the raw bytes as received (not re-encoded JSON).
    ``seen``: the delivery ids accepted within the last ``tolerance`` seconds (a set, or a
    store with ``in`` and ``add``); a known one is a replay, a new one is added. Older ids
    need not be kept: their timestamps are refused as stale."""
    lower = {k.lower(): v for k, v in headers.items()}
    signature = lower.get(HEADER_SIGNATURE.lower(), "")
    raw_timestamp = lower.get(HEADER_TIMESTAMP.lower(), "")
    delivery_id = lower.get(HEADER_DELIVERY.lower(), "")
    if not (signature and raw_timestamp and delivery_id):
        raise SignatureRefused("missing", "signature, timestamp or delivery id missing")
    scheme, _sep, digest = signature.partition("=")
    if scheme != "sha256" or len(digest) != 64 or not (digest + raw_timestamp).isascii():
        raise SignatureRefused("malformed", "expected sha256=<64 hex digits>")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise SignatureRefused("malformed", "the timestamp is not a whole number") from None
    expected = sign(secret, raw_timestamp, body)
    if not hmac.compare_digest(expected, digest.lower()):
        raise SignatureRefused("mismatch", "the signature does not match")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureRefused("stale", "the timestamp is outside the tolerance")
    if seen is not None:
        if delivery_id in seen:
            raise SignatureRefused("replayed", "this delivery was accepted before")
        seen.add(delivery_id)
    return delivery_id


# --- posting ---------------------------------------------------------------------------------

#: ``send(url, body, headers, timeout)`` → the HTTP status; raises when nothing answered.
Sender = Callable[[str, bytes, dict[str, str], float], int]


#: No redirects: a redirect is an answer other than 2xx, the body is not sent elsewhere.
_opener = opener


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try (1-based): doubling, capped."""
    seconds = settings.HUYING_WEBHOOK_BACKOFF * 2 ** min(attempts - 1, 30)
    return timedelta(seconds=min(seconds, settings.HUYING_WEBHOOK_BACKOFF_CAP))


@dataclass
class DeliveryRun:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    #: Claims of workers that died, offered again.
    released: int = 0


def due(now: datetime, *, limit: int) -> list[WebhookDelivery]:
    """Pending deliveries whose time has come and that wait for no earlier delivery of the
    same case to the same subscription, oldest first."""
    earlier = WebhookDelivery.objects.filter(
        subscription_id=OuterRef("subscription_id"),
        case_id=OuterRef("case_id"),
        pk__lt=OuterRef("pk"),
        state__in=[S.PENDING, S.SENDING],
    )
    return list(
        WebhookDelivery.objects.filter(
            ~Exists(earlier),
            state=S.PENDING,
            next_attempt_at__lte=now,
            subscription__active=True,
            subscription__owner__is_active=True,
        )
        .select_related("subscription")
        .order_by("pk")[:limit]
    )


def claim(delivery: WebhookDelivery, now: datetime) -> bool:
    """Compare-and-set ``pending`` → ``sending`` on the version read: of two workers that
    read the same row, one wins. The winner's copy is updated."""
    won = WebhookDelivery.objects.filter(
        pk=delivery.pk, state=S.PENDING, version=delivery.version
    ).update(state=S.SENDING, version=F("version") + 1, attempts=F("attempts") + 1, claimed_at=now)
    if won != 1:
        return False
    delivery.state = S.SENDING
    delivery.version += 1
    delivery.attempts += 1
    delivery.claimed_at = now
    return True


def release_stale(now: datetime) -> int:
    """Claims older than the lease belong to a worker that died while posting."""
    return WebhookDelivery.objects.filter(
        state=S.SENDING, claimed_at__lt=now - timedelta(seconds=settings.HUYING_WEBHOOK_LEASE)
    ).update(state=S.PENDING, version=F("version") + 1, next_attempt_at=now, claimed_at=None)


def attempt(delivery: WebhookDelivery, *, send: Sender, clock: Callable[[], datetime]) -> str:
    """Post a claimed delivery once and record the try; returns the delivery's new state
    (unchanged ``sending`` when its claim was lost meanwhile)."""
    sub = delivery.subscription
    body = delivery.body.encode()
    started = clock()
    headers = signed_headers(
        sub.secret,
        body,
        kind=delivery.event_type,
        delivery_id=str(delivery.delivery_id),
        timestamp=int(started.timestamp()),
    )
    status: int | None = None
    error = ""
    began = time.monotonic()
    try:
        status = send(sub.url, body, headers, settings.HUYING_WEBHOOK_TIMEOUT)
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    took = int((time.monotonic() - began) * 1000)
    now = clock()
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        at=started,
        status=status,
        error=error[:500],
        duration_ms=took,
    )
    values: dict[str, Any] = {"last_status": status, "last_error": error[:500]}
    if not error:
        values |= {"state": S.DELIVERED, "finished_at": now}
    elif delivery.attempts >= settings.HUYING_WEBHOOK_MAX_ATTEMPTS:
        values |= {"state": S.DEAD, "finished_at": now}
        logger.warning(
            "webhook %s to %s dead after %d tries: %s",
            delivery.delivery_id,
            sub.name,
            delivery.attempts,
            error,
        )
    else:
        values |= {"state": S.PENDING, "next_attempt_at": now + backoff(delivery.attempts)}
    won = WebhookDelivery.objects.filter(
        pk=delivery.pk, state=S.SENDING, version=delivery.version
    ).update(version=F("version") + 1, claimed_at=None, **values)
    return str(values["state"]) if won else S.SENDING


def deliver_due(
    *,
    limit: int = 50,
    send: Sender = post,
    clock: Callable[[], datetime] = timezone.now,
) -> DeliveryRun:
    """The worker's pass: at most ``limit`` tries. A delivered one may free the next of its
    case, so the due list is read again while deliveries go through. A subscription whose
    address failed once in this pass is left alone for the rest of it: its other deliveries
    would only wait out the same timeout."""
    run = DeliveryRun(released=release_stale(clock()))
    failing: set[int] = set()
    tried = 0
    while tried < limit:
        batch = [d for d in due(clock(), limit=limit - tried) if d.subscription_id not in failing]
        delivered = run.delivered
        for delivery in batch:
            if delivery.subscription_id in failing or not claim(delivery, clock()):
                continue
            tried += 1
            state = attempt(delivery, send=send, clock=clock)
            if state == S.DELIVERED:
                run.delivered += 1
                continue
            failing.add(delivery.subscription_id)
            if state == S.DEAD:
                run.dead += 1
            elif state == S.PENDING:
                run.retried += 1
        if run.delivered == delivered:
            break
    return run


def deliveries_retry(*, ids: Collection[int], now: datetime) -> int:
    """The admin sends dead deliveries again, from the first try."""
    return WebhookDelivery.objects.filter(pk__in=list(ids), state=S.DEAD).update(
        state=S.PENDING,
        version=F("version") + 1,
        attempts=0,
        next_attempt_at=now,
        finished_at=None,
    )
