"""Answers that change rarely, remembered for a few seconds in Django's cache and forgotten
all at once when what decides them changes.

Each ``Remembered`` keeps a *generation* in the cache, part of every key it writes; a change
bumps it, so every answer it remembered is forgotten together. With a shared cache (Redis)
every process forgets at once; with the default per-process memory cache the other processes
forget within the answer's lifetime, which is why that lifetime is seconds.

A ``None`` answer is never remembered (a refusal, a wrong token: an attacker's guesses would
otherwise fill the cache).

With ``in_process=True`` a process also keeps the answers it read, under the same keys (the
generation in them) and for the same lifetime: reading the cache unpickles the answer every
time — a district's catalogue items, which every triage suggestion scores, took ~0.7 ms a
read —, the process's own copy is the same object again, so its callers must not change it
(the tokens and acting roles are not kept so: requests in other threads would share them).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")


#: Answers a process keeps of one ``Remembered`` (the tokens and people of a busy minute).
LOCAL_LIMIT = 1024


class Remembered:
    """``seconds``: how long an answer is kept — a number, or the name of the setting that
    says it (read at each use, so a test or an operator may change it). ``in_process``: keep
    read answers in the process too (read-only answers only)."""

    def __init__(self, namespace: str, seconds: str | float, *, in_process: bool = False) -> None:
        self.namespace = namespace
        self._seconds = seconds
        self.in_process = in_process
        self.generation_key = f"{namespace}:generation"
        self._local: dict[str, tuple[float, Any]] = {}  # full key -> (until, answer)

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
        now = time.monotonic()
        kept = self._local.get(full) if self.in_process else None
        if kept is not None and kept[0] > now:
            return kept[1]
        value: T | None = cache.get(full)
        if value is None:
            value = load()
            if value is not None:
                cache.set(full, value, self.seconds)
        if value is not None:
            self._keep(full, value, now)
        return value

    def refresh(self, kind: str, key: str, value: Any) -> None:
        """Replace one remembered answer (it changed in a way this process made)."""
        if self.seconds > 0:
            full = self._key(kind, key)
            cache.set(full, value, self.seconds)
            self._keep(full, value, time.monotonic())

    def _keep(self, full: str, value: Any, now: float) -> None:
        if not self.in_process:
            return
        if len(self._local) >= LOCAL_LIMIT:  # the expired first, all if that is not enough
            self._local = {k: v for k, v in list(self._local.items()) if v[0] > now}
            if len(self._local) >= LOCAL_LIMIT:
                self._local = {}
        self._local[full] = (now + self.seconds, value)

    def forget(self, **_: Any) -> None:
        """Forget every answer at once (a signal receiver too)."""
        try:
            cache.incr(self.generation_key)
        except ValueError:  # not there yet: the next read starts a fresh generation
            self._generation()
            cache.incr(self.generation_key)
