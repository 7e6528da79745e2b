"""问题收集 intake: capture a problem once, in the grid its point falls in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases import rules
from huying.cases.models import (
    Case,
    CaseState,
    Source,
)
from huying.cases.services.engine import (
    append_event,
    case_step,
    catalogue_item,
    check_files,
    files_kept_only_on_success,
    now_or,
    run,
    store_files,
    tell,
    tell_street,
    who_of,
)
from huying.core.errors import Conflict, InvalidInput, PermissionDenied
from huying.core.files import CheckedFile
from huying.core.numbering import counter_block, counter_next, counter_next_and_id
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role
from huying.org.selectors import ancestors, grid_at, user_ids_with_roles

K = OrgUnit.Kind
S = CaseState


#: Source channel when the reporter does not name one.
DEFAULT_SOURCE = {
    Role.RESIDENT: Source.RESIDENT,
    Role.GRID_INFORMANT: Source.INFORMANT,
    Role.STREET_CHIEF: Source.STREET_CHIEF,
    Role.GRID_CENTRE: Source.INSPECTION,
    Role.GRID_WORKER: Source.GRID_PATROL,
    Role.GRID_LEADER: Source.GRID_PATROL,
    Role.COMMUNITY_STAFF: Source.GRID_PATROL,
    Role.STREET_CALLER: Source.INSPECTION,
    Role.STREET_LEADER: Source.INSPECTION,
    Role.HUB_DISPATCHER: Source.HOTLINE,
    Role.HUB_SUPERVISOR: Source.INSPECTION,
    Role.DISTRICT_LEADER: Source.LEADER,
    Role.ADMIN: Source.API,
}

#: Reporters for a grid (网格信息员, 街长): their reports go first to the grid worker.
LADDER_REPORTERS = frozenset({Role.GRID_INFORMANT, Role.STREET_CHIEF})


def grid_workers_of(case: Case) -> list[int]:
    """The grid workers a ladder report waits with: the case's grid's, if it has any."""
    return user_ids_with_roles([case.grid_id], [Role.GRID_WORKER]) if case.grid_id else []


def _territory(
    *, actor: Actor, lat: float | None, lng: float | None, unit_id: int | None
) -> OrgUnit:
    """Where a report goes: the grid of its point, else the unit named, else the actor's
    own territory. A resident's report goes wherever its point is; staff report only
    within their district (a city role: any district's place, named)."""
    staff = not actor.is_reporter
    if lat is not None and lng is not None:
        grid = grid_at(lat, lng)
        if grid is not None:
            if staff and not actor.reaches(grid.path):
                raise InvalidInput(_("该位置不在本区范围内"), field="lat")
            return grid
    if unit_id is not None:
        unit = OrgUnit.objects.filter(
            pk=unit_id, kind__in=[K.DISTRICT, K.STREET, K.COMMUNITY, K.GRID]
        ).first()
        if unit is None:
            raise InvalidInput(_("所属网格/社区不存在"), field="unit_id")
        if staff and not actor.reaches(unit.path):
            raise InvalidInput(_("所属网格/社区不在本区范围内"), field="unit_id")
        return unit
    if actor.unit.kind in {K.DISTRICT, K.STREET, K.COMMUNITY, K.GRID}:
        return actor.unit
    root = ancestors(actor.unit)[0]
    if root.kind != K.DISTRICT:
        # A city role has no territory of its own: the report must say which district's.
        raise InvalidInput(_("请填写事发位置或所属网格/社区"), field="unit_id")
    return root


def validate_report(title: str, lat: float | None, lng: float | None) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("请填写问题标题"), field="title")
    if len(title) > 200:
        raise InvalidInput(_("标题不能超过 200 字"), field="title")
    if (lat is None) != (lng is None):
        raise InvalidInput(_("经纬度须同时提供"), field="lat")
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput(_("经纬度超出范围"), field="lat")
    return title


