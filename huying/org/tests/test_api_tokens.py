"""Bearer tokens: they expire (a structured 401), die with their owner's password, and
record their last use without a write per request; a live token and the acting role are
remembered, and forgotten the moment anything that decides them changes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huying.conftest import World
from huying.core.errors import Unauthenticated
from huying.core.models import ApiToken
from huying.org.api_auth import token_create, token_used, tokens_revoke
from huying.org.models import Role, RoleGrant
from huying.org.services import grant_role

pytestmark = pytest.mark.django_db


def _me(raw: str, **headers: str) -> object:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}", **headers})


def _tables_read(raw: str) -> str:
    """The SQL of one case-list call (which reads no role grant of its own)."""
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/cases?limit=1").status_code == 200
    return " ".join(q["sql"] for q in ctx.captured_queries)


def test_a_new_token_works_and_expires_after_the_configured_days(world: World) -> None:
    user = world.actor("hub").user
    token, raw = token_create(user=user, name="12345 热线")
    assert token.expires_at - token.created_at == pytest.approx(
        timedelta(days=90), abs=timedelta(seconds=5)
    )
    assert _me(raw).status_code == 200  # type: ignore[attr-defined]


def test_an_expired_token_is_a_structured_401(world: World) -> None:
    user = world.actor("hub").user
    token, raw = token_create(user=user, name="旧系统")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _me(raw)
    assert response.status_code == 401  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "token_expired"
    assert "过期" in error["message"]
    assert "expired_at" in error["details"]


def test_changing_the_password_revokes_the_tokens(world: World) -> None:
    user = world.actor("hub").user
    _token, raw = token_create(user=user, name="对接")
    assert _me(raw).status_code == 200  # type: ignore[attr-defined]
    user.set_password("a-new-password-7")
    user.save()
    response = _me(raw)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert ApiToken.objects.get(name="对接").revoked_at is not None
    # A fresh token after the change works.
    _token, fresh = token_create(user=user, name="新令牌")
    assert _me(fresh).status_code == 200  # type: ignore[attr-defined]


def test_the_last_use_is_recorded_at_most_once_a_minute(world: World) -> None:
    user = world.actor("hub").user
    token, raw = token_create(user=user, name="对接")
    assert token.last_used_at is None
    _me(raw)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    _me(raw)
    token.refresh_from_db()
    assert token.last_used_at == first  # a second later: not written again
    later = first + timedelta(seconds=61)
    token_used(raw, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later
    token_used(raw, now=later + timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == later


def test_an_admin_issues_a_token_from_the_command_line(world: World) -> None:
    """``huying api-token``: the secret printed once, stored only as its hash, and working."""
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_token", "hub", "--name", "市民通 Open311", "--days", "30", stdout=out, stderr=err
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="市民通 Open311")
    assert token.user == world.actor("hub").user
    assert raw.startswith(token.prefix) and raw not in token.key_hash
    assert token.expires_at - token.created_at == pytest.approx(
        timedelta(days=30), abs=timedelta(seconds=5)
    )
    assert "呼应办调度员" in err.getvalue()
    assert _me(raw).status_code == 200  # type: ignore[attr-defined]


@pytest.mark.parametrize("argv", [["nobody"], ["hub", "--days", "0"]])
def test_the_command_refuses_an_unknown_account_or_a_bad_lifetime(
    world: World, argv: list[str]
) -> None:
    with pytest.raises(CommandError):
        call_command("api_token", *argv, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


# --- remembered for a few seconds -----------------------------------------------------------


def test_a_busy_client_reads_neither_its_token_nor_its_role_again(world: World) -> None:
    _token, raw = token_create(user=world.actor("hub").user, name="对接")
    first = _tables_read(raw)
    assert "core_apitoken" in first and "org_rolegrant" in first
    again = _tables_read(raw)
    assert "core_apitoken" not in again and "org_rolegrant" not in again


def test_a_revoked_token_is_refused_on_the_next_request(world: World) -> None:
    user = world.actor("hub").user
    _token, raw = token_create(user=user, name="对接")
    assert _me(raw).status_code == 200  # type: ignore[attr-defined]
    tokens_revoke(user=user)
    assert _me(raw).status_code == 401  # type: ignore[attr-defined]


def test_a_disabled_person_is_refused_on_the_next_request(world: World) -> None:
    user = world.actor("hub").user
    _token, raw = token_create(user=user, name="对接")
    assert _me(raw).status_code == 200  # type: ignore[attr-defined]
    user.is_active = False
    user.save()
    assert _me(raw).status_code == 401  # type: ignore[attr-defined]


def test_a_withdrawn_role_stops_acting_on_the_next_request(world: World) -> None:
    hub = world.actor("hub")
    _token, raw = token_create(user=hub.user, name="对接")
    assert _me(raw).json()["acting_grant_id"] == hub.grant_id  # type: ignore[attr-defined]
    grant = RoleGrant.objects.get(user=hub.user, role=Role.HUB_DISPATCHER)
    grant.is_active = False
    grant.save()
    response = _me(raw)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "no_role"  # type: ignore[attr-defined]


def test_a_new_role_can_be_acted_under_at_once(world: World) -> None:
    hub = world.actor("hub")
    _token, raw = token_create(user=hub.user, name="对接")
    assert _me(raw).status_code == 200  # type: ignore[attr-defined]
    new = grant_role(user=hub.user, role=Role.HUB_SUPERVISOR, unit=world.hub)
    response = _me(raw, **{"X-Huying-Grant": str(new.pk)})
    assert response.json()["acting_grant_id"] == new.pk  # type: ignore[attr-defined]


def test_a_remembered_token_still_runs_out(world: World) -> None:
    token, raw = token_create(user=world.actor("hub").user, name="对接")
    assert token_used(raw) is not None
    with pytest.raises(Unauthenticated) as refused:
        token_used(raw, now=token.expires_at + timedelta(seconds=1))
    assert refused.value.code == "token_expired"


def test_with_no_remembering_every_request_reads_again(world: World, settings: object) -> None:
    settings.HUYING_AUTH_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    _token, raw = token_create(user=world.actor("hub").user, name="对接")
    _tables_read(raw)
    assert "core_apitoken" in _tables_read(raw)
