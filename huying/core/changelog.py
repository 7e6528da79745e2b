"""The change log of back-office writes (NetBox-style): before/after of the fields a write
touched, who did it acting under which role, and the request it came in with.

Services call :func:`change_record` inside their transaction, so a change and its record
commit or roll back together. Reads: :func:`changes_for` (a page shows them with
``huying.org.web.change_rows``, which knows the roles' names).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet

from huying.core.acting import Acting
from huying.core.audit import jsonable
from huying.core.middleware import current_request_id
from huying.core.models import ChangeLog


def object_type(obj: models.Model) -> str:
    return obj._meta.label_lower


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The fields' values as JSON (a foreign key as its id, a many-to-many as sorted ids)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            out[name] = sorted(related.pk for related in getattr(obj, name).all())
        elif field.is_relation:
            out[name] = getattr(obj, f"{name}_id")
        else:
            out[name] = jsonable(getattr(obj, name))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value changed, from each side."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def change_record(
    *,
    actor: Acting | None,
    action: str,
    obj: models.Model,
    now: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ChangeLog:
    """Append one record; ``actor`` None is the system (a management command, the demo)."""
    return ChangeLog.objects.create(
        at=now,
        user=actor.user if actor else None,
        username=actor.user.get_username() if actor else "",
        role=actor.role if actor else "",
        actor_unit_id=actor.unit.pk if actor else None,
        request_id=current_request_id(),
        action=action,
        object_type=object_type(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )


def changes_for(obj: models.Model, *, limit: int = 20) -> QuerySet[ChangeLog]:
    """The latest records about one object, newest first."""
    return ChangeLog.objects.filter(object_type=object_type(obj), object_id=str(obj.pk)).order_by(
        "-id"
    )[:limit]
