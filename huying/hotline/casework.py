"""What a 12345 ticket adds to the case it became, plugged into cases (``cases.hooks``):

- its 诉求类型 is read by the triage suggestion with the case's text (a platform's category
  such as 市容环境 names the item better than a caller's words do) — a suggestion still;
- its 紧急程度, when it says 紧急 or 特急, marks the case in the workbench's queues. The case
  model has no urgency of its own before triage (its level is triage's decision, L4 the
  emergency route), so the mark stays the ticket's and the hub decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
