"""Bearer tokens: they expire (a structured 401), die with their owner's password, and
record their last use without a write per request."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from huying.conftest import World
from huying.core.models import ApiToken
from huying.org.api_auth import token_create

pytestmark = pytest.mark.django_db


def _me(raw: str) -> object:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})


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
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    _me(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first - timedelta(seconds=1)


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
