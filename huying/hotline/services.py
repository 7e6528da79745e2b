"""工单导入 as the hub does it on its page: the platforms' saved column mappings (来源), and
each uploaded file as an import job (``HotlineImport``) — checked when uploaded, imported by
the worker once confirmed.

The job keeps the file in storage until the worker has read it, and the grant it was asked
under: the worker imports as that role, so a grant revoked meanwhile imports nothing. Progress
is written every ``importing.PROGRESS_EVERY`` rows in autocommit, so the polling page sees it
while the job runs; each row commits on its own, as in ``importing.run_import``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.core.changelog import change_record, diff, snapshot
from huying.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from huying.core.i18n import site_text
from huying.hotline import importing
from huying.hotline.models import HotlineImport, HotlineSource, HotlineTicket, ImportState
from huying.org.actors import Actor, actor_for, under
from huying.org.roles import HUB_ROLES

logger = logging.getLogger("huying.hotline")

#: The largest file the page takes: a 5,000-row export is about 2 MB as CSV, 1 MB as XLSX.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: A job still pending or running this long after it was confirmed lost its worker.
IMPORT_STALLED = timedelta(hours=2)
#: How long a checked file waits for its confirmation.
UNCONFIRMED_KEPT = timedelta(days=1)


def check_may_import(actor: Actor) -> None:
    """工单导入 is the hub's (呼应办): 12345 tickets come in at district level."""
    if actor.role not in HUB_ROLES:
        raise PermissionDenied(_("只有呼应办可以导入 12345 工单"))


# --- sources and their mappings ------------------------------------------------------------


def mapping_of(source: HotlineSource | None) -> dict[str, str]:
    """The mapping an import with ``source`` reads by: its own, else the common export's."""
    if source is not None and source.mapping:
        return dict(source.mapping)
    return dict(importing.DEFAULT_MAPPING)


SOURCE_FIELDS = ("name", "code", "notes", "mapping")


def hotline_source_create(
    *, actor: Actor, name: str, code: str, notes: str = "", now: datetime | None = None
) -> HotlineSource:
    """A new platform, reading the common export's headers until its mapping is saved."""
    check_may_import(actor)
    name, code = name.strip(), code.strip()
    if not name:
        raise InvalidInput(_("请填写名称"), field="name")
    if not code:
        raise InvalidInput(_("请填写编码"), field="code")
    if HotlineSource.objects.filter(name=name).exists():
        raise InvalidInput(_("已有同名的来源"), field="name")
    if HotlineSource.objects.filter(code=code).exists():
        raise InvalidInput(_("已有同编码的来源"), field="code")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            source = HotlineSource.objects.create(
                name=name, code=code, notes=notes.strip(), mapping=dict(importing.DEFAULT_MAPPING)
            )
            change_record(
                actor=actor,
                action="hotline.source.create",
                obj=source,
                now=now,
                after=snapshot(source, SOURCE_FIELDS),
            )
    except IntegrityError:
        raise InvalidInput(_("已有同名或同编码的来源")) from None
    return source


def hotline_source_map(
    *,
    actor: Actor,
    source_id: int,
    mapping: Mapping[str, str],
    now: datetime | None = None,
) -> HotlineSource:
    """Save a source's column mapping (header → field), checked by ``importing.check_mapping``:
    the required fields mapped, no field mapped twice."""
    check_may_import(actor)
    kept = importing.check_mapping(mapping)
    now = now or timezone.now()
    with transaction.atomic():
        source = HotlineSource.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            raise NotFound(_("来源不存在"))
        before = snapshot(source, ["mapping"])
        source.mapping = kept
        source.save(update_fields=["mapping", "updated_at"])
        old, new = diff(before, snapshot(source, ["mapping"]))
        if new:
            change_record(
                actor=actor,
                action="hotline.source.update",
                obj=source,
                now=now,
                before=old,
                after=new,
            )
    return source


# --- import jobs ---------------------------------------------------------------------------


def hotline_import_check(
    *,
    actor: Actor,
    data: bytes,
    file_name: str,
    source: HotlineSource | None,
    now: datetime | None = None,
) -> tuple[HotlineImport, importing.Plan]:
    """Step 1 (试导入): read and plan the file, nothing imported. A file that cannot be read
    (type, size, encoding, headers) is refused (422) and nothing is kept; one that can is
    stored with the plan's counts, waiting for its confirmation."""
    check_may_import(actor)
    if actor.grant_id is None:
        raise PermissionDenied(_("导入需要以具体角色登录"))
    check_upload(file_name=file_name, size=len(data))
    mapping = mapping_of(source)
    rows = importing.read_rows(data, file_name, mapping)
    if not rows:
        raise InvalidInput(_("文件中没有工单"), field="file")
    plan = importing.plan_import(rows, mapping)
    now = now or timezone.now()
    record = HotlineImport(
        requested_by=actor.user,
        grant_id=actor.grant_id,
        source=source,
        mapping=mapping,
        file_name=file_name[-200:],
        counts=plan.counts(),
        total=len(rows),
        created_at=now,
    )
    suffix = ".xlsx" if file_name.lower().endswith(".xlsx") else ".csv"
    record.file.save(f"{secrets.token_urlsafe(12)}{suffix}", ContentFile(data), save=False)
    record.save()
    return record, plan


def check_upload(*, file_name: str, size: int) -> None:
    """Refused before the file is read: a type the platforms do not export, or too big."""
    importing.check_file_name(file_name)
    if size > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("文件不能超过 %(mb)d MB，请分成几个文件导入")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            field="file",
        )


