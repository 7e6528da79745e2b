"""What a 12345 ticket adds to the case it became, plugged into cases (``cases.hooks``):

- its 诉求类型 is read by the triage suggestion with the case's text (a platform's category
  such as 市容环境 names the item better than a caller's words do) — a suggestion still;
- its 紧急程度, when it says 紧急 or 特急, marks the case in the workbench's queues. The case
  model has no urgency of its own before triage (its level is triage's decision, L4 the
  emergency route), so the mark stays the ticket's and the hub decides;
- its number, 诉求类型, 紧急程度 and the platform's own deadline are shown on the case page,
  under 补充信息.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.cases.models import Case, Source
from huying.hotline.models import HotlineTicket


def suggestion_context(case: Case) -> str:
    if case.source != Source.HOTLINE or not case.pk:
        return ""
    kind = HotlineTicket.objects.filter(case_id=case.pk).values_list("kind", flat=True).first()
    return _("诉求类型：%(kind)s") % {"kind": kind} if kind else ""


def case_marks(cases: Sequence[Case]) -> Mapping[int, list[str]]:
    ids = [c.pk for c in cases if c.source == Source.HOTLINE]
    if not ids:
        return {}
    urgent = HotlineTicket.objects.filter(case_id__in=ids, urgent=True)
    return {
        case_id: [_("12345%(urgency)s") % {"urgency": urgency}]
        for case_id, urgency in urgent.values_list("case_id", "urgency")
    }


def urgent_ticket() -> Exists:
    """The case is a 12345 ticket the platform marked 紧急 / 特急 / 加急."""
    return Exists(HotlineTicket.objects.filter(case_id=OuterRef("pk"), urgent=True))


def report_details(case: Case) -> list[tuple[str, str]]:
    if case.source != Source.HOTLINE:
        return []
    ticket = HotlineTicket.objects.filter(case_id=case.pk).first()
    if ticket is None:
        return []
    details = [(_("12345工单编号"), ticket.number)]
    if ticket.kind:
        details.append((_("诉求类型"), ticket.kind))
    if ticket.urgency:
        details.append((_("紧急程度"), ticket.urgency))
    if ticket.due_at:
        moment = timezone.localtime(ticket.due_at).strftime("%Y-%m-%d %H:%M")
        details.append((_("平台办理时限"), moment))
    return details