def title_from(text: str, *, limit: int, fallback: str = "") -> str:
    """A case title for a report that came with only its text (a hotline ticket, an Open311
    request): the first line, cut to ``limit`` characters with an ellipsis; ``fallback`` for
    no text."""
    stripped = (text or "").strip()
    first = stripped.splitlines()[0].strip() if stripped else ""
    if not first:
        return fallback
    return first if len(first) <= limit else first[: limit - 1] + "…"


def allocate_case_number(district: OrgUnit, now: datetime) -> str:
    day = timezone.localtime(now).strftime("%Y%m%d")
    prefix = district.abbr or district.code
    return f"{prefix}-{day}-{counter_next(f'case:{prefix}:{day}'):05d}"


def allocate_case_number_and_id(district: OrgUnit, now: datetime) -> tuple[str, int | None]:
    """A case number and, on PostgreSQL, the new case's id, in one statement: the case row
    is then written once, with its sealed trail head (``append_event``)."""
    day = timezone.localtime(now).strftime("%Y%m%d")
    prefix = district.abbr or district.code
    serial, case_id = counter_next_and_id(f"case:{prefix}:{day}", Case)
    return f"{prefix}-{day}-{serial:05d}", case_id


def allocate_case_numbers(district: OrgUnit, now: datetime, count: int) -> Iterator[str]:
    """``count`` case numbers of the day taken at once (one statement on the counter, done
    before this returns), handed out lazily: a bulk import of a million tickets holds no
    list of them."""
    day = timezone.localtime(now).strftime("%Y%m%d")
    prefix = district.abbr or district.code
    first = counter_block(f"case:{prefix}:{day}", count)

    def numbers() -> Iterator[str]:
        for serial in range(first, first + count):
            yield f"{prefix}-{day}-{serial:05d}"

    return numbers()


def intake_place(actor: Actor) -> tuple[OrgUnit, dict[str, OrgUnit]]:
    """Where a report with no point and no unit is put (the actor's own territory, else its
    district) and that place's chain of units by kind, as ``case_submit`` places it."""
    if actor.role not in rules.INTAKE_ROLES:
        raise PermissionDenied(_("当前角色不能上报问题"))
    place = _territory(actor=actor, lat=None, lng=None, unit_id=None)
    return place, {u.kind: u for u in ancestors(place)}


def new_case(
    *,
    actor: Actor,
    number: str,
    place: OrgUnit,
    chain: dict[str, OrgUnit],
    fields: dict[str, Any],
    now: datetime,
) -> Case:
    """The case row intake writes, not saved (a bulk import writes many at once)."""
    return Case(
        number=number,
        reporter_id=actor.user.pk if actor.is_reporter else None,
        **fields,
        district=chain[K.DISTRICT],
        street=chain.get(K.STREET),
        community=chain.get(K.COMMUNITY),
        grid=chain.get(K.GRID),
        territory_path=place.path,
        state=S.SUBMITTED,
        version=0,
        reported_at=now,
        updated_at=now,
    )


def submit_after(case: Case, place: OrgUnit) -> dict[str, Any]:
    """What the first event (``submit``) says the report was."""
    return {
        "number": case.number,
        "title": case.title,
        "source": case.source,
        "territory": place.pk,
    }