def imports_visible_to(actor: Actor) -> QuerySet[HotlineImport]:
    """The imports of the actor's district, whoever in its hub made them (the district's
    tickets are the hub's); a city role's, every district's."""
    return HotlineImport.objects.filter(under("grant__unit__path", actor.reach))


def import_get(actor: Actor, import_id: int) -> HotlineImport:
    """An import of the hub's district; another district's is absent."""
    check_may_import(actor)
    record = (
        imports_visible_to(actor)
        .select_related("source", "requested_by")
        .filter(pk=import_id)
        .first()
    )
    if record is None:
        raise NotFound(_("导入记录不存在"))
    return record


def import_plan(record: HotlineImport) -> importing.Plan:
    """The stored file planned again against the tickets as they are now."""
    if not record.file:
        raise NotFound(_("导入文件已不在，请重新上传"))
    with record.file.open("rb") as f:
        data = f.read()
    return importing.plan_import(
        importing.read_rows(data, record.file_name, record.mapping), record.mapping
    )


def hotline_import_confirm(
    *, actor: Actor, import_id: int, now: datetime | None = None
) -> HotlineImport:
    """Step 2: queue the checked file for the worker (``tasks.hotline_import_start`` also
    enqueues it). Only its uploader confirms, once (compare-and-set)."""
    record = import_get(actor, import_id)
    if record.requested_by_id != actor.user.pk:
        raise PermissionDenied(_("只有上传文件的人可以确认导入"))
    moved = HotlineImport.objects.filter(pk=record.pk, state=ImportState.CHECKED).update(
        state=ImportState.PENDING, done=0, confirmed_at=now or timezone.now()
    )
    if not moved:
        raise InvalidInput(_("此文件已确认导入，请勿重复提交"))
    record.refresh_from_db()
    return record


def hotline_import_run(*, import_id: int) -> HotlineImport:
    """The worker's part: import the stored file as the grant that confirmed it, writing the
    progress as it goes, then the counts, the error report and the cases created. Claimed by
    compare-and-set: a job queued twice runs once. The upload is deleted once read: it holds
    callers' phone numbers, and the tickets keep every row."""
    claimed = HotlineImport.objects.filter(pk=import_id, state=ImportState.PENDING).update(
        state=ImportState.RUNNING
    )
    record = HotlineImport.objects.select_related("requested_by").get(pk=import_id)
    if not claimed:
        return record
    job = HotlineImport.objects.filter(pk=import_id)
    try:
        actor = actor_for(record.requested_by, record.grant_id)
        check_may_import(actor)
        plan = import_plan(record)
        job.update(total=len(plan.rows))
        importing.run_import(plan, actor=actor, on_progress=lambda done: job.update(done=done))
    except Exception as exc:
        message = exc.message if isinstance(exc, DomainError) else _("导入时出错，请稍后重试")
        logger.exception("hotline import %s failed", import_id)
        job.update(state=ImportState.FAILED, error=message[:500], finished_at=timezone.now())
        raise
    created = [r.number for r in plan.rows if r.action == importing.CREATE]
    case_ids = sorted(
        HotlineTicket.objects.filter(number__in=created).values_list("case_id", flat=True)
    )
    if any(r.errors for r in plan.rows):
        name = f"{secrets.token_urlsafe(12)}.xlsx"
        record.report.save(name, ContentFile(importing.error_report(plan)), save=False)
    if record.file:
        record.file.delete(save=False)
    job.update(
        state=ImportState.DONE,
        counts=plan.counts(),
        done=len(plan.rows),
        created_cases=case_ids,
        report=record.report.name or "",
        file="",
        finished_at=timezone.now(),
    )
    record.refresh_from_db()
    return record


def error_report_of(record: HotlineImport) -> bytes | None:
    """The bad rows as an XLSX: the import's own once it ran, else the check's (planned again
    from the stored file). None when there are none."""
    if record.state == ImportState.DONE:
        if not record.report:
            return None
        with record.report.open("rb") as f:
            return f.read()
    plan = import_plan(record)
    if not any(r.errors for r in plan.rows):
        return None
    return importing.error_report(plan)


@dataclass(frozen=True)
class ImportSweep:
    stalled: int
    abandoned: int


def hotline_import_sweep(*, now: datetime) -> ImportSweep:
    """The worker's hourly housekeeping: a confirmed job whose worker was lost is marked
    failed, so its page stops waiting and says to import again (re-importing creates nothing
    twice); a file checked but never confirmed goes, file and row, after ``UNCONFIRMED_KEPT``
    (it holds callers' phone numbers)."""
    stalled = HotlineImport.objects.filter(
        state__in=[ImportState.PENDING, ImportState.RUNNING],
        confirmed_at__lt=now - IMPORT_STALLED,
    ).update(
        state=ImportState.FAILED,
        error=site_text(gettext_lazy("后台任务中断，请重新导入")),
        finished_at=now,
    )
    abandoned = 0
    old = HotlineImport.objects.filter(
        state=ImportState.CHECKED, created_at__lt=now - UNCONFIRMED_KEPT
    )
    for record in old.iterator():
        if record.file:
            record.file.delete(save=False)
        record.delete()
        abandoned += 1
    return ImportSweep(stalled=stalled, abandoned=abandoned)


def preview_rows(plan: importing.Plan, limit: int = 50) -> list[importing.PlannedRow]:
    """The rows the preview table lists: the first ``limit``, bad ones first."""
    bad = [r for r in plan.rows if r.errors]
    good = [r for r in plan.rows if not r.errors]
    return (bad + good)[:limit]
