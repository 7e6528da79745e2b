"""Channels that carry a notification out of Huying: e-mail, SMS through an HTTP gateway, and
the WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) group robots, behind one interface.

A channel's ``send`` returns when the other side took the message and raises
``DeliveryFailed`` otherwise (a status other than 2xx, a robot's non-zero ``errcode``, a
refused connection, a timeout). Requests are never redirected: a redirect is a failure, so a
message is not carried to an address nobody configured.

``HUYING_NOTIFY_CHANNELS`` names the channels that are on; ``core.notify`` writes a delivery
per notification and channel and sends it through ``BUILDERS`` (README.md, settings).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger("huying.notify")


class DeliveryFailed(Exception):
    """The channel did not take the message; the text says why (for the log)."""


@dataclass(frozen=True)
class Message:
    """What a channel sends: the person's addresses are used by the channels that need one."""

    subject: str
    text: str
    email: str = ""
    phone: str = ""


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


# --- HTTP ------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: the body is not sent to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


#: The opener for every outgoing POST (channels and webhooks): no redirects.
opener = urllib.request.build_opener(_NoRedirects())


def post_json(url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None) -> bytes:
    """POST ``payload`` as JSON; the answer's body on a 2xx, else ``DeliveryFailed``."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    return post_bytes(url, body, headers=headers)


def post_bytes(url: str, body: bytes, *, headers: dict[str, str] | None = None) -> bytes:
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with opener.open(request, timeout=settings.HUYING_CHANNEL_TIMEOUT) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DeliveryFailed(f"HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:  # refused, timed out, a malformed address
        raise DeliveryFailed(str(exc) or type(exc).__name__) from exc


def _robot_answer(answer: bytes, *code_keys: str) -> None:
    """The robots answer 200 with an error code in the body; anything but 0 is a failure."""
    try:
        data = json.loads(answer or b"{}")
    except ValueError as exc:
        raise DeliveryFailed("not JSON") from exc
    if not isinstance(data, dict):
        raise DeliveryFailed("not a JSON object")
    for key in code_keys:
        if data.get(key) not in (None, 0):
            raise DeliveryFailed(f"{key}={data.get(key)} {data.get('errmsg') or data.get('msg')}")


def _hmac(key: str | bytes, message: bytes) -> bytes:
    return hmac.new(key.encode() if isinstance(key, str) else key, message, hashlib.sha256).digest()


# --- the channels ----------------------------------------------------------------------------


class EmailChannel:
    """Django's mail (``EMAIL_*`` settings) to the person's address; nothing without one."""

    name = "email"

    def send(self, message: Message) -> None:
        if not message.email:
            return
        try:
            send_mail(
                message.subject,
                message.text,
                settings.DEFAULT_FROM_EMAIL,
                [message.email],
            )
        except OSError as exc:
            raise DeliveryFailed(str(exc) or type(exc).__name__) from exc


class SmsGatewayChannel:
    """A generic SMS gateway: a signed JSON POST ``{"phone", "text"}``. The gateway checks
    ``X-Huying-Signature`` = ``sha256=`` hex HMAC-SHA256 (keyed with the secret) of
    ``<X-Huying-Timestamp>.<body>``, as for Huying's webhooks; ``X-Huying-Key`` says which
    secret."""

    name = "sms"

    def __init__(self, url: str, key: str, secret: str) -> None:
        self.url, self.key, self.secret = url, key, secret

    def send(self, message: Message) -> None:
        if not message.phone:
            return
        body = json.dumps(
            {"phone": message.phone, "text": f"{message.subject} {message.text}"},
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        signature = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        post_bytes(
            self.url,
            body,
            headers={
                "X-Huying-Key": self.key,
                "X-Huying-Timestamp": timestamp,
                "X-Huying-Signature": "sha256=" + signature,
            },
        )


class WeComChannel:
    """企业微信群机器人: markdown to the robot's webhook address (its key is in the URL)."""

    name = "wecom"

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, message: Message) -> None:
        content = f"**{message.subject}**\n{message.text}"
        answer = post_json(self.url, {"msgtype": "markdown", "markdown": {"content": content}})
        _robot_answer(answer, "errcode")


class DingTalkChannel:
    """钉钉自定义机器人: markdown; with a 加签 secret, ``timestamp`` (ms) and ``sign`` =
    base64 HMAC-SHA256 (keyed with the secret) of ``"<timestamp>\\n<secret>"`` in the query."""

    name = "dingtalk"

    def __init__(self, url: str, secret: str = "") -> None:
        self.url, self.secret = url, secret

    def signed_url(self, timestamp_ms: int) -> str:
        if not self.secret:
            return self.url
        digest = _hmac(self.secret, f"{timestamp_ms}\n{self.secret}".encode())
        query = urllib.parse.urlencode(
            {"timestamp": timestamp_ms, "sign": base64.b64encode(digest).decode()}
        )
        return f"{self.url}{'&' if '?' in self.url else '?'}{query}"

    def send(self, message: Message) -> None:
        payload = {
            "msgtype": "markdown",
            "markdown": {
                "title": message.subject,
                "text": f"#### {message.subject}\n{message.text}",
            },
        }
        answer = post_json(self.signed_url(int(time.time() * 1000)), payload)
        _robot_answer(answer, "errcode")


class FeishuChannel:
    """飞书自定义机器人: text; with a 签名校验 secret, ``timestamp`` (s) and ``sign`` = base64
    HMAC-SHA256 keyed with ``"<timestamp>\\n<secret>"`` of nothing, in the body."""

    name = "feishu"

    def __init__(self, url: str, secret: str = "") -> None:
        self.url, self.secret = url, secret

    def send(self, message: Message) -> None:
        payload: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": f"{message.subject}\n{message.text}"},
        }
        if self.secret:
            timestamp = str(int(time.time()))
            digest = _hmac(f"{timestamp}\n{self.secret}", b"")
            payload |= {"timestamp": timestamp, "sign": base64.b64encode(digest).decode()}
        answer = post_json(self.url, payload)
        _robot_answer(answer, "code", "StatusCode")


# --- the configured channels -----------------------------------------------------------------

#: A channel's name in ``HUYING_NOTIFY_CHANNELS`` → how to build it from the settings.
BUILDERS: dict[str, Callable[[], Channel]] = {
    "email": EmailChannel,
    "sms": lambda: SmsGatewayChannel(
        settings.HUYING_SMS_GATEWAY_URL,
        settings.HUYING_SMS_GATEWAY_KEY,
        settings.HUYING_SMS_GATEWAY_SECRET,
    ),
    "wecom": lambda: WeComChannel(settings.HUYING_WECOM_WEBHOOK),
    "dingtalk": lambda: DingTalkChannel(
        settings.HUYING_DINGTALK_WEBHOOK, settings.HUYING_DINGTALK_SECRET
    ),
    "feishu": lambda: FeishuChannel(settings.HUYING_FEISHU_WEBHOOK, settings.HUYING_FEISHU_SECRET),
}
