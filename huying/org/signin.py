"""Signing in with a password: locks after repeated failures, and the sign-in log (登录日志).

Every attempt is written to ``SignIn`` (the name tried, address, browser, result, reason),
RuoYi-style, so that an administrator can see who tried what from where. An account is
locked after ``HUYING_LOGIN_MAX_FAILURES`` wrong passwords and an address after
``HUYING_LOGIN_IP_MAX_FAILURES`` (guessing many accounts from one place); while locked even
the right password is refused, so guessing gains nothing. Any future password-based door
(an API token endpoint, say) goes through ``sign_in`` too.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from huying.core.errors import InvalidInput, TooManyAttempts
from huying.org import throttle
from huying.org.models import SignIn

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or behind ``HUYING_PROXY_HOPS`` trusted proxies
    the address the outermost of them saw (X-Forwarded-For read from the right: entries
    further left are whatever the client chose to send)."""
    raw: str = request.META.get("REMOTE_ADDR", "")
    hops = settings.HUYING_PROXY_HOPS
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            raw = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]


def locked_message(minutes: int) -> str:
    return ngettext(
        "密码错误次数过多，请 %(minutes)d 分钟后再试或联系管理员解锁",
        "密码错误次数过多，请 %(minutes)d 分钟后再试或联系管理员解锁",
        minutes,
    ) % {"minutes": minutes}


def log_attempt(
    *,
    username: str,
    ip: str | None,
    agent: str,
    result: str,
    reason: StrOrPromise,
    now: datetime,
    user: Any = None,
) -> None:
    """One row of the sign-in log; its reason in the site's language, like every stored text."""
    if user is None:
        user = get_user_model().objects.filter(username=username).first()
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(reason)
    SignIn.objects.create(
        at=now,
        username=username[:150],
        user=user,
        ip=ip,
        user_agent=agent,
        result=result,
        reason=reason[:200],
    )


def sign_in(
    *,
    username: str,
    password: str,
    ip: str | None,
    agent: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Any:
    """The user these credentials name, or ``TooManyAttempts`` (429) while the account or
    the address is locked, or ``InvalidInput`` for a wrong name or password (the two are
    not told apart)."""
    now = now or timezone.now()
    keys = [(throttle.ACCOUNT, username), (throttle.LOGIN_IP, ip or "")]

    def log(result: str, reason: StrOrPromise, user: Any = None) -> None:
        log_attempt(
            username=username, ip=ip, agent=agent, now=now, result=result, reason=reason, user=user
        )

    minutes = throttle.locked_for(keys, now)
    if minutes is not None:
        log(SignIn.Result.LOCKED, gettext_lazy("已锁定，未核对密码"))
        raise TooManyAttempts(locked_message(minutes), minutes=minutes)
    user = authenticate(request, username=username, password=password)
    if user is None:
        locks = [throttle.fail(scope, key, now) for scope, key in keys]
        minutes = max((m for m in locks if m is not None), default=None)
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("用户名或密码错误")
            if minutes is not None:
                reason = _("用户名或密码错误，已锁定 %(minutes)d 分钟") % {"minutes": minutes}
        log(SignIn.Result.FAILURE, reason)
        if minutes is not None:
            raise TooManyAttempts(locked_message(minutes), minutes=minutes)
        raise InvalidInput(_("用户名或密码不正确，请重新输入。"))
    throttle.clear(throttle.ACCOUNT, username)
    log(SignIn.Result.SUCCESS, "", user)
    return user
