"""The demo's own webhook receiver: the worker's deliveries arrive signed, are checked as a
receiving system must check them, and are written to the log; forgeries and replays are
refused; outside the demo the endpoint does not exist."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from huying.cases.tests.helpers import submit
from huying.conftest import World
from huying.integrations.models import DeliveryState, WebhookDelivery
from huying.integrations.sink import DEMO_SINK_NAME, _seen, demo_sink_subscribe
from huying.integrations.webhooks import deliver_due

pytestmark = pytest.mark.django_db

SINK = "/api/v1/webhooks/demo-sink"


@pytest.fixture(autouse=True)
def demo(settings: Any) -> None:
    settings.HUYING_DEMO = True
    _seen.clear()


def _through(client: Client, sent: list[tuple[bytes, dict[str, str]]]) -> Any:
    """A sender that posts to the test server, as the worker posts to the demo's."""

    def send(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        assert url.endswith(SINK)
        sent.append((body, headers))
        answer = client.post(SINK, body, content_type=headers["Content-Type"], headers=headers)
        return answer.status_code

    return send


def test_the_demo_sink_logs_each_signed_delivery(
    world: World, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    sub = demo_sink_subscribe(url=f"http://127.0.0.1:8000{SINK}")
    assert sub is not None and sub.name == DEMO_SINK_NAME
    assert demo_sink_subscribe(url=f"http://127.0.0.1:8111{SINK}") == sub  # one, kept current
    case = submit(world, now=timezone.now())
    sent: list[tuple[bytes, dict[str, str]]] = []
    with caplog.at_level(logging.INFO, logger="huying.webhooks.sink"):
        deliver_due(send=_through(client, sent))
    assert WebhookDelivery.objects.get(case=case).state == DeliveryState.DELIVERED
    assert f"webhook demo sink received case.created {case.number} submit" in caplog.text

    # The same request again is a replay; a changed body a forgery: both 403, logged.
    body, headers = sent[0]
    again = client.post(SINK, body, content_type="application/json", headers=headers)
    assert again.status_code == 403
    forged = client.post(
        SINK, body.replace(b"submit", b"archive"), "application/json", headers=headers
    )
    assert forged.status_code == 403
    assert "refused: replayed" in caplog.text and "refused: mismatch" in caplog.text


def test_outside_the_demo_there_is_no_sink(world: World, client: Client, settings: Any) -> None:
    demo_sink_subscribe(url=f"http://127.0.0.1:8000{SINK}")
    settings.HUYING_DEMO = False
    assert client.post(SINK, b"{}", content_type="application/json").status_code == 404
