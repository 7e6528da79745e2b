"""API authentication: the browser's session (with CSRF) or a bearer token for machines.

The acting role comes from the ``X-Huying-Grant`` header (a RoleGrant id) for people who
hold several roles; otherwise their first active grant.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer, SessionAuth

from huying.core.errors import InvalidInput
from huying.core.models import ApiToken
from huying.org.actors import Actor, actor_for


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the raw secret is returned once and never stored."""
    raw = "hy_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
    return token, raw


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
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
