"""Memory handed back after a large piece of work (a PDF's layout), not kept all day."""

from __future__ import annotations

from pathlib import Path

import pytest

from huying.core import memory

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no /proc/self/status")


def test_freed_heap_pages_go_back_to_the_system() -> None:
    if memory._malloc_trim() is None:
        pytest.skip("not glibc")
    blocks = [bytes(2048) for _ in range(60_000)]  # ~120 MB from malloc, not Python's arenas
    keep = bytes(2048)  # above them in the heap, so that glibc cannot shrink the heap's top
    blocks.clear()
    before = rss_mib()
    memory.give_back()
    assert before - rss_mib() > 60, "the freed pages stayed in the process"
    assert keep
