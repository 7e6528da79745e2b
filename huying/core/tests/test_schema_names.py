"""Names the database keeps in one namespace: on PostgreSQL a table, an index and the index
behind a unique constraint are all relations of a schema, so a constraint named like a table
fails the migration there ("relation … already exists") while SQLite, which keeps them apart,
accepts it. Checked from the models, so the SQLite run catches it too."""

from __future__ import annotations

from collections import Counter

import pytest
from django.apps import apps

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once


def test_no_index_or_constraint_is_named_like_a_table_or_another() -> None:
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    names = Counter(
        item.name
        for model in apps.get_models()
        for item in [*model._meta.indexes, *model._meta.constraints]
        if item.name
    )
    assert sorted(n for n in names if n in tables) == []
    assert sorted(n for n, count in names.items() if count > 1) == []
