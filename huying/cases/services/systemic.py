"""系统性问题: when a problem keeps coming back (反复发生预警), the hub opens one case for its
cause and links the recurring cases to it, so that the cause is handled once, through the
ordinary lifecycle, and each report's trail says where its cause went."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from huying.cases import rules
from huying.cases.models import Case, Source
from huying.cases.selectors import cases_visible_to
from huying.cases.services.engine import append_event, now_or, run, who_of
from huying.cases.services.intake import case_submit, validate_report
from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.org.actors import Actor
from huying.org.models import OrgUnit

#: One 系统性问题 links at most this many cases (a month of one item in one place is far less).
MAX_LINKED = 200


def case_open_systemic(
    *,
    actor: Actor,
    case_ids: Sequence[int],
    title: str,
    reason: str,
    now: datetime | None = None,
) -> Case:
    """Open a 系统性问题 for ``case_ids`` and link each of them to it; all or nothing.

    The new case comes in like any report from the hub's own findings (督查检查), through
    intake, so it waits in the hub's 待研判 and is triaged, dispatched and closed as usual. Its
    place is the smallest unit holding every linked case, its item theirs when they share
    one, its description the reason. Its trail records what it links (``systemic.open``),
    each linked case's trail records the link (``systemic.link``), and the case page lists
    them both ways; the linked cases keep their own state.
    """
    now = now_or(now)
    if actor.role not in rules.SYSTEMIC_ROLES:
        raise PermissionDenied(_("只有呼应办可以发起系统性问题"))
    ids = sorted(set(case_ids))
    if len(ids) < 2:
        raise InvalidInput(_("系统性问题至少关联两个事件"), field="case_ids")
    if len(ids) > MAX_LINKED:
        raise InvalidInput(
            _("系统性问题最多关联 %(max)d 个事件") % {"max": MAX_LINKED}, field="case_ids"
        )
    title = validate_report(title, None, None)
    if not reason.strip():
        raise InvalidInput(_("请说明为何作为系统性问题处理"), field="reason")

    with transaction.atomic():
        children = list(
            cases_visible_to(actor)
            .filter(pk__in=ids)
            .select_related("item__klass__catalogue")
            .order_by("pk")
        )
        if len(children) != len(ids):
            raise NotFound(_("事件不存在或无权查看"))
        _check_linkable(children)
        items = {c.item for c in children}
        item = items.pop() if len(items) == 1 else None
        parent = case_submit(
            actor=actor,
            title=title,
            description=reason,
            source=Source.INSPECTION,
            unit_id=_common_unit(children).pk,
            item_id=item.pk if item is not None and item.klass.catalogue.is_current else None,
            now=now,
        )
        append_event(
            parent,
            who=who_of(actor),
            action="systemic.open",
            now=now,
            case_fields={},
            target=None,
            reason=reason,
            after={"children": [c.number for c in children]},
        )
        for child in children:
            run(actor, child.pk, None, _linker(actor, parent, reason, now))
    return parent


def _check_linkable(children: list[Case]) -> None:
    parents = set(Case.objects.filter(systemic__in=children).values_list("systemic_id", flat=True))
    for child in children:
        if child.state in rules.ENDED_CASE_STATES:
            raise InvalidInput(
                _("事件 {number} 已不予受理、已被合并或已拆分").format(number=child.number),
                field="case_ids",
            )
        if child.systemic_id is not None:
            raise InvalidInput(
                _("事件 {number} 已关联系统性问题").format(number=child.number),
                field="case_ids",
            )
        if child.pk in parents:
            raise InvalidInput(
                _("事件 {number} 本身是系统性问题").format(number=child.number),
                field="case_ids",
            )


def _linker(actor: Actor, parent: Case, reason: str, now: datetime) -> Callable[[Case], Case]:
    def body(case: Case) -> Case:
        if case.systemic_id is not None:  # linked by someone else meanwhile
            raise InvalidInput(
                _("事件 {number} 已关联系统性问题").format(number=case.number),
                field="case_ids",
            )
        append_event(
            case,
            who=who_of(actor),
            action="systemic.link",
            now=now,
            case_fields={"systemic": parent},
            target=None,
            reason=reason,
            after={"systemic_number": parent.number},
        )
        return case

    return body


def _common_unit(children: list[Case]) -> OrgUnit:
    """The smallest territorial unit that holds every case (their grid when they share one)."""
    paths = [c.territory_path.strip("/").split("/") for c in children]
    common = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return OrgUnit.objects.get(path="/" + "/".join(common) + "/")
