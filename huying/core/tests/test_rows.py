"""The statement-once writers write what the ORM would have written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F

from huying.core.models import Notification
from huying.core.rows import insert_objects, insert_one, update_column, update_where

AT = datetime(2026, 3, 9, 1, 2, 3, 456789, tzinfo=UTC)


def _row(n: Notification) -> dict[str, Any]:
    return {f.attname: getattr(n, f.attname) for f in Notification._meta.concrete_fields} | {
        "id": None
    }


def _notice(user: Any, n: int) -> Notification:
    return Notification(
        recipient=user,
        kind="verify",
        subject=f"JC-{n}",
        message=f"第{n}件：请核查「路灯不亮」",
        due_at=AT + timedelta(hours=n) if n % 2 else None,
        urgent=bool(n % 2),
        created_at=AT,
    )


@pytest.fixture
def people() -> list[Any]:
    User = get_user_model()
    return [User.objects.create(username=f"rows{n}") for n in range(2)]


@pytest.mark.django_db
def test_rows_inserted_at_once_read_back_as_the_orm_writes_them(people: list[Any]) -> None:
    insert_objects([_notice(people[0], n) for n in range(3)])
    Notification.objects.bulk_create([_notice(people[1], n) for n in range(3)])
    ours = [
        _row(n) | {"recipient_id": None}
        for n in Notification.objects.filter(recipient=people[0]).order_by("subject")
    ]
    orms = [
        _row(n) | {"recipient_id": None}
        for n in Notification.objects.filter(recipient=people[1]).order_by("subject")
    ]
    assert ours == orms and len(ours) == 3
    assert ours[1]["due_at"] == AT + timedelta(hours=1) and ours[1]["urgent"] is True


@pytest.mark.django_db
def test_one_row_inserted_gets_its_id_and_reads_back_the_same(people: list[Any]) -> None:
    notice = _notice(people[0], 1)
    insert_one(notice)
    assert notice.pk is not None and not notice._state.adding
    assert _row(Notification.objects.get(pk=notice.pk)) == _row(notice)


@pytest.mark.django_db
def test_a_compare_and_set_changes_the_row_only_when_it_matches(people: list[Any]) -> None:
    notice = _notice(people[0], 2)
    insert_one(notice)
    later = AT + timedelta(days=1)
    lost = update_where(Notification, {"read_at": later}, pk=notice.pk, kind="other")
    assert lost == 0 and Notification.objects.get(pk=notice.pk).read_at is None
    # A model instance stands for its id, by the field's name or its column's.
    won = update_where(
        Notification, {"recipient": people[1], "read_at": later}, pk=notice.pk, kind="verify"
    )
    assert won == 1
    row = Notification.objects.get(pk=notice.pk)
    assert (row.recipient_id, row.read_at) == (people[1].pk, later)
    assert update_where(Notification, {"sent_at": later}, recipient_id=people[1].pk) == 1


@pytest.mark.django_db
def test_an_expression_is_refused_and_nothing_written(people: list[Any]) -> None:
    notice = _notice(people[0], 3)
    insert_one(notice)
    with pytest.raises(TypeError):
        update_where(Notification, {"sent_at": F("created_at")}, pk=notice.pk)
    assert Notification.objects.get(pk=notice.pk).sent_at is None


@pytest.mark.django_db
def test_a_column_set_row_by_row(people: list[Any]) -> None:
    notices = [_notice(people[0], n) for n in range(3)]
    for n in notices:
        insert_one(n)
    update_column(Notification, "subject", [(f"new-{n.pk}", n.pk) for n in notices[:2]])
    subjects = dict(Notification.objects.values_list("pk", "subject"))
    assert subjects == {
        notices[0].pk: f"new-{notices[0].pk}",
        notices[1].pk: f"new-{notices[1].pk}",
        notices[2].pk: "JC-2",
    }
