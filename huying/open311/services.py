"""Open311's one write: a service request becomes a case through intake, like any report.

The case is reported by the api_key's holder (their role must be one that may report), from
the API channel, with the service as the reporter's guess at the item (triage confirms it);
the person's name and phone go where every case keeps its reporter's, private, and the
e-mail beside it. From there it is triaged, dispatched and closed like any other case.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from huying.cases.models import Source
from huying.cases.services import case_submit, files_kept_only_on_success
from huying.cases.services.intake import title_from
from huying.core.errors import InvalidInput
from huying.core.models import ApiToken
from huying.open311.models import Open311Request
from huying.open311.selectors import service_get
from huying.org.actors import Actor
from huying.org.services import PHONE_PATTERN

#: The spec's limit on a description.
MAX_DESCRIPTION = 4000
#: A case's title is the description's first line, cut to this many characters.
TITLE_LENGTH = 30
_CJK = re.compile(r"[\u3400-\u9fff]")
_URL = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Report:
    """A ``POST requests`` body, checked."""

    service_code: str
    lat: float | None = None
    lng: float | None = None
    address: str = ""
    description: str = ""
    media_url: str = ""
    email: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""


def _text(params: QueryDict, name: str, limit: int) -> str:
    value = params.get(name, "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("%(name)s 不能超过 %(limit)d 字") % {"name": name, "limit": limit}, field=name
        )
    return value


def _coordinate(params: QueryDict, name: str, bound: float) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise InvalidInput(
            _("%(name)s 须为 -%(bound)d 到 %(bound)d 之间的 WGS-84 度数")
            % {"name": name, "bound": bound},
            field=name,
        )
    return value


def full_name(first: str, last: str) -> str:
    """A Chinese name is written family name first with no space; others first name first."""
    if _CJK.search(first + last):
        return last + first
    return " ".join(p for p in (first, last) if p)


def report_from(params: QueryDict) -> Report:
    """Check a ``POST requests`` body: a service, a place (lat/long or address_string), and
    what the person left, each within the case's limits. ``attribute[…]`` is refused: every
    attribute of a Huying service is information (``variable: false``), nothing to answer."""
    service_code = params.get("service_code", "").strip()
    if not service_code:
        raise InvalidInput(_("请提供 service_code"), field="service_code")
    answered = sorted(k for k in params if k.startswith("attribute["))
    if answered:
        raise InvalidInput(
            _("服务没有需要填写的属性，不能提交 %(names)s") % {"names": "、".join(answered)},
            field=answered[0],
        )
    lat, lng = _coordinate(params, "lat", 90), _coordinate(params, "long", 180)
    if (lat is None) != (lng is None):
        raise InvalidInput(_("lat 和 long 须同时提供"), field="lat")
    address = _text(params, "address_string", 200)
    if lat is None and not address:
        if params.get("address_id", "").strip():
            raise InvalidInput(
                _("不支持 address_id，请提供 lat/long 或 address_string"), field="address_id"
            )
        raise InvalidInput(_("请提供位置：lat 和 long，或 address_string"), field="lat")
    media_url = _text(params, "media_url", 500)
    if media_url:
        try:
            _URL(media_url)
        except ValidationError:
            raise InvalidInput(_("media_url 须为 http 或 https 网址"), field="media_url") from None
    email = _text(params, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("email 格式不正确"), field="email") from None
    phone = _text(params, "phone", 32)
    if phone and not PHONE_PATTERN.match(phone):
        raise InvalidInput(_("phone 格式不正确"), field="phone")
    name = full_name(_text(params, "first_name", 50), _text(params, "last_name", 50))
    if len(name) > 50:
        raise InvalidInput(_("姓名不能超过 50 字"), field="first_name")
    return Report(
        service_code=service_code,
        lat=lat,
        lng=lng,
        address=address,
        description=_text(params, "description", MAX_DESCRIPTION),
        media_url=media_url,
        email=email,
        reporter_name=name,
        reporter_phone=phone,
    )


def request_submit(
    *, actor: Actor, api_token: ApiToken, report: Report, now: datetime | None = None
) -> Open311Request:
    """The case and its Open311 record, both or neither. The media URL is written into the
    description too, so the staff who handle the case see it where they read the report."""
    now = now or timezone.now()
    item = service_get(report.service_code)
    description = report.description
    if report.media_url:
        with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language
            line = _("图片链接：%(url)s") % {"url": report.media_url}
        description = f"{description}\n{line}" if description else line
    with files_kept_only_on_success(), transaction.atomic():
        case = case_submit(
            actor=actor,
            title=title_from(report.description, limit=TITLE_LENGTH, fallback=item.name),
            description=description,
            source=Source.API,
            lat=report.lat,
            lng=report.lng,
            address=report.address,
            reporter_name=report.reporter_name,
            reporter_phone=report.reporter_phone,
            item_id=item.pk,
            now=now,
        )
        return Open311Request.objects.create(
            case=case,
            api_token=api_token,
            email=report.email,
            media_url=report.media_url,
            created_at=now,
        )
