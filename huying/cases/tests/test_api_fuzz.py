"""Property-based fuzzing of every API operation from its OpenAPI schema, with every check
schemathesis has: whatever the input, the answer is never a server error; bad input is a
documented 4xx with the error shape; valid input is accepted; answers match their schema,
status code, content type and headers.

Marked ``fuzz``: CI runs it once, in the PostgreSQL run, where more input turns into server
errors (an integer past a column's range, a string with a NUL) than on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import schemathesis.specs.openapi.checks as openapi_checks
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import RejectedPositiveData

from huying.conftest import World
from huying.core.input_text import CONTROL
from huying.org.api_auth import token_create

# Django's WSGI handler, not huying.wsgi: that one refuses the public test secret key.
application = get_wsgi_application()

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

#: Rules a schema cannot say: they tie one field to another or to rows in the database. A
#: schema-valid request that breaks one is refused with 422 naming the field, and the fuzz
#: accepts that refusal only for the fields listed here, with the reason beside each.
ROW_RULES: dict[str, dict[str, str]] = {
    "GET /api/v1/cases": {"cursor": "a page mark the server issued, opaque to clients"},
    "GET /api/v1/events": {"after": "a feed mark the server issued, opaque to clients"},
    "GET /api/v1/hotline/replies": {
        "since": "since ≤ until",
        "cursor": "a page mark the server issued, opaque to clients",
    },
    "POST /api/v1/cases": {
        "lat": "lat and lng come together or not at all",
        "lng": "lat and lng come together or not at all",
        "item_id": "an item of the current catalogue",
        "unit_id": "a grid or community of the district",
    },
    **{
        f"POST /api/v1/cases/{{case_id}}/{name}": {
            "item_id": "an item of the current catalogue",
            "level_reason": "said when the level is not the item's default level",
        }
        # The combined actions triage first; their second step needs a case that exists
        # (else 404 first), so its fields are not listed.
        for name in ("triage", "triage-and-call", "triage-and-dispatch")
    },
    "POST /api/v1/cases/{case_id}/merge": {"master_id": "another case, not this one"},
    "POST /api/v1/triage/suggest": {
        "lat": "lat and lng come together or not at all",
        "lng": "lat and lng come together or not at all",
    },
    "POST /api/v1/cases/{case_id}/attachments": {
        "files": "bytes that decode as the photo or PDF their part's type says"
    },
    "POST /api/v1/meetings": {"attendee_ids": "units of the organisation"},
    "POST /api/v1/meetings/{meeting_id}/decisions": {
        "case_id": "an open case, in the organiser's scope",
        "lead_id": "a department or field unit; not also a co-handler",
        "co_ids": "departments or field units",
        "deadline": "given for a deadline decision, not before the meeting",
        "reason": "given to suspend a case as unsolvable",
    },
    "POST /api/v1/meetings/{meeting_id}/items": {
        "text": "given when no case is named",
        "case_id": "a case not yet on the agenda",
    },
    "POST /api/v1/joint-operations": {
        "held_on": "not after today",
        "unit_ids": "departments or field units",
        "lat": "lat and lng come together or not at all",
        "lng": "lat and lng come together or not at all",
        "case_ids": "cases not ended",
    },
    "POST /api/v1/joint-operations/{operation_id}/cases": {"case_ids": "cases not ended"},
    "POST /api/v1/joint-operations/{operation_id}/photos": {
        "files": "bytes that decode as the photo or PDF their part's type says"
    },
    "POST /api/v1/access/applications": {
        "title": "given to add an item",
        "legal_basis": "given to add an item",
        "funding": "given to add an assisting item",
        "staffing": "given to add an assisting item",
        "alternative": "given to add a certificate",
        "code": "an item of the current list, to withdraw it",
        "reason": "given to withdraw an item",
    },
    "POST /api/v1/access/applications/{application_id}/review": {
        "reason": "given to refuse an application"
    },
    "POST /api/v1/access/tasks": {
        "recipient_id": "an active community (a street's own)",
        "deadline": "not before today",
        "item_id": "an item of a current duty, assist or admission list (else refused at the gate)",
    },
    "POST /api/v1/access/lists/{kind}/draft/items": {
        "title": "not already in the kind's draft",
        "department_id": "an active district department",
        "funding": "given for an assisting or admitted item",
        "staffing": "given for an assisting or admitted item",
        "alternative": "given for a certificate",
    },
    "POST /api/v1/access/lists/{kind}/draft/withdrawals": {"code": "an item of the draft"},
    **{
        f"POST /api/v1/volunteers{path}": {
            "community_id": "an active community (in the staff's scope)",
            "area_ids": "active communities",
            "team_id": "a team of the volunteer's community",
            "employer": "given for a party member",
            "phone": "not already a volunteer's",
        }
        for path in ("", "/apply")
    },
    "POST /api/v1/volunteers/{volunteer_id}/decide": {"reason": "given to refuse"},
    "POST /api/v1/volunteer-orders": {
        "community_id": "an active community in the poster's scope (the case's, from a case)",
        "wanted_at": "not before now",
        "case_id": "a case being handled or closed",
    },
    "POST /api/v1/volunteer-ledger/corrections": {
        "points": "not zero, and the balance stays at or above zero",
        "corrects_id": "an entry of the same volunteer",
    },
    "POST /api/v1/volunteer-teams": {
        "community_id": "an active community in the staff's scope",
        "name": "not already a team of the community",
    },
    "POST /api/v1/volunteer-points-rules": {"valid_from": "from tomorrow, one rule a date"},
    "POST /api/v1/access/tasks/{task_id}/attachments": {
        "files": "bytes that decode as the photo or PDF their part's type says"
    },
    "POST /api/v1/service-calls": {
        "caller_phone": "a mobile or landline number",
        "item_id": "a published item a station may accept, for an application",
        "materials_checked": "all the item's materials",
    },
    "PUT /api/v1/service-roster": {
        "station_id": "a station in the caller's area",
        "person_ids": "the station's staff",
    },
    "POST /api/v1/deliberation/proposals/{proposal_id}/photos": {
        "files": "bytes that decode as the photo or PDF their part's type says"
    },
    "POST /api/v1/street-chief/fixes": {
        "files": "bytes that decode as the photo or PDF their part's type says"
    },
    "GET /api/v1/indicators/tiers": {"by": "a level below the street or community drilled into"},
    **{
        f"GET /api/v1/dashboard/{name}": {
            "first": "first ≤ last, and the window at most ten years",
            "last": "first ≤ last, and the window at most ten years",
        }
        for name in ("kpis", "trend", "breakdown", "departments", "ranking", "heat", "overdue")
    },
}


def positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's check of the same name, which lets through only the row rules above."""
    try:
        return openapi_checks.positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 422:
            details = response.json()["error"].get("details") or {}
            if details.get("field") in ROW_RULES.get(case.operation.label, {}):
                return None
        raise


