"""Answers remembered for a few seconds: read once per process while they live, forgotten all
at once, and never kept past their lifetime."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache

from huying.core import remembered
from huying.core.remembered import Remembered

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    clock = Clock()
    monkeypatch.setattr(remembered.time, "monotonic", clock)
    yield clock


def loader(answers: list[Any]) -> tuple[list[int], Callable[[], Any]]:
    calls = [0]

    def load() -> Any:
        calls[0] += 1
        return answers[calls[0] - 1]

    return calls, load


def test_the_process_copy_spares_the_cache_read(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = Remembered("test:spare", 30, in_process=True)
    calls, load = loader([{"big": list(range(100))}])
    first = memory.get("items", "1", load)
    reads: list[str] = []
    real_get = cache.get

    def counted_get(key: str, *args: Any) -> Any:
        reads.append(key)
        return real_get(key, *args)

    monkeypatch.setattr(cache, "get", counted_get)
    again = memory.get("items", "1", load)
    assert again is first and calls[0] == 1
    assert reads == [memory.generation_key]  # the generation only, not the answer's pickle


def test_forgetting_reaches_the_process_copy(clock: Clock) -> None:
    memory = Remembered("test:forget", 30, in_process=True)
    calls, load = loader(["old", "new"])
    assert memory.get("x", "1", load) == "old"
    memory.forget()
    assert memory.get("x", "1", load) == "new" and calls[0] == 2


def test_the_process_copy_dies_with_its_lifetime(clock: Clock) -> None:
    memory = Remembered("test:expire", 30, in_process=True)
    calls, load = loader(["old", "new"])
    assert memory.get("x", "1", load) == "old"
    clock.now += 29
    assert memory.get("x", "1", load) == "old"
    clock.now += 2
    cache.delete(memory._key("x", "1"))  # the cache's copy expired as well
    assert memory.get("x", "1", load) == "new" and calls[0] == 2


def test_without_in_process_each_read_is_a_fresh_copy(clock: Clock) -> None:
    """Tokens and acting roles: a request may set attributes on what it was given."""
    memory = Remembered("test:fresh", 30)
    calls, load = loader([{"user": 1}])
    first = memory.get("x", "1", load)
    again = memory.get("x", "1", load)
    assert again == first and again is not first and calls[0] == 1


def test_a_refreshed_answer_is_the_process_copy_too(clock: Clock) -> None:
    memory = Remembered("test:refresh", 30, in_process=True)
    _, load = loader(["old"])
    memory.get("x", "1", load)
    memory.refresh("x", "1", "changed here")
    assert memory.get("x", "1", load) == "changed here"


def test_the_process_keeps_a_bounded_number(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remembered, "LOCAL_LIMIT", 10)
    memory = Remembered("test:bounded", 30, in_process=True)
    for n in range(25):
        memory.get("x", str(n), lambda n=n: n)  # type: ignore[misc]
    assert len(memory._local) <= 10
