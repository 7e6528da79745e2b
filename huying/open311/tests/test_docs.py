"""docs/open311.md has a curl example for every Open311 endpoint, and its error examples say
what the door says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huying.open311.urls import urlpatterns

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

DOC = Path(__file__).resolve().parents[3] / "docs" / "open311.md"


def test_every_endpoint_has_a_curl_example() -> None:
    curls = [line for line in DOC.read_text(encoding="utf-8").splitlines() if "curl " in line]
    named = [p for p in urlpatterns if getattr(p, "name", None)]
    assert len(named) >= 8
    missing = []
    for pattern in named:
        # "services/<str:code>.<fmt:fmt>" → "$B/services/"; "" (the root) → "$B/ "
        head = re.split(r"[<.]", str(pattern.pattern), maxsplit=1)[0]
        wanted = f"$B/{head}"
        if not any(wanted in line for line in curls):
            missing.append(wanted)
    assert missing == []
    methods = " ".join(curls)
    assert "-X POST $B/requests.json" in methods and "media=@" in methods
    assert "page_size=" in methods and "attribute[" in methods
