"""自行处置 (L1): 小事不出网格, 大事不出社区, 重大事情不出街道; escalation up the tiers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases import rules
from huying.cases.deadlines import next_tier
from huying.cases.models import (
    Case,
    Route,
    Tier,
)
from huying.cases.services.engine import (
    NO_CLOCK,
    case_clock,
    case_step,
    check_files,
    now_or,
    run,
    tell_hub,
    tell_street,
    who_of,
)
from huying.catalogue.models import Level
from huying.core.errors import InvalidInput
from huying.org.actors import Actor


def case_self_handle(
    *,
    actor: Actor,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """小事不出网格: the case starts with the smallest unit that holds it."""
    now = now_or(now)

    def body(case: Case) -> Case:
        tier = Tier.GRID if case.grid_id else Tier.COMMUNITY if case.community_id else Tier.STREET
        case_step(
            case,
            actor,
            "self_handle",
            now=now,
            reason=note,
            fields={"route": Route.SELF, "tier": tier, **case_clock(case, "handling", now)},
        )
        return case

    return run(actor, case_id, expected_version, body)


def case_complete_self(
    *,
    actor: Actor,
    case_id: int,
    result: str,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    now = now_or(now)
    if not result.strip():
        raise InvalidInput(_("请填写处置结果"), field="result")
    checked = check_files(files)

    def body(case: Case) -> Case:
        case_step(
            case,
            actor,
            "complete_self",
            now=now,
            reason=result,
            files=checked,
            fields=case_clock(case, "verification", now),
        )
        tell_street(
            case,
            "verify",
            format_lazy(gettext_lazy("自行处置完毕，待核查：{title}"), title=case.title),
            now,
        )
        return case

    return run(actor, case_id, expected_version, body)


def case_escalate(
    *,
    actor: Actor | None,
    case_id: int,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """A self-handled case moves up one tier (grid → community → street → hub)."""
    now = now_or(now)

    def body(case: Case) -> Case:
        escalate(case, actor, reason=reason, now=now, overdue=False)
        return case

    return run(actor, case_id, expected_version, body)


def escalate(case: Case, actor: Actor | None, *, reason: str, now: datetime, overdue: bool) -> None:
    marks: dict[str, Any] = {"overdue": True, "swept_due_at": case.due_at} if overdue else {}
    # Only a self-handled case has a tier to climb; any other is refused by the table (409).
    rules.check_case(case.state, "escalate", who_of(actor).role)
    upper = next_tier(case.tier)
    if upper == Tier.HUB or upper is None:
        case_step(
            case,
            actor,
            "escalate_to_hub",
            now=now,
            reason=reason,
            fields={"tier": Tier.HUB, "level": Level.COMPLEX, "route": "", **NO_CLOCK, **marks},
        )
        tell_hub(
            case,
            "escalated",
            format_lazy(gettext_lazy("街道上报呼应办：{title}"), title=case.title),
            now,
        )
        return
    case_step(
        case,
        actor,
        "escalate",
        now=now,
        reason=reason,
        fields={"tier": upper, **case_clock(case, "handling", now), **marks},
    )
    message = format_lazy(
        gettext_lazy("问题上报至{tier}：{title}"), tier=Tier(upper).label, title=case.title
    )
    tell_street(case, "escalated", message, now)
