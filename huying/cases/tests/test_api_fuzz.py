"""Property-based fuzzing of every API operation from its OpenAPI schema, with every check
schemathesis has: whatever the input, the answer is never a server error; bad input is a
documented 4xx with the error shape; valid input is accepted; answers match their schema,
status code, content type and headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import schemathesis.specs.openapi.checks
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from huying.conftest import World
from huying.org.api_auth import token_create

# Django's WSGI handler, not huying.wsgi: that one refuses the public test secret key.
application = get_wsgi_application()

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

#: Every check schemathesis registers (``not_a_server_error`` is only one of them), but
#: ``ignored_auth``: the test sends a valid bearer token in its own header, and the check,
#: which spoils only the auth it generated itself (the session cookie), then sees the token
#: accepted. Refused tokens (missing, wrong, expired, revoked) are tested in
#: ``huying/org/tests/test_api_tokens.py``. And not yet ``positive_data_acceptance``: the
#: schema does not say every rule a valid input keeps (no NUL in a string, a state from the
#: list, a window of at most a year, a non-empty list of parts), so schema-valid input can
#: still be a 422; saying those rules in the schema is open work (issue #9's note).
EXCLUDED = {"ignored_auth", "positive_data_acceptance"}
CHECKS = [c for c in schemathesis.checks.CHECKS.get_all() if c.__name__ not in EXCLUDED]


@pytest.fixture
def hub_token(world: World) -> Iterator[str]:
    # Called as a plain WSGI app, Django would close the test's connection at the end of each
    # request; the test client disconnects these handlers too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield token_create(user=world.actor("hub").user, name="fuzz")[1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, hub_token: str) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {hub_token}"}, checks=CHECKS
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith(
        "application/json"
    ):
        assert set(response.json()) == {"error"}, response.text
