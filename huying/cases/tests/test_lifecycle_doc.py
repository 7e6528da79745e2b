from pathlib import Path

import pytest

from huying.cases.lifecycle_doc import render

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

DOC = Path(__file__).resolve().parents[3] / "docs" / "lifecycle.md"


def test_docs_lifecycle_matches_the_rules_table() -> None:
    """Regenerate with: huying lifecycle-doc > docs/lifecycle.md"""
    assert DOC.read_text(encoding="utf-8") == render()
