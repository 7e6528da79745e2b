"""Who is calling, remembered for a few seconds: the bearer token with its owner, and the
role grant a person acts under.

Every API request used to resolve both with a SELECT each, and building those two queries
cost more worker CPU than an intake's own writes. The answers change only when a token is
revoked or created, a password or a person's active flag changes, or a role grant is
granted, edited or withdrawn; each of those bumps one *auth generation*, which is part of
every key here, so the cache forgets everything at once. The generation lives in Django's
cache: with a shared one (Redis) every process forgets at once; with the default per-process
memory cache the other processes forget within ``HUYING_AUTH_CACHE_SECONDS``.

What is cached is never a refusal: a wrong token or a missing grant is asked of the database
every time (an attacker's guesses would otherwise fill the cache).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

GENERATION_KEY = "org:auth:generation"

T = TypeVar("T")


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A fresh cache (or an evicted key): start from a value no earlier entry used, so
        # that entries of a generation before the eviction are never read again.
        generation = secrets.randbits(48)
        if not cache.add(GENERATION_KEY, generation, None):
            generation = cache.get(GENERATION_KEY, generation)
    return int(generation)


def auth_changed(**_: Any) -> None:
    """Forget every remembered token and acting role (a signal receiver too)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet: the next read starts a fresh generation
        _generation()
        cache.incr(GENERATION_KEY)


def remembered(kind: str, key: str, load: Callable[[], T | None]) -> T | None:
    """``load()``'s answer for ``key``, kept ``HUYING_AUTH_CACHE_SECONDS`` unless it is None."""
    seconds = settings.HUYING_AUTH_CACHE_SECONDS
    if seconds <= 0:
        return load()
    full = f"org:auth:{_generation()}:{kind}:{key}"
    value: T | None = cache.get(full)
    if value is None:
        value = load()
        if value is not None:
            cache.set(full, value, seconds)
    return value


def refresh(kind: str, key: str, value: Any) -> None:
    """Replace a remembered answer (a token whose last use was just written)."""
    seconds = settings.HUYING_AUTH_CACHE_SECONDS
    if seconds > 0:
        cache.set(f"org:auth:{_generation()}:{kind}:{key}", value, seconds)


def user_saved(update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    """A sign-in writes only ``last_login``: that changes nobody's rights."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    auth_changed()