def negative_data_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's check of the same name, except where the input door made the data valid:
    it drops control characters (:mod:`huying.core.input_text`), so a title over its length
    only by them is its length once they are gone, and accepted as the door documents."""
    try:
        return openapi_checks.negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        if _holds_control(case.body) or _holds_control(case.query):
            return None
        raise


def _holds_control(value: Any) -> bool:
    if isinstance(value, str):
        return CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_control(k) or _holds_control(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_control(v) for v in value)
    return False


#: Every check schemathesis registers (``not_a_server_error`` is only one of them), with
#: ``positive_data_acceptance`` narrowed to :data:`ROW_RULES` and ``negative_data_rejection``
#: to what the door leaves invalid, but ``ignored_auth``: the test
#: sends a valid bearer token in its own header, and the check, which spoils only the auth it
#: generated itself (the session cookie), then sees the token accepted. Refused tokens
#: (missing, wrong, expired, revoked) are tested in ``huying/org/tests/test_api_tokens.py``.
NARROWED = {c.__name__: c for c in (positive_data_acceptance, negative_data_rejection)}
CHECKS = [
    NARROWED.get(c.__name__, c)
    for c in schemathesis.checks.CHECKS.get_all()
    if c.__name__ != "ignored_auth"
]


@pytest.fixture
def hub_token(world: World) -> Iterator[str]:
    # Called as a plain WSGI app, Django would close the test's connection at the end of each
    # request; the test client disconnects these handlers too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield token_create(user=world.actor("hub").user, name="fuzz")[1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


pytestmark = pytest.mark.fuzz


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
