"""API authentication: the browser's session (with CSRF) or a bearer token for machines.

The acting role comes from the ``X-Huying-Grant`` header (a RoleGrant id) for people who
hold several roles; otherwise their first active grant.

A token lives ``HUYING_API_TOKEN_DAYS`` days (an expired one is a 401 ``token_expired``, so
a machine can tell "renew" from "wrong"), and dies with its owner's password: changing
the password revokes every token of the person, as it ends their sessions. Its last use is
recorded, at most once a minute, so that a busy client costs no write per request; a live
token is remembered for a few seconds, so that it costs no read either.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer, SessionAuth

from huying.core.errors import InvalidInput, Unauthenticated
from huying.core.models import ApiToken
from huying.org.actors import Actor, actor_for
from huying.org.authcache import auth, auth_changed


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


#: The last use is written when the stored one is older than this.
LAST_USE_EVERY = timedelta(minutes=1)


def token_create(
    *, user: User, name: str, days: int | None = None, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token; the raw secret is returned once and never stored."""
    now = now or timezone.now()
    raw = "hy_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=now + timedelta(days=days or settings.HUYING_API_TOKEN_DAYS),
    )
    return token, raw


def tokens_revoke(*, user: Any, now: datetime | None = None) -> int:
    """Revoke every live token of a person (their password changed, say)."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
    auth_changed()
    return count


class RevokeTokensOnPasswordChange:
    """Not a rule on passwords: Django tells every entry of ``AUTH_PASSWORD_VALIDATORS``
    when a password has changed (``User.save()`` after ``set_password``; not a hash upgrade
    at sign-in), which is the one hook every way of changing it goes through."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is not None and user.pk is not None:
            tokens_revoke(user=user)

    def get_help_text(self) -> str:
        return ""


def token_used(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token whose secret is ``raw``, its use recorded; ``None`` when no live token
    has it (wrong, revoked, or its owner disabled); ``Unauthenticated`` (``token_expired``)
    when it has run out. Every door that takes a token asks here (the API's bearer, Open311's
    ``api_key``). A live token and its owner are remembered for a few seconds
    (``huying.org.authcache``): a busy client costs no query per request."""
    key_hash = hash_token(raw)
    row = auth.get(
        "token",
        key_hash,
        lambda: (
            ApiToken.objects.select_related("user")
            .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
            .first()
        ),
    )
    if row is None:
        return None
    now = now or timezone.now()
    if row.expires_at <= now:
        raise Unauthenticated(
            _("令牌已于 %(at)s 过期，请重新申请")
            % {"at": timezone.localtime(row.expires_at).strftime("%Y-%m-%d %H:%M")},
            code="token_expired",
            expired_at=row.expires_at.isoformat(),
        )
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
        auth.refresh("token", key_hash, row)
    return row


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = token_used(token)
        if row is None:
            return None
        request.user = row.user
        return row.user


class BrowserSessionAuth(SessionAuth):
    """The session, with CSRF checked only when a session cookie is actually sent.

    ninja's SessionAuth checks CSRF before it looks for the cookie, so a machine's bearer
    POST (no cookie, no CSRF token) would be refused with 403 before the token is tried.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


AUTH: list[APIKeyCookie | HttpBearer] = [BrowserSessionAuth(), TokenAuth()]


def acting(request: HttpRequest) -> Actor:
    raw = request.headers.get("X-Huying-Grant")
    grant_id: int | None = None
    if raw:
        if not raw.isdigit():
            raise InvalidInput(_("X-Huying-Grant 须为角色授予编号"), field="X-Huying-Grant")
        grant_id = int(raw)
    return actor_for(request.user, grant_id)  # type: ignore[arg-type]
