"""The demo's own webhook receiver: a subscription the demo makes, pointing back at this
server, so the worker's signed deliveries are seen arriving in the server log, as a
receiving system would check them (``verify_signature``: signature, timestamp, replay).

Only with ``HUYING_DEMO`` (the endpoint is a 404 otherwise). The demo makes the subscription
after its year is built, so only what happens after that (cases reported, triaged, closed
while someone tries the demo) is delivered; a year of history is not replayed into the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _

from huying.core.errors import NotFound, PermissionDenied
from huying.integrations.models import WebhookEvent, WebhookSubscription
from huying.integrations.webhooks import SignatureRefused, verify_signature
from huying.org.models import Role, RoleGrant

logger = logging.getLogger("huying.webhooks.sink")

DEMO_SINK_NAME = "演示接收端 demo sink"
#: Delivery ids accepted by this process, for the replay check (older ones are stale anyway).
_seen: set[str] = set()


def demo_sink_subscribe(*, url: str) -> WebhookSubscription | None:
    """The demo's subscription to every kind of event, owned by the hub's dispatcher (who
    sees every case), posting to ``url``; made once, its address kept up to date. None when
    the district has no dispatcher."""
    owner = RoleGrant.objects.filter(role=Role.HUB_DISPATCHER).order_by("pk").first()
    if owner is None:
        return None
    sub, _created = WebhookSubscription.objects.update_or_create(
        name=DEMO_SINK_NAME,
        defaults={"url": url, "events": list(WebhookEvent.values), "owner": owner, "active": True},
    )
    return sub


def sink_receive(*, headers: Mapping[str, str], body: bytes) -> str:
    """Check one delivery as a receiver must and log it; the delivery's id. A wrong
    signature, a stale timestamp or a replay is refused (403) and logged as such."""
    if not settings.HUYING_DEMO:
        raise NotFound()
    sub = WebhookSubscription.objects.filter(name=DEMO_SINK_NAME).only("secret").first()
    if sub is None:
        raise NotFound()
    try:
        delivery = verify_signature(sub.secret, headers, body, seen=_seen)
    except SignatureRefused as exc:
        logger.warning("webhook demo sink refused: %s (%s)", exc.code, exc)
        raise PermissionDenied(_("签名校验未通过：%(code)s") % {"code": exc.code}) from None
    try:
        data = json.loads(body)
        what = f"{data['type']} {data['event']['case_number']} {data['event']['action']}"
    except (ValueError, KeyError, TypeError):
        what = "?"
    logger.info("webhook demo sink received %s delivery=%s (signature ok)", what, delivery)
    return delivery
