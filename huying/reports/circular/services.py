"""Writes of circulars: request one (queued for the worker), run it (the job), or generate one
at once from the command line.

The job is a state machine on ``Circular.state``: pending → running (claimed by
compare-and-set, so a job queued twice runs once) → done, or failed with the reason kept.
The figures are gathered and stored first, then both files are drawn from them; a failure
at any step leaves no file and a readable reason.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.core.errors import DomainError, InvalidInput, NotFound
from huying.core.i18n import site_text
from huying.core.numbering import counter_next
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.reports.circular.document import circular_document, doc_number, issuer_abbr
from huying.reports.circular.figures import circular_figures
from huying.reports.circular.pdf import render_pdf
from huying.reports.circular.rules import FIRST_YEAR, may_generate
from huying.reports.circular.selectors import actor_district
from huying.reports.circular.word import render_docx
from huying.reports.models import Circular, CircularState

logger = logging.getLogger("huying.circular")

S = CircularState


def check_month(*, year: int, month: int, now: datetime) -> None:
    """A month that has begun, from ``FIRST_YEAR`` on; InvalidInput naming the field."""
    if not 1 <= month <= 12:
        raise InvalidInput(_("月份须为 1–12"), field="month")
    today = timezone.localtime(now).date()
    if year < FIRST_YEAR or year > today.year:
        raise InvalidInput(
            _("年度须在 {first}–{last} 之间").format(first=FIRST_YEAR, last=today.year),
            field="year",
        )
    if (year, month) > (today.year, today.month):
        raise InvalidInput(_("该月尚未开始，不能生成通报"), field="month")


def _create(
    *, district: OrgUnit, year: int, month: int, requested_by: User | None, now: datetime
) -> Circular:
    doc_year = timezone.localtime(now).year
    # Taken before the transaction (see core.numbering): a rolled-back request skips one.
    serial = counter_next(f"circular:{district.pk}:{doc_year}")
    return Circular.objects.create(
        district=district,
        year=year,
        month=month,
        doc_year=doc_year,
        doc_serial=serial,
        doc_number=doc_number(issuer_abbr=issuer_abbr(district.name), year=doc_year, serial=serial),
        requested_by=requested_by,
        requested_at=now,
    )


def circular_create(*, actor: Actor, year: int, month: int, now: datetime) -> Circular:
    """Record a circular for the actor's district; ``tasks.circular_request`` records and
    queues it (the task module imports this one, never the other way). A role that may not
    generate gets NotFound: to it the action does not exist."""
    district = actor_district(actor)
    if not may_generate(actor.role) or district is None:
        raise NotFound(_("页面不存在"))
    check_month(year=year, month=month, now=now)
    return _create(district=district, year=year, month=month, requested_by=actor.user, now=now)


def circular_run(*, circular_id: int, now: datetime | None = None) -> Circular:
    """Generate the files of a pending circular. Runs in the site's language: the circular
    is published to others, whoever asked for it."""
    from django.conf import settings

    with translation.override(settings.LANGUAGE_CODE):
        return _run(circular_id, now)


def _run(circular_id: int, now: datetime | None) -> Circular:
    claimed = Circular.objects.filter(pk=circular_id, state=S.PENDING).update(state=S.RUNNING)
    circular = Circular.objects.select_related("district").get(pk=circular_id)
    if not claimed:
        return circular
    job = Circular.objects.filter(pk=circular_id)
    try:
        moment = now or timezone.now()
        figures = circular_figures(
            district=circular.district, year=circular.year, month=circular.month, now=moment
        )
        document = circular_document(figures, number=circular.doc_number, issued=moment)
        docx, pdf = render_docx(document), render_pdf(document)
        stem = f"{circular.doc_year}-{circular.doc_serial:03d}-{circular.pk}"
        circular.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
        circular.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    except Exception as exc:
        message = exc.message if isinstance(exc, DomainError) else _("生成通报时出错：{error}")
        if not isinstance(exc, DomainError):
            message = message.format(error=type(exc).__name__)
        logger.exception("circular %s failed", circular_id)
        job.update(state=S.FAILED, error=message[:500], generated_at=None)
        raise
    job.update(
        state=S.DONE,
        figures=figures,
        docx=circular.docx.name,
        pdf=circular.pdf.name,
        generated_at=moment,
        error="",
    )
    circular.refresh_from_db()
    return circular


def circular_generate(
    *, district: OrgUnit, year: int, month: int, now: datetime | None = None
) -> Circular:
    """A circular made at once, not queued (``huying circular``): no one requested it."""
    moment = now or timezone.now()
    check_month(year=year, month=month, now=moment)
    circular = _create(district=district, year=year, month=month, requested_by=None, now=moment)
    return circular_run(circular_id=circular.pk, now=moment)


#: A circular still pending or running this long after it was asked for lost its worker
#: (generating one takes seconds to a minute).
CIRCULAR_STALLED = timedelta(hours=2)


def circular_sweep(*, now: datetime) -> int:
    """The worker's hourly housekeeping: circulars stalled past ``CIRCULAR_STALLED`` are
    marked failed, so the list stops waiting and the month can be generated again."""
    return Circular.objects.filter(
        state__in=[S.PENDING, S.RUNNING], requested_at__lt=now - CIRCULAR_STALLED
    ).update(state=S.FAILED, error=site_text(gettext_lazy("后台任务中断，请重新生成")))
