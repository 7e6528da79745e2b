"""An unhandled exception is logged with its traceback and the request id, and the user sees
that id (in Chinese, or JSON on the API) so that they can quote it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("huying.ops.tests.urls_boom")


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What settings.LOGGING's console handler writes (the one django.request and huying use)."""
    handler = logging.getLogger("django.request").handlers[0]
    assert handler in logging.getLogger("huying").handlers
    out = io.StringIO()
    previous = handler.setStream(out)  # type: ignore[attr-defined]
    yield out
    handler.setStream(previous)  # type: ignore[attr-defined]


def test_a_500_is_logged_with_the_request_id_and_shown_to_the_user(
    console: io.StringIO,
) -> None:
    """Before, django.request had no handler outside DEBUG (the traceback went nowhere) and
    the page was Django's bare "Server Error (500)"."""
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", headers={"X-Request-ID": "req-5001"})
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-5001"
    page = response.content.decode()
    assert "服务器出错了" in page and "错误编号" in page
    assert "<code data-request-id>req-5001</code>" in page
    assert "printer" not in page  # nothing of the error itself
    log = console.getvalue()
    line = next(line for line in log.splitlines() if "Internal Server Error: /boom/" in line)
    assert "ERROR django.request [req-5001]" in line
    assert "Traceback" in log and "RuntimeError: the printer caught fire" in log


def test_the_500_page_follows_the_language(console: io.StringIO) -> None:
    client = Client(raise_request_exception=False, headers={"Accept-Language": "en"})
    page = client.get("/boom/", headers={"X-Request-ID": "req-5002"}).content.decode()
    assert "Server error" in page and "Error number" in page and "req-5002" in page


def test_an_api_500_is_json_with_the_request_id(console: io.StringIO) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom", headers={"X-Request-ID": "req-5003"})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "server_error" and error["details"] == {"request_id": "req-5003"}
    assert "[req-5003]" in console.getvalue()


def test_log_lines_outside_a_request_carry_a_dash(console: io.StringIO) -> None:
    logging.getLogger("huying.worker").warning("database unavailable")
    assert "WARNING huying.worker [-] database unavailable" in console.getvalue()


@pytest.mark.urls("huying.urls")
@pytest.mark.django_db
def test_a_forged_host_is_refused_in_each_doors_own_shape() -> None:
    """The API fuzzing sent a Host header no RFC allows: Django refused it before any view
    with its HTML 400, on an endpoint documented to answer JSON."""
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/cases", headers={"host": "<jJ"})
    assert api.status_code == 400 and api["Content-Type"] == "application/json"
    assert api.json()["error"]["code"] == "bad_request"
    open311 = client.get("/open311/v2/services.json", headers={"host": "<jJ"})
    assert open311.status_code == 400 and open311["Content-Type"].startswith("application/json")
    page = client.get("/login/", headers={"host": "<jJ"})
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
