"""Each channel against a local fake of its server: the request's shape and signature, and a
failure (an error status, a robot's error code, a redirect, nobody listening) raised as
DeliveryFailed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from huying.core import notify
from huying.core.channels import (
    DeliveryFailed,
    DingTalkChannel,
    EmailChannel,
    FeishuChannel,
    Message,
    SmsGatewayChannel,
    WeComChannel,
)
from huying.core.models import Delivery
from huying.core.notify import deliver_due

MESSAGE = Message(subject="JJ-2026-00042", text="请在 2 个工作日内签收", email="a@example.org")


@dataclass
class FakeServer:
    """Answers every POST with ``status`` and ``answer``; keeps what it was sent."""

    url: str = ""
    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def last(self) -> tuple[urllib.parse.SplitResult, dict[str, str], Any]:
        path, headers, body = self.requests[-1]
        return urllib.parse.urlsplit(path), headers, json.loads(body)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            fake.requests.append((self.path, dict(self.headers.items()), body))
            answer = json.dumps(fake.answer).encode()
            self.send_response(fake.status)
            for name, value in fake.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook?key=abc"
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()


def b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def test_wecom_posts_markdown_to_the_robot(server: FakeServer) -> None:
    WeComChannel(server.url).send(MESSAGE)
    url, headers, body = server.last()
    assert url.query == "key=abc"
    assert headers["Content-Type"].startswith("application/json")
    assert body["msgtype"] == "markdown"
    assert "JJ-2026-00042" in body["markdown"]["content"]
    assert "请在 2 个工作日内签收" in body["markdown"]["content"]


def test_dingtalk_signs_the_query_with_the_secret(server: FakeServer) -> None:
    DingTalkChannel(server.url, "SECabc").send(MESSAGE)
    url, _, body = server.last()
    query = urllib.parse.parse_qs(url.query)
    timestamp = query["timestamp"][0]
    expected = b64_hmac(b"SECabc", f"{timestamp}\nSECabc".encode())
    assert query["sign"] == [expected]
    assert query["key"] == ["abc"]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "JJ-2026-00042"
    assert "请在 2 个工作日内签收" in body["markdown"]["text"]


def test_dingtalk_without_a_secret_posts_to_the_address_as_given(server: FakeServer) -> None:
    DingTalkChannel(server.url).send(MESSAGE)
    url, _, _ = server.last()
    assert url.query == "key=abc"


def test_feishu_signs_the_body_with_the_secret(server: FakeServer) -> None:
    server.answer = {"code": 0, "msg": "success"}
    FeishuChannel(server.url, "fs-secret").send(MESSAGE)
    _, _, body = server.last()
    assert body["msg_type"] == "text"
    assert "请在 2 个工作日内签收" in body["content"]["text"]
    assert body["sign"] == b64_hmac(f"{body['timestamp']}\nfs-secret".encode(), b"")


def test_sms_gateway_gets_a_signed_json_post(server: FakeServer) -> None:
    SmsGatewayChannel(server.url, "district", "gw-secret").send(
        Message(subject="JJ-2026-00042", text="已办结", phone="13800000000")
    )
    _, headers, raw = server.requests[-1]
    assert json.loads(raw) == {"phone": "13800000000", "text": "JJ-2026-00042 已办结"}
    assert headers["X-Huying-Key"] == "district"
    signed = f"{headers['X-Huying-Timestamp']}.".encode() + raw
    expected = hmac.new(b"gw-secret", signed, hashlib.sha256).hexdigest()
    assert headers["X-Huying-Signature"] == f"sha256={expected}"


def test_sms_to_a_person_without_a_number_sends_nothing(server: FakeServer) -> None:
    SmsGatewayChannel(server.url, "k", "s").send(MESSAGE)
    assert server.requests == []


@pytest.mark.parametrize("status", [500, 403, 302])
def test_a_failing_or_redirecting_server_raises(server: FakeServer, status: int) -> None:
    server.status = status
    server.headers = {"Location": "http://127.0.0.1:9/elsewhere"}
    with pytest.raises(DeliveryFailed, match=str(status)):
        WeComChannel(server.url).send(MESSAGE)
    assert len(server.requests) == 1


def test_a_robots_error_code_raises(server: FakeServer) -> None:
    server.answer = {"errcode": 310000, "errmsg": "sign not match"}
    with pytest.raises(DeliveryFailed, match="sign not match"):
        DingTalkChannel(server.url, "wrong").send(MESSAGE)
    server.answer = {"code": 19021, "msg": "sign match fail"}
    with pytest.raises(DeliveryFailed, match="19021"):
        FeishuChannel(server.url, "wrong").send(MESSAGE)


def test_nobody_listening_raises() -> None:
    with pytest.raises(DeliveryFailed):
        WeComChannel("http://127.0.0.1:9/hook").send(MESSAGE)


def test_email_goes_through_djangos_mail() -> None:
    EmailChannel().send(MESSAGE)
    (sent,) = mail.outbox
    assert sent.to == ["a@example.org"]
    assert sent.subject == "JJ-2026-00042"
    assert "请在 2 个工作日内签收" in sent.body


@pytest.mark.django_db
def test_a_robot_delivery_reaches_the_fake_robot_once_per_event(
    server: FakeServer, settings: Any, django_user_model: Any, monkeypatch: Any
) -> None:
    """Three people told of one event: the DingTalk group gets one signed message."""
    settings.HUYING_NOTIFY_CHANNELS = ["dingtalk"]
    settings.HUYING_DINGTALK_WEBHOOK = server.url
    settings.HUYING_DINGTALK_SECRET = "SECabc"
    settings.HUYING_QUIET_HOURS = "off"
    monkeypatch.setattr(
        notify, "_role_defaults", lambda ids: {u: {"task": {"dingtalk"}} for u in ids}
    )
    ids = [django_user_model.objects.create(username=f"chan-{i}").pk for i in range(3)]
    now = timezone.now()
    notify.notify(
        recipient_ids=ids, kind="dispatched", subject="JJ-1", message="【JJ-1】请签收", now=now
    )
    assert deliver_due(now=now).sent == 1
    assert deliver_due(now=now).sent == 0
    url, _, body = server.last()
    assert len(server.requests) == 1
    assert "sign" in urllib.parse.parse_qs(url.query)
    assert "【JJ-1】请签收" in body["markdown"]["text"]


@pytest.mark.django_db
def test_a_robot_that_answers_an_error_is_retried_later(
    server: FakeServer, settings: Any, django_user_model: Any, monkeypatch: Any
) -> None:
    settings.HUYING_NOTIFY_CHANNELS = ["wecom"]
    settings.HUYING_WECOM_WEBHOOK = server.url
    settings.HUYING_QUIET_HOURS = "off"
    monkeypatch.setattr(notify, "_role_defaults", lambda ids: {u: {"task": {"wecom"}} for u in ids})
    user = django_user_model.objects.create(username="chan-b")
    now = timezone.now()
    notify.notify(recipient_ids=[user.pk], kind="called", subject="JJ-2", message="请签收", now=now)
    server.status = 502
    assert deliver_due(now=now).failed == 1
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.last_error == "HTTP 502"
    server.status = 200
    assert deliver_due(now=delivery.next_attempt_at).sent == 1
    assert len(server.requests) == 2
