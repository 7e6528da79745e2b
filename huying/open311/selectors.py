"""Reads for the Open311 door: who holds an api_key, the services, the requests.

Which requests a caller sees: a case reported through Open311 is public on this door (the
spec's requests are, and the client that sent it was told so); any other case only to an
api_key whose holder may see it (``cases_visible_to``). Without a key, only the public ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from pydantic import TypeAdapter, ValidationError

from huying.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Attachment,
    Case,
    CaseEvent,
    Source,
)
from huying.cases.public import with_public_progress
from huying.cases.selectors import cases_visible_to
from huying.catalogue.models import CatalogueItem
from huying.catalogue.selectors import current_items
from huying.core.api_types import Instant
from huying.core.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from huying.core.models import ApiToken
from huying.open311.mapping import STATUSES, Private, name_forms, request_dict, states_of
from huying.open311.models import Open311Request
from huying.org.actors import Actor, actor_for, in_district
from huying.org.api_auth import token_used
from huying.org.models import OrgUnit

#: The spec's defaults: a query spans at most 90 days (the last 90 when none is named) and
#: answers at most 1,000 requests, the newest first.
MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
#: Paging, a common extension of the spec (``page`` from 1, ``page_size`` up to the spec's
#: 1,000): the newest first, ties by id, so pages neither overlap nor skip while nothing new
#: is reported. ``MAX_PAGE`` keeps the offset within reason (a million rows at most deep).
DEFAULT_PAGE_SIZE = MAX_RESULTS
MAX_PAGE = 1000
_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)


def key_holder(api_key: str, *, now: datetime | None = None) -> tuple[Actor, ApiToken]:
    """The role an api_key acts under (its holder's first grant) and the key itself. A
    wrong, revoked or expired key is a 403, as the spec says."""
    try:
        token = token_used(api_key, now=now)
    except Unauthenticated as exc:
        raise PermissionDenied(exc.message, code="token_expired") from None
    if token is None:
        raise PermissionDenied(_("api_key 无效或已作废"), code="invalid_api_key")
    return actor_for(token.user), token


def jurisdiction(jurisdiction_id: str) -> OrgUnit | None:
    """The district a ``jurisdiction_id`` names (its letter code, e.g. ``JJ``, or its
    code), or None when none is named; required only where several districts share the
    server."""
    districts = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).only("code", "abbr"))
    wanted = jurisdiction_id.strip().lower()
    if not wanted:
        if len(districts) > 1:
            raise InvalidInput(
                _("本接口服务多个区，请提供 jurisdiction_id"), field="jurisdiction_id"
            )
        return None
    for district in districts:
        if wanted in {district.code.lower(), district.abbr.lower()} - {""}:
            return district
    raise NotFound(_("jurisdiction_id「%(id)s」不存在") % {"id": jurisdiction_id.strip()})


# --- services --------------------------------------------------------------------------------


def services(district_id: int | None) -> list[CatalogueItem]:
    """The district's current catalogue's items (None: the server's only district's, see
    ``jurisdiction``): a service per item, its code the item's, with their questions
    (``attribute_specs``) read in one more query."""
    return list(current_items(district_id).prefetch_related("attributes"))


def service_get(code: str, district_id: int | None) -> CatalogueItem:
    item = current_items(district_id).prefetch_related("attributes").filter(code=code).first()
    if item is None:
        raise NotFound(_("服务编码「%(code)s」不存在") % {"code": code})
    return item


# --- requests --------------------------------------------------------------------------------


def requests_visible(actor: Actor | None) -> QuerySet[Case]:
    """The public (no key): every request made through Open311. A key's holder: the cases
    in its scope and its own district's Open311 requests, never another district's."""
    public = Case.objects.filter(open311__isnull=False)
    if actor is None:
        return public
    return cases_visible_to(actor) | public.filter(in_district(actor))


@dataclass(frozen=True)
class RequestQuery:
    """``GET requests``' parameters, checked. ``numbers`` overrides the rest."""

    numbers: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    states: frozenset[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _listed(params: QueryDict, name: str) -> list[str]:
    """A parameter "declared multiple times, comma delimited", as the spec allows."""
    return [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]


def _moment(params: QueryDict, name: str) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return _INSTANT.validate_python(raw)
    except ValidationError:
        raise InvalidInput(
            _("%(name)s 须为 W3C 日期时间，如 2026-05-01T00:00:00+08:00") % {"name": name},
            field=name,
        ) from None


def _whole(params: QueryDict, name: str, *, default: int, top: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= top:
        raise InvalidInput(
            _("%(name)s 须为 1 到 %(top)d 之间的整数") % {"name": name, "top": top}, field=name
        )
    return int(raw)


def request_query(params: QueryDict, *, now: datetime) -> RequestQuery:
    """Check ``GET requests``' parameters: ids (at most 1,000), known service codes,
    ``open``/``closed``, a date range the right way round of at most 90 days, and the page."""
    page = _whole(params, "page", default=1, top=MAX_PAGE)
    page_size = _whole(params, "page_size", default=DEFAULT_PAGE_SIZE, top=MAX_RESULTS)
    numbers = _listed(params, "service_request_id")
    if numbers:
        if len(numbers) > MAX_RESULTS:
            raise InvalidInput(
                _("service_request_id 一次最多 %(n)d 个") % {"n": MAX_RESULTS},
                field="service_request_id",
            )
        return RequestQuery(numbers=tuple(dict.fromkeys(numbers)), page=page, page_size=page_size)
    codes = tuple(dict.fromkeys(_listed(params, "service_code")))
    known = set(CatalogueItem.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput(
            _("服务编码「%(code)s」不存在") % {"code": "、".join(unknown)}, field="service_code"
        )
    statuses = _listed(params, "status")
    wrong = [s for s in statuses if s not in STATUSES]
    if wrong:
        raise InvalidInput(
            _("status 只能是 open 或 closed，不能是「%(value)s」") % {"value": "、".join(wrong)},
            field="status",
        )
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    if start is not None and end is not None and start > end:
        raise InvalidInput(_("start_date 晚于 end_date"), field="start_date")
    if start is not None and end is not None and end - start > MAX_SPAN:
        raise InvalidInput(_("start_date 到 end_date 不能超过 90 天"), field="end_date")
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    return RequestQuery(
        codes=codes,
        states=frozenset(states_of(statuses)) if statuses else None,
        start=start,
        end=end,
        page=page,
        page_size=page_size,
    )


#: A case row for the door: the item, street and community names, never a polygon.
def _rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    return with_public_progress(
        cases.select_related("item", "street", "community").defer(
            "street__boundary", "community__boundary"
        )
    )


@dataclass(frozen=True)
class RequestPage:
    cases: list[Case]
    #: Whether a next page has more (the view links it in a ``Link`` header).
    has_more: bool


def requests_find(
    actor: Actor | None, query: RequestQuery, *, district: OrgUnit | None = None
) -> RequestPage:
    cases = requests_visible(actor)
    if district is not None:
        cases = cases.filter(district=district)
    if query.numbers:
        cases = cases.filter(number__in=query.numbers)
    else:
        cases = cases.filter(reported_at__gte=query.start, reported_at__lte=query.end)
        if query.codes:
            cases = cases.filter(item__code__in=query.codes)
        if query.states is not None:
            cases = cases.filter(state__in=query.states)
    start = (query.page - 1) * query.page_size
    rows = list(_rows(cases).order_by("-reported_at", "-pk")[start : start + query.page_size + 1])
    return RequestPage(cases=rows[: query.page_size], has_more=len(rows) > query.page_size)


def request_get(actor: Actor | None, number: str, *, district: OrgUnit | None = None) -> Case:
    cases = requests_visible(actor).filter(number=number)
    if district is not None:
        cases = cases.filter(district=district)
    case = _rows(cases).first()
    if case is None:
        raise NotFound(_("请求「%(id)s」不存在或无权查看") % {"id": number})
    return case


def reporter_contacts(case: Case) -> list[tuple[str, str]]:
    """For the staff's case page: the e-mail the Open311 client passed, if any (only a case
    that came through the API can have one: no query for the others)."""
    if case.source != Source.API:
        return []
    email = Open311Request.objects.filter(case=case).values_list("email", flat=True).first()
    return [(_("电子邮箱"), email)] if email else []


def report_details(case: Case) -> list[tuple[str, str]]:
    """For the case page: the answers to the service's attributes, as asked."""
    if case.source != Source.API:
        return []
    answers = Open311Request.objects.filter(case=case).values_list("attributes", flat=True).first()
    return [(a["description"], a["text"]) for a in answers or ()]


def token_get(token: str) -> Open311Request:
    row = Open311Request.objects.select_related("case").filter(token=token).first()
    if row is None:
        raise NotFound(_("令牌「%(token)s」不存在") % {"token": token})
    return row


_ENDED_ASSIGNMENTS = (AssignmentState.WITHDRAWN, AssignmentState.RETURNED)


def public_photos(case_ids: Sequence[int]) -> dict[int, Attachment]:
    """The first public photo of each case reported through Open311: an image that came with
    the report itself (the submit step's files). A case's other files (staff's progress
    notes, verification evidence, result photos) are working material and never leave here,
    nor does anything of a case not reported through this door."""
    refs = CaseEvent.objects.filter(
        case_id__in=case_ids, action="submit", case__open311__isnull=False
    ).values_list("attachments", flat=True)
    ids = {ref["id"] for row in refs for ref in row or ()}
    photos: dict[int, Attachment] = {}
    for att in Attachment.objects.filter(pk__in=ids, content_type__startswith="image/").order_by(
        "pk"
    ):
        photos.setdefault(att.case_id, att)
    return photos


def public_photo_get(token: str, attachment_id: int) -> Attachment:
    """A photo ``media_url`` named: one of ``public_photos``, by its request's token."""
    row = Open311Request.objects.filter(token=token).values_list("case_id", flat=True).first()
    photo = public_photos([row]).get(row) if row is not None else None
    if photo is None or photo.pk != attachment_id:
        raise NotFound(_("图片不存在"))
    return photo


def request_rows(
    cases: Sequence[Case], *, media_link: Callable[[str, int], str] | None = None
) -> list[dict[str, Any]]:
    """The cases as the spec's requests, public fields only, in six queries whatever their
    number: the leads, the names on the trails (to mask), the Open311 records and their
    photos. ``media_link(token, attachment_id)``: the public address of a photo; a request
    with one says it as its ``media_url``, else the link its client sent, if any."""
    ids = [c.pk for c in cases]
    leads: dict[int, Assignment] = {}
    for a in (
        Assignment.objects.filter(case_id__in=ids, role=AssignmentRole.LEAD)
        .exclude(state__in=_ENDED_ASSIGNMENTS)
        .select_related("department")
        .defer("department__boundary")
        .order_by("case_id", "-round", "-pk")
    ):
        leads.setdefault(a.case_id, a)
    names: dict[int, set[str]] = defaultdict(set)
    for case_id, first, last in (
        CaseEvent.objects.filter(case_id__in=ids, actor__isnull=False)
        .values_list("case_id", "actor__first_name", "actor__last_name")
        .distinct()
    ):
        names[case_id] |= name_forms(first, last)
    records = {
        case_id: (token, url)
        for case_id, token, url in Open311Request.objects.filter(case_id__in=ids).values_list(
            "case_id", "token", "media_url"
        )
    }
    media = {case_id: url for case_id, (_token, url) in records.items()}
    if media_link is not None:
        for case_id, photo in public_photos(list(records)).items():
            media[case_id] = media_link(records[case_id][0], photo.pk)
    return [
        request_dict(
            case,
            private=Private(
                names=frozenset(names[case.pk] | name_forms(*case.reporter_name.split())),
                phones=frozenset({case.reporter_phone} - {""}),
            ),
            action=getattr(case, "public_action", None),
            result=getattr(case, "public_result_text", None),
            lead=leads.get(case.pk),
            media_url=media.get(case.pk, ""),
        )
        for case in cases
    ]
