"""The call sheet (呼叫单): the printed form that goes with a call to the departments.

One HTML template serves the screen, the browser's print and the PDF (WeasyPrint renders
the ``print`` media). Read through the scope selector like every case read: out of scope
is 404; a case never called or dispatched has no call sheet, also 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from huying.cases.models import Assignment, AssignmentRole, AssignmentState, Case
from huying.cases.selectors import cases_visible_to
from huying.core.errors import NotFound
from huying.core.memory import give_back
from huying.org.actors import Actor
from huying.org.models import OrgUnit

#: No longer among the called: taken back, or handed back and upheld.
GONE = (AssignmentState.WITHDRAWN, AssignmentState.RETURNED)


@dataclass(frozen=True)
class CallSheet:
    case: Case
    district: OrgUnit
    caller: OrgUnit
    route_label: str
    called_at: datetime
    #: The departments of the latest call, lead (主办) first.
    called: list[Assignment]

    @property
    def title(self) -> str:
        return _("{district}街道呼·部门应 呼叫单").format(district=self.district.name)


def call_sheet(actor: Actor, *, case_id: int) -> CallSheet:
    assignments = (
        Assignment.objects.select_related("department", "caller")
        .defer("department__boundary", "caller__boundary")
        .order_by("round", "pk")
    )
    try:
        case = (
            cases_visible_to(actor)
            .select_related("item", "district", "street", "community", "grid")
            .defer(
                "district__boundary", "street__boundary", "community__boundary", "grid__boundary"
            )
            .prefetch_related(Prefetch("assignments", queryset=assignments))
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise NotFound(_("事件不存在或无权查看")) from None
    every = list(case.assignments.all())
    if not every:
        raise NotFound(_("该事件尚未呼叫或派单"), code="not_called")
    latest = max(a.round for a in every)
    this_round = [a for a in every if a.round == latest]
    # A sheet lists who is called now; if every department has since left, it still shows
    # whom the latest call went to.
    called = [a for a in this_round if a.state not in GONE] or this_round
    called.sort(key=lambda a: (a.role != AssignmentRole.LEAD, a.pk))
    first = min(called, key=lambda a: a.dispatched_at)
    return CallSheet(
        case=case,
        district=case.district,
        caller=called[0].caller,
        route_label=called[0].get_route_display(),
        called_at=first.dispatched_at,
        called=called,
    )


def render_pdf(html: str) -> bytes:
    """The page as PDF. Nothing is fetched: the template carries its own CSS and fonts come
    from fontconfig (fonts-noto-cjk), so a case's text can never make the server load a URL."""
    from weasyprint import HTML  # a heavy import, paid only by the pages that print
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"])
    try:
        pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    finally:
        give_back()  # the layout's and the fonts' ~90 MB, not kept by the process all day
    return pdf
