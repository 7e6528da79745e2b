"""The browser tests are one family, marked ``browser``: CI runs them once (in the SQLite run,
see .ci/run) and the marker is how it picks them out. An unmarked module would silently run
twice, or, without Chromium, skip where its neighbours report why."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

BROWSER_TESTS = Path(__file__).resolve().parents[2] / "browser_tests"


@pytest.mark.parametrize("module", sorted(p.stem for p in BROWSER_TESTS.glob("test_*.py")), ids=str)
def test_every_browser_test_module_is_marked_browser(module: str) -> None:
    marks = getattr(importlib.import_module(f"huying.browser_tests.{module}"), "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    assert "browser" in {m.name for m in marks}, f"{module}: pytestmark lacks pytest.mark.browser"
