"""A database restart does not turn into 500s: a kept connection (CONN_MAX_AGE) that the
server has dropped is noticed before a request uses it (CONN_HEALTH_CHECKS)."""

from __future__ import annotations

from typing import Any
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from huying.org.api_auth import token_create
from huying.org.models import OrgUnit, Role
from huying.org.services import grant_role, person_create, unit_create


def test_kept_connections_are_checked_before_reuse() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def serve(path: str, **environ: Any) -> int:
    """One request through Django's WSGI handler as gunicorn calls it. Not the test client:
    that one disconnects ``close_old_connections`` from ``request_started``, and it is that
    signal which re-arms the health check for each request."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", **environ}
    setup_testing_defaults(environ)
    response = WSGIHandler()(environ, lambda *args: lambda data: None)
    try:
        b"".join(response)
    finally:
        response.close()  # request_finished
    return response.status_code


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_after_the_server_dropped_the_kept_connection_succeeds() -> None:
    """The backend behind the kept connection is terminated (what a PostgreSQL restart or
    ``pg_terminate_backend`` does between two requests). Without the health check the next
    request ran its first query on the dead socket and answered 500."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    district = unit_create(kind=OrgUnit.Kind.DISTRICT, code="510199", name="锦城区", abbr="JJ")
    user = person_create(username="leader", full_name="区领导")
    grant_role(user=user, role=Role.DISTRICT_LEADER, unit=district)
    _, token = token_create(user=user, name="probe")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert serve("/api/v1/me", **auth) == 200
    assert connection.connection is not None  # kept for the next request
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    assert serve("/api/v1/me", **auth) == 200
    assert connection.connection.info.backend_pid != pid
