"""The triage suggestion over HTTP, for the pages and for outside systems (a 12345 platform,
an Open311 client): items, level and departments for a report's text, scoped like the rest."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router

from huying.cases import duplicates
from huying.cases.api import DuplicateOut, SuggestedOut
from huying.cases.models import Source
from huying.cases.suggestion import as_data
from huying.catalogue.selectors import current_items
from huying.core.api_types import ERRORS, FilledText, In, Latitude, Longitude, Text
from huying.core.errors import InvalidInput
from huying.org.api_auth import acting
from huying.triage.suggest import suggest

router = Router(tags=["研判建议 triage"])


class SuggestIn(In):
    title: FilledText = Field(max_length=200)
    description: Text = Field("", max_length=5000)
    source: Source | None = Field(None, description="来源渠道 / the report's channel")
    lat: Latitude | None = Field(None, description="WGS-84; with lng, for duplicates")
    lng: Longitude | None = Field(None, description="WGS-84")


class SuggestionOut(SuggestedOut):
    duplicates: list[DuplicateOut] = Field(
        description="疑似重复 at intake: earlier open cases near the point (lat/lng) that read "
        "alike, in the caller's scope; staff only (always empty for a resident or without a point)"
    )


@router.post(
    "/triage/suggest",
    response={200: SuggestionOut, **ERRORS},
    url_name="triage_suggest",
    summary="研判建议：按反映内容推荐事项、等级和部门",
)
def triage_suggest(request: HttpRequest, body: SuggestIn) -> Any:
    actor = acting(request)
    if not body.title.strip():
        raise InvalidInput(_("请填写问题标题"), field="title")
    if (body.lat is None) != (body.lng is None):
        raise InvalidInput(_("经纬度须同时提供"), field="lat")
    items = list(current_items(actor.district_id))
    result = suggest(body.title, body.description, items=items)
    alike: list[duplicates.Duplicate] = []
    if body.lat is not None and body.lng is not None and duplicates.may_see_duplicates(actor):
        report = duplicates.report_at(
            title=body.title,
            description=body.description,
            lat=body.lat,
            lng=body.lng,
            now=timezone.now(),
        )
        alike = duplicates.find_duplicates(actor, report)
    return {**as_data(result), "duplicates": alike}
