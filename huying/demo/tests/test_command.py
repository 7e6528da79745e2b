"""The demo command's help and the links it prints (no district is built here)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from huying.demo.district import DemoDistrict
from huying.demo.management.commands.demo import DEFAULT_CASES, Command


def test_help_says_the_default_cases_per_size_in_words() -> None:
    text = " ".join(Command().create_parser("huying", "demo").format_help().split())
    assert "{'" not in text and "':" not in text  # no dict's repr
    for size, cases in DEFAULT_CASES.items():
        assert f"{cases} for --size {size}" in text
    assert "--url" in text


@pytest.mark.django_db
def test_printed_links_follow_the_port_bin_demo_serves_on(
    small_district: DemoDistrict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUYING_PORT", "8111")
    monkeypatch.setenv("HUYING_HOST", "0.0.0.0")
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8111/api/v1/docs" in text
    assert "http://127.0.0.1:8111/admin/" in text
    assert ":8000" not in text


@pytest.mark.django_db
def test_printed_links_follow_the_given_url(
    small_district: DemoDistrict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUYING_PORT", "8111")
    out = StringIO()
    call_command("demo", "--if-empty", "--url", "http://[::1]:9000", stdout=out)
    text = out.getvalue()
    assert "http://[::1]:9000/api/v1/docs" in text and "http://[::1]:9000/admin/" in text
    assert ":8111" not in text


def test_default_url_reads_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    from huying.demo.management.commands.demo import default_url

    monkeypatch.delenv("HUYING_HOST", raising=False)
    monkeypatch.delenv("HUYING_PORT", raising=False)
    assert default_url() == "http://127.0.0.1:8000/"
    monkeypatch.setenv("HUYING_HOST", "::1")
    monkeypatch.setenv("HUYING_PORT", "8111")
    assert default_url() == "http://[::1]:8111/"


@pytest.mark.django_db
def test_an_open311_key_is_printed_with_the_accounts(small_district: DemoDistrict) -> None:
    """The printed api_key reads the district through Open311; a later run prints a new one
    and the earlier one stops working (only one demo key lives at a time)."""

    def printed() -> str:
        out = StringIO()
        call_command("demo", "--if-empty", stdout=out)
        found = re.search(r"Open311 接口令牌 api_key.*: (hy_\S+)", out.getvalue())
        assert found is not None, out.getvalue()
        assert f"open311/v2/requests.json?api_key={found.group(1)}" in out.getvalue()
        assert "open311/v2/discovery.json" in out.getvalue()
        return found.group(1)

    first = printed()
    client = Client()
    assert client.get("/open311/v2/requests.json", {"api_key": first}).status_code == 200
    second = printed()
    assert second != first
    assert client.get("/open311/v2/requests.json", {"api_key": second}).status_code == 200
    assert client.get("/open311/v2/requests.json", {"api_key": first}).status_code == 403


@pytest.mark.django_db
def test_the_demo_subscribes_its_own_webhook_sink(small_district: DemoDistrict) -> None:
    """Made after the year (nothing of it is queued), pointing back at the printed site."""
    from huying.integrations.models import WebhookDelivery, WebhookSubscription
    from huying.integrations.sink import DEMO_SINK_NAME

    out = StringIO()
    call_command("demo", "--if-empty", "--url", "http://127.0.0.1:8123/", stdout=out)
    sub = WebhookSubscription.objects.get(name=DEMO_SINK_NAME)
    assert sub.url == "http://127.0.0.1:8123/api/v1/webhooks/demo-sink" and sub.active
    assert f"Webhook 演示订阅 demo subscription: {sub.url}" in out.getvalue()
    assert not WebhookDelivery.objects.exists()
