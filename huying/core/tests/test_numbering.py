"""Numbers unique across processes (``huying.core.numbering``); on PostgreSQL the bump
commits without waiting for its flush, and must leave every other commit waiting for it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from huying.cases.models import Case
from huying.core.numbering import counter_block, counter_next, counter_next_and_id

pytestmark = pytest.mark.django_db(transaction=True)


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_numbers_follow_each_other_and_blocks_do_not_overlap() -> None:
    assert [counter_next("probe"), counter_next("probe")] == [1, 2]
    assert counter_block("probe", 10) == 3
    assert counter_next("probe") == 13


def test_an_id_comes_with_the_number_on_postgresql_only() -> None:
    first, first_id = counter_next_and_id("probe:ids", Case)
    second, second_id = counter_next_and_id("probe:ids", Case)
    assert (first, second) == (1, 2)
    if connection.vendor == "postgresql":
        assert first_id is not None and second_id is not None and second_id > first_id
    else:
        assert first_id is None and second_id is None


def test_the_unflushed_bump_leaves_other_commits_waiting_for_their_flush() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    counter_next("probe:flush")
    assert _synchronous_commit() == "on"  # only the bump's own transaction went without
    with transaction.atomic():
        counter_next("probe:flush")  # inside a transaction the setting would outlive the bump
        assert _synchronous_commit() == "on"
