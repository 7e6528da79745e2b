"""A meeting's minutes (会议纪要) as Word and PDF: the meeting (huying.coordination) laid out
as the circular's outline (``circular.document``) and printed by the circular's renderers,
so both documents share their styles, fonts and layout."""

from __future__ import annotations

import io

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from huying.coordination.models import Decision, Meeting
from huying.coordination.selectors import meeting_get, open_decisions
from huying.core.errors import NotFound
from huying.core.i18n import join_list
from huying.core.web import file_download
from huying.org.actors import Actor
from huying.org.web import staff_view
from huying.reports.circular.document import CircularDocument, Table, chinese_date
from huying.reports.circular.pdf import render_pdf
from huying.reports.circular.word import render_docx
from huying.reports.circulars import FILE_TYPES


def serial(meeting: Meeting) -> int:
    """The meeting's number among its organiser's meetings of its kind in its year."""
    return Meeting.objects.filter(
        organiser_id=meeting.organiser_id,
        kind=meeting.kind,
        held_on__year=meeting.held_on.year,
        held_on__lte=meeting.held_on,
    ).count()


def minutes_document(meeting: Meeting) -> CircularDocument:
    kind = meeting.get_kind_display()
    doc = CircularDocument(
        organ_mark=_("{organiser}{kind}纪要").format(organiser=meeting.organiser.name, kind=kind),
        number=_("〔{year}〕第{n}期").format(year=meeting.held_on.year, n=serial(meeting)),
        title=meeting.title,
        addressees=_("各参会单位："),
        signer=meeting.organiser.name,
        date=chinese_date(meeting.held_on),
    )
    doc.h1(_("一、会议概况"))
    attendees = join_list(u.name for u in meeting.attendees.order_by("code"))
    doc.p(
        _("{day}，{organiser}召开{kind}{place}{chair}。参会单位：{attendees}。").format(
            day=chinese_date(meeting.held_on),
            organiser=meeting.organiser.name,
            kind=kind,
            place=_("（地点：{place}）").format(place=meeting.place) if meeting.place else "",
            chair=_("，{chair}主持").format(chair=meeting.chair) if meeting.chair else "",
            attendees=attendees or "—",
        )
    )
    if meeting.attendee_names:
        doc.p(_("参会人员：{names}").format(names=meeting.attendee_names))
    doc.h1(_("二、会议议题"))
    items = list(meeting.items.all())
    if not items:
        doc.p(_("（无）"))
    for i, item in enumerate(items, start=1):
        doc.p(f"{i}. {item.text}（{item.get_kind_display()}）", item=True)
    doc.h1(_("三、会议决定"))
    decisions = list(
        meeting.decisions.select_related("case", "lead").prefetch_related("co_handlers")
    )
    if not decisions:
        doc.p(_("本次会议未对事件作出决定。"))
    else:
        doc.blocks.append(_decision_table(decisions))
    doc.h1(_("四、前次会议决定跟进"))
    earlier = list(open_decisions(meeting))
    if not earlier:
        doc.p(_("前次会议决定的事件均已办结。"))
    else:
        doc.blocks.append(_decision_table(earlier, with_meeting=True))
    if meeting.summary:
        doc.h1(_("五、会议要求"))
        for line in meeting.summary.splitlines():
            if line.strip():
                doc.p(line.strip())
    return doc


def _decision_table(decisions: list[Decision], *, with_meeting: bool = False) -> Table:
    columns = [_("编号"), _("事件"), _("决定"), _("主办 / 协办"), _("期限"), _("理由"), _("现状态")]
    if with_meeting:
        columns[2] = _("会议及决定")
    rows = []
    for d in decisions:
        handlers = " / ".join(
            x
            for x in [d.lead.name if d.lead else "", join_list(u.name for u in d.co_handlers.all())]
            if x
        )
        what = d.get_kind_display()
        if with_meeting:
            what = f"{d.meeting.title} {what}"
        rows.append(
            [
                d.case.number,
                d.case.title,
                what,
                handlers or "—",
                f"{d.deadline:%Y-%m-%d}" if d.deadline else "—",
                d.reason or "—",
                d.case.get_state_display(),
            ]
        )
    return Table(
        columns=columns,
        rows=rows,
        widths=[2.4, 2.6, 1.8, 2.2, 1.5, 2.2, 1.4],
        align=["left", "left", "left", "left", "center", "left", "center"],
    )


def download_name(meeting: Meeting, kind: str) -> str:
    return _("{title}纪要.{ext}").format(title=meeting.title, ext=kind)


def minutes_file(actor: Actor, meeting_id: int, kind: str) -> HttpResponse:
    """The minutes as Word or PDF (the page's download and the API's), rendered from the
    meeting as it stands, in the reader's scope (another street's meeting is absent)."""
    meeting = meeting_get(actor, meeting_id)
    if kind not in FILE_TYPES:
        raise NotFound()
    document = minutes_document(meeting)
    data = render_docx(document) if kind == "docx" else render_pdf(document)
    return file_download(
        io.BytesIO(data), filename=download_name(meeting, kind), content_type=FILE_TYPES[kind]
    )


@never_cache
@staff_view
def minutes_download(request: HttpRequest, meeting_id: int, kind: str) -> HttpResponse:
    return minutes_file(request.actor, meeting_id, kind)  # type: ignore[attr-defined]
