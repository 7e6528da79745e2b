"""Reporting up the ladder (网格信息员、街长 → 网格员): a report from a grid's informant or
street chief waits with the grid's staff (``CaseState.AT_GRID``), who settle it on the spot
at grid tier, fold it into a case already open (``triage.case_merge``), or raise it to the
community's self-handling or to the street's triage. A chief who fixed something himself
records it with photos before and after: settled at grid tier, without a call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases.models import Case, Route, Tier
from huying.cases.services.engine import (
    NO_CLOCK,
    case_clock,
    case_step,
    check_files,
    files_kept_only_on_success,
    now_or,
    run,
    tell,
    tell_street,
)
from huying.cases.services.intake import case_submit, resent
from huying.cases.services.self_handling import case_complete_self
from huying.catalogue.models import Level
from huying.core.errors import InvalidInput
from huying.org.actors import Actor
from huying.org.models import Role

#: Where 上报 from the grid sends a case: the community's self-handling, or the street.
RAISE_ACTIONS = {Tier.COMMUNITY: "raise_to_community", Tier.STREET: "raise_to_street"}


def _self_handling_at(case: Case, tier: str, now: datetime) -> dict[str, Any]:
    """L1 self-handling (小事不出网格, 大事不出社区) at ``tier``, its clock started."""
    level = case.level or Level.SIMPLE
    case.level = level  # the clock is the level's
    return {"route": Route.SELF, "tier": tier, "level": level, **case_clock(case, "handling", now)}


def case_grid_handle(
    *,
    actor: Actor,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """就地处置: the grid takes the report on as its own L1 case."""
    now = now_or(now)

    def body(case: Case) -> Case:
        fields = _self_handling_at(case, Tier.GRID, now)
        case_step(case, actor, "grid_handle", now=now, reason=note, fields=fields)
        return case

    return run(actor, case_id, expected_version, body)


def case_grid_settle(
    *,
    actor: Actor,
    case_id: int,
    result: str,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """就地解决: taken on and done in one submit (both steps or neither); the street checks
    it as any self-handled case."""
    now = now_or(now)
    if not result.strip():
        raise InvalidInput(_("请填写处置结果"), field="result")
    with files_kept_only_on_success(), transaction.atomic():
        case = case_grid_handle(
            actor=actor, case_id=case_id, now=now, expected_version=expected_version
        )
        return case_complete_self(
            actor=actor,
            case_id=case_id,
            result=result,
            files=files,
            now=now,
            expected_version=case.version,
        )


def case_raise(
    *,
    actor: Actor,
    case_id: int,
    to: str,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """上报社区 / 上报街道: one action; the community handles it as an L1 case at its tier,
    the street triages it like any report."""
    now = now_or(now)
    action = RAISE_ACTIONS.get(to)  # type: ignore[call-overload]
    if action is None:
        raise InvalidInput(_("只能上报社区或街道"), field="to")

    def body(case: Case) -> Case:
        if to == Tier.COMMUNITY:
            fields = _self_handling_at(case, Tier.COMMUNITY, now)
            case_step(case, actor, action, now=now, reason=reason, fields=fields)
            message = format_lazy(gettext_lazy("网格上报社区处置：{title}"), title=case.title)
            roles = [Role.COMMUNITY_STAFF, Role.GRID_LEADER]
            tell([case.community_id], roles, case, "escalated", message, now)  # type: ignore[list-item]
        else:
            case_step(case, actor, action, now=now, reason=reason)
            message = format_lazy(gettext_lazy("网格上报，待研判：{title}"), title=case.title)
            tell_street(case, "submitted", message, now)
        return case

    return run(actor, case_id, expected_version, body)


def case_report_fixed(
    *,
    actor: Actor,
    title: str,
    result: str,
    before: Sequence[UploadedFile],
    after: Sequence[UploadedFile],
    description: str = "",
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    unit_id: int | None = None,
    item_id: int | None = None,
    submission_key: str = "",
    now: datetime | None = None,
) -> Case:
    """街长自行解决: the report (with the photo before) and its settling at grid tier (with
    the photo after) in one transaction; it counts as closed at the grid, with no call.
    ``submission_key`` makes a resend from the phone's offline queue return the fix already
    recorded, as it does for a report (``case_submit``)."""
    now = now_or(now)
    key = submission_key.strip()
    if key and (earlier := resent(actor, key)) is not None:
        return earlier
    if not before:
        raise InvalidInput(_("请上传处置前的照片"), field="before")
    if not after:
        raise InvalidInput(_("请上传处置后的照片"), field="after")
    if not result.strip():
        raise InvalidInput(_("请填写处置结果"), field="result")
    checked = check_files(after)
    with files_kept_only_on_success(), transaction.atomic():
        case = case_submit(
            actor=actor,
            title=title,
            description=description,
            lat=lat,
            lng=lng,
            address=address,
            unit_id=unit_id,
            item_id=item_id,
            files=before,
            submission_key=key,
            now=now,
        )
        if key and case.events.filter(action="self_fixed").exists():
            return case  # a resend that raced the first send past the check above

        def body(case: Case) -> Case:
            fields = {
                "route": Route.SELF,
                "tier": Tier.GRID,
                "level": case.level or Level.SIMPLE,
                "closed_at": now,
                **NO_CLOCK,
            }
            case_step(
                case, actor, "self_fixed", now=now, reason=result, files=checked, fields=fields
            )
            return case

        return run(actor, case.pk, case.version, body)
