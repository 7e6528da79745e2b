"""集中研判 triage: confirm item and level, reject, merge duplicates, split."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases import hooks, rules
from huying.cases.models import (
    Case,
    CaseState,
)
from huying.cases.selectors import cases_visible_to
from huying.cases.services.engine import (
    append_event,
    case_step,
    catalogue_item,
    now_or,
    run,
    tell_hub,
    who_of,
)
from huying.cases.services.intake import allocate_case_number, validate_report
from huying.catalogue.models import Level
from huying.core.errors import InvalidInput, NotFound
from huying.org.actors import Actor

S = CaseState


def case_triage(
    *,
    actor: Actor,
    case_id: int,
    item_id: int,
    level: int | None = None,
    level_reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """集中研判: confirm the item and level; a level other than the item's needs a reason.
    The trail keeps the suggestion for the case's text beside the decision (taken or changed:
    ``建议采纳率``)."""
    now = now_or(now)

    def body(case: Case) -> Case:
        item = catalogue_item(item_id, case.district_id)
        chosen = level if level is not None else item.default_level
        if chosen not in Level.values:
            raise InvalidInput(_("等级无效"), field="level")
        if chosen != item.default_level and not level_reason.strip():
            raise InvalidInput(_("调整事项默认等级须说明理由"), field="level_reason")
        offered = hooks.case_suggestion(case)
        case_step(
            case,
            actor,
            "triage",
            now=now,
            reason=level_reason,
            fields={"item": item, "level": chosen},
            extra_after={"suggested": offered.record(item.code, chosen)},
        )
        if chosen >= Level.COMPLEX:
            message = format_lazy(
                gettext_lazy("{level}待派单：{title}"), level=Level(chosen).label, title=case.title
            )
            tell_hub(case, "triaged", message, now)
        return case

    return run(actor, case_id, expected_version, body)


def case_reject(
    *,
    actor: Actor,
    case_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    now = now_or(now)

    def body(case: Case) -> Case:
        case_step(case, actor, "reject", now=now, reason=reason, fields={"closed_at": now})
        return case

    return run(actor, case_id, expected_version, body)


def case_merge(
    *,
    actor: Actor,
    case_id: int,
    master_id: int,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """Duplicates point at one master case; the master carries the work."""
    now = now_or(now)
    if master_id == case_id:
        raise InvalidInput(_("不能合并到自身"), field="master_id")
    master = cases_visible_to(actor).filter(pk=master_id).first()
    if master is None:
        raise NotFound(_("主事件不存在或无权查看"))
    if master.state in rules.ENDED_CASE_STATES:
        raise InvalidInput(_("主事件已不予受理、已被合并或已拆分"), field="master_id")

    def body(case: Case) -> Case:
        # A report still with the grid is folded in by the grid's staff (并入已有事件).
        case_step(
            case,
            actor,
            "grid_merge" if case.state == S.AT_GRID else "merge",
            now=now,
            reason=reason,
            fields={"master": master, "closed_at": now},
            extra_after={"master_number": master.number},
        )
        return case

    return run(actor, case_id, expected_version, body)


def case_split(
    *,
    actor: Actor,
    case_id: int,
    parts: Sequence[dict[str, str]],
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> list[Case]:
    """One report that holds several problems becomes several cases, each traced to it; the
    original ends as 已拆分 (its parts carry the work, so it is counted once: as the report)."""
    now = now_or(now)
    if len(parts) < 2:
        raise InvalidInput(_("拆分至少需要两个子问题"), field="parts")
    titles = [validate_report(p.get("title", ""), None, None) for p in parts]

    def body(case: Case) -> list[Case]:
        rule = rules.check_case(case.state, "split", actor.role)
        rules.enforce(rule, case, {}, reason)
        children = []
        for title, part in zip(titles, parts, strict=True):
            child = Case(
                number=allocate_case_number(case.district, now),
                source=case.source,
                title=title,
                description=part.get("description", "").strip(),
                reporter_id=case.reporter_id,
                reporter_name=case.reporter_name,
                reporter_phone=case.reporter_phone,
                lat=case.lat,
                lng=case.lng,
                address=case.address,
                district_id=case.district_id,
                street_id=case.street_id,
                community_id=case.community_id,
                grid_id=case.grid_id,
                territory_path=case.territory_path,
                split_from=case,
                state=S.SUBMITTED,
                version=0,
                # Its problem was reported with the original: counted in that period.
                reported_at=case.reported_at,
                updated_at=now,
            )
            child.save(force_insert=True)
            append_event(
                child,
                who=who_of(actor),
                action="submit",
                now=now,
                case_fields={},
                target=S.SUBMITTED,
                reason=reason,
                after={"number": child.number, "title": title, "split_from": case.number},
            )
            children.append(child)
        case_step(
            case,
            actor,
            "split",
            now=now,
            reason=reason,
            fields={"closed_at": now},
            extra_after={"children": [c.number for c in children]},
        )
        return children

    return run(actor, case_id, expected_version, body)