def case_submit(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    source: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    unit_id: int | None = None,
    item_id: int | None = None,
    submission_key: str = "",
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Case:
    """问题收集: capture a problem once, in the grid its point falls in.

    ``item_id`` is the reporter's guess at the catalogue item (triage confirms or changes
    it). ``submission_key`` makes a resend harmless: a key already used by this person
    returns their case instead of making a second one.
    """
    now = now_or(now)
    if actor.role not in rules.INTAKE_ROLES:
        raise PermissionDenied(_("当前角色不能上报问题"))
    title = validate_report(title, lat, lng)
    if source is not None and source not in Source.values:
        raise InvalidInput(_("来源渠道无效"), field="source")
    submission_key = submission_key.strip()
    if len(submission_key) > 64:
        raise InvalidInput(_("提交标识过长"), field="submission_key")
    if submission_key and (earlier := resent(actor, submission_key)) is not None:
        return earlier
    checked = check_files(files)
    place = _territory(actor=actor, lat=lat, lng=lng, unit_id=unit_id)
    chain = {u.kind: u for u in ancestors(place)}
    item = catalogue_item(item_id, chain[K.DISTRICT].pk) if item_id is not None else None
    # Outside the transaction, on purpose: see ``huying.core.numbering``.
    number, case_id = allocate_case_number_and_id(chain[K.DISTRICT], now)
    user_name = actor.user.get_full_name() if actor.is_reporter else ""
    try:
        return _record(
            actor=actor,
            case_id=case_id,
            number=number,
            place=place,
            chain=chain,
            fields={
                "source": source or DEFAULT_SOURCE.get(Role(actor.role), Source.API),
                "title": title,
                "description": description.strip(),
                "reporter_name": reporter_name or user_name,
                "reporter_phone": reporter_phone,
                "lat": lat,
                "lng": lng,
                "address": address.strip(),
                "item": item,
                "submission_key": submission_key,
            },
            checked=checked,
            now=now,
        )
    except IntegrityError:
        # A resend raced the first send past the check above: the first one's case stands.
        earlier = resent(actor, submission_key) if submission_key else None
        if earlier is None:
            raise
        return earlier


def resent(actor: Actor, key: str) -> Case | None:
    """The case this person already sent under ``key``; a key someone else used is refused
    without saying whose it is."""
    case = Case.objects.filter(submission_key=key).select_related("item", "street").first()
    if case is None:
        return None
    first = case.events.order_by("seq").values_list("actor_id", flat=True).first()
    if first != actor.user.pk:
        raise Conflict(_("提交标识已被使用"), field="submission_key")
    return case


def _record(
    *,
    actor: Actor,
    case_id: int | None,
    number: str,
    place: OrgUnit,
    chain: dict[str, OrgUnit],
    fields: dict[str, Any],
    checked: list[CheckedFile],
    now: datetime,
) -> Case:
    title = fields["title"]
    with files_kept_only_on_success(), transaction.atomic():
        case = new_case(
            actor=actor, number=number, place=place, chain=chain, fields=fields, now=now
        )
        workers = grid_workers_of(case) if actor.role in LADDER_REPORTERS else []
        if workers:
            case.state = S.AT_GRID
        if case_id is None:
            case.save(force_insert=True)  # SQLite: the id comes with the INSERT
        else:
            # PostgreSQL: the row is written with its first event (``append_event``); the
            # attachments' key to it is checked at commit.
            case.pk = case_id
        refs = store_files(case, checked, actor, now)
        append_event(
            case,
            who=who_of(actor),
            action="submit",
            now=now,
            case_fields={},
            target=case.state,
            after=submit_after(case, place),
            attachments=refs,
        )
        if workers:
            message = format_lazy(gettext_lazy("信息员/街长上报，待网格处理：{title}"), title=title)
            tell([case.grid_id], [Role.GRID_WORKER], case, "submitted", message, now)  # type: ignore[list-item]
        else:
            message = format_lazy(gettext_lazy("新问题待研判：{title}"), title=title)
            tell_street(case, "submitted", message, now)
    return case


def case_attach(
    *,
    actor: Actor,
    case_id: int,
    files: Sequence[UploadedFile],
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """补充材料: photos or documents added to an open case, recorded in its trail."""
    now = now_or(now)
    if not files:
        raise InvalidInput(_("请选择要上传的文件"), field="files")
    checked = check_files(files)

    def body(case: Case) -> Case:
        case_step(case, actor, "attach", now=now, reason=note, files=checked)
        return case

    return run(actor, case_id, expected_version, body)
