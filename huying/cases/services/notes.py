"""Notes on a case's trail from the apps above cases (``rules.NOTE_ACTIONS``): a joint
operation that dealt with the case, a meeting's decision on it. Not a step of the lifecycle
(the state stays), but an event like any other: in the actor's scope, hash-chained, and
compare-and-set against concurrent steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from huying.cases import rules
from huying.cases.models import Case
from huying.cases.services.engine import append_event, now_or, run, who_of
from huying.core.errors import InvalidInput, PermissionDenied
from huying.org.actors import Actor


def case_note(
    *,
    actor: Actor,
    case_id: int,
    action: str,
    reason: str,
    after: dict[str, Any],
    open_only: bool = False,
    now: datetime | None = None,
) -> Case:
    """Append the note ``action`` to the trail of a case in the actor's scope (404 outside
    it). A case that ended as someone else's (rejected, merged, split) takes no note; with
    ``open_only``, neither does a closed one."""
    now = now_or(now)
    if action not in rules.NOTE_ACTIONS:
        raise ValueError(f"not a note: {action!r}")
    if actor.role not in rules.NOTE_ROLES:
        raise PermissionDenied(_("当前角色不能在事件轨迹上记录此事项"))

    def body(case: Case) -> Case:
        closed = case.state not in rules.OPEN_CASE_STATES
        if case.state in rules.ENDED_CASE_STATES or (open_only and closed):
            raise InvalidInput(
                _("事件 {number} 已结束，不能再作此记录").format(number=case.number),
                field="case_id",
            )
        append_event(
            case,
            who=who_of(actor),
            action=action,
            now=now,
            case_fields={},
            target=None,
            reason=reason,
            after=after,
        )
        return case

    return run(actor, case_id, None, body)
