"""Failure counting and locks for the doors: sign-in (per account and per address) and the
public progress lookup ``/m/track`` (per case number and per address).

A small table of its own (``Throttle``: scope, key, failures in the current window, locked
until) rather than django-axes or django-ratelimit: axes guards only ``authenticate()``,
while the same limiter must also guard the lookup by case number, which is no login; and
ratelimit counts in the cache, which here is per process (no shared cache: the database is
the one service the project runs on), so each gunicorn worker would count on its own. A row
per key is enough: a failure increments it, reaching the limit locks the key for the
scope's minutes, a lock that has run out starts a fresh count, and an administrator unlocks
by deleting the row (管理 → 登录日志, or the Django admin).

Only failures count: a person who signs in or looks up their case every few minutes is
never slowed down.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from huying.org.models import Throttle

ACCOUNT = "account"
LOGIN_IP = "login_ip"
TRACK_CASE = "track_case"
TRACK_IP = "track_ip"

SCOPE_LABELS = {
    ACCOUNT: _("账号"),
    LOGIN_IP: _("登录 IP"),
    TRACK_CASE: _("查询事件编号"),
    TRACK_IP: _("查询 IP"),
}


@dataclass(frozen=True)
class Rule:
    max_failures: int
    minutes: int


def rule(scope: str) -> Rule:
    """Read from settings at each use, so that an override (or a test) takes effect."""
    if scope == ACCOUNT:
        return Rule(settings.HUYING_LOGIN_MAX_FAILURES, settings.HUYING_LOGIN_LOCK_MINUTES)
    if scope == LOGIN_IP:
        return Rule(settings.HUYING_LOGIN_IP_MAX_FAILURES, settings.HUYING_LOGIN_LOCK_MINUTES)
    if scope == TRACK_CASE:
        return Rule(settings.HUYING_TRACK_MAX_FAILURES, settings.HUYING_TRACK_LOCK_MINUTES)
    if scope == TRACK_IP:
        return Rule(settings.HUYING_TRACK_IP_MAX_FAILURES, settings.HUYING_TRACK_LOCK_MINUTES)
    raise ValueError(f"unknown throttle scope {scope!r}")


def minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def locked_for(keys: Iterable[tuple[str, str]], now: datetime) -> int | None:
    """Minutes until the last of these keys' locks ends; None when none is locked."""
    wanted = [(scope, key) for scope, key in keys if key]
    if not wanted:
        return None
    rows = Throttle.objects.filter(locked_until__gt=now)
    latest: datetime | None = None
    for scope, key in wanted:
        until = rows.filter(scope=scope, key=key).values_list("locked_until", flat=True).first()
        if until is not None and (latest is None or until > latest):
            latest = until
    return minutes_left(latest, now) if latest is not None else None


def fail(scope: str, key: str, now: datetime) -> int | None:
    """Count one failure; minutes locked when this one reached the limit, else None."""
    if not key:
        return None
    limit = rule(scope)
    window = timedelta(minutes=limit.minutes)
    with transaction.atomic():
        row, _created = Throttle.objects.select_for_update().get_or_create(
            scope=scope, key=key, defaults={"window_start": now}
        )
        if row.locked_until is not None and row.locked_until > now:
            return minutes_left(row.locked_until, now)  # already locked: nothing to add
        if row.window_start <= now - window or row.locked_until is not None:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit.max_failures:
            row.locked_until = now + window
        row.save()
    return limit.minutes if row.locked_until is not None else None


def clear(scope: str, key: str) -> None:
    """A success forgets the key's earlier failures (the account, never the address: one
    good account must not buy an address more guesses at the others)."""
    Throttle.objects.filter(scope=scope, key=key).delete()


def unlock(pks: Iterable[int]) -> int:
    """An administrator lifts locks (and forgets the failures behind them)."""
    deleted, _rows = Throttle.objects.filter(pk__in=list(pks)).delete()
    return deleted
