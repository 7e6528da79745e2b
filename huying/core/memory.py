"""Handing memory back to the system after a large, rare piece of work (laying out a PDF with
its CJK fonts: ~90 MB for a street board). Python frees the objects, but glibc keeps the freed
heap pages in the process unless asked, so a web worker that printed once would stay at that
size all day (``bench/rss.py``: 361 MB after three rounds of the pages and a board, 272 MB
with the pages given back)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable


def give_back() -> None:
    """Collect garbage, then return the heap's free pages to the system (glibc only; a few
    milliseconds, so only after work that allocated a lot)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to hand back this way
        return None
