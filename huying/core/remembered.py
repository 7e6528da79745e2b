"""Answers that change rarely, remembered for a few seconds in Django's cache and forgotten
all at once when what decides them changes.

Each ``Remembered`` keeps a *generation* in the cache, part of every key it writes; a change
bumps it, so every answer it remembered is forgotten together. With a shared cache (Redis)
every process forgets at once; with the default per-process memory cache the other processes
forget within the answer's lifetime, which is why that lifetime is seconds.

A ``None`` answer is never remembered (a refusal, a wrong token: an attacker's guesses would
otherwise fill the cache).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")


class Remembered:
    """``seconds``: how long an answer is kept — a number, or the name of the setting that
    says it (read at each use, so a test or an operator may change it)."""

    def __init__(self, namespace: str, seconds: str | float) -> None:
        self.namespace = namespace
        self._seconds = seconds
        self.generation_key = f"{namespace}:generation"

    @property
    def seconds(self) -> float:
        if isinstance(self._seconds, str):
            return float(getattr(settings, self._seconds))
        return float(self._seconds)

    def _generation(self) -> int:
        generation = cache.get(self.generation_key)
        if generation is None:
            # A fresh cache or an evicted key: start from a value no earlier entry used, so
            # that entries written before the eviction are never read again.
            generation = secrets.randbits(48)
            if not cache.add(self.generation_key, generation, None):
                generation = cache.get(self.generation_key, generation)
        return int(generation)

    def _key(self, kind: str, key: str) -> str:
        return f"{self.namespace}:{self._generation()}:{kind}:{key}"

    def get(self, kind: str, key: str, load: Callable[[], T | None]) -> T | None:
        """``load()``'s answer for ``key``, remembered unless it is None."""
        if self.seconds <= 0:
            return load()
        full = self._key(kind, key)
        value: T | None = cache.get(full)
        if value is None:
            value = load()
            if value is not None:
                cache.set(full, value, self.seconds)
        return value

    def refresh(self, kind: str, key: str, value: Any) -> None:
        """Replace one remembered answer (it changed in a way this process made)."""
        if self.seconds > 0:
            cache.set(self._key(kind, key), value, self.seconds)

    def forget(self, **_: Any) -> None:
        """Forget every answer at once (a signal receiver too)."""
        try:
            cache.incr(self.generation_key)
        except ValueError:  # not there yet: the next read starts a fresh generation
            self._generation()
            cache.incr(self.generation_key)
