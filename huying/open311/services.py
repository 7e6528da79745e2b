"""Open311's one write: a service request becomes a case through intake, like any report.

The case is reported by the api_key's holder (their role must be one that may report), from
the API channel, with the service as the reporter's guess at the item (triage confirms it);
the person's name and phone go where every case keeps its reporter's, private, and the
e-mail beside it. From there it is triaged, dispatched and closed like any other case.

The answers to the service's attributes (``attribute[code]``) are checked against the
item's questions and kept beside the case. A photo comes two ways: ``media``, a file in a
multipart body, becomes the case's attachment through intake's own checks (type, size, a
sound image, re-encoded); ``media_url`` is kept as the client's link and never fetched: the
government network is closed, and a server that fetches what a caller names can be made to
reach into the network behind it (SSRF).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from huying.cases.models import Source
from huying.cases.services import case_submit, files_kept_only_on_success
from huying.cases.services.intake import title_from
from huying.catalogue.attributes import AttributeSpec, answer_checked, answer_text
from huying.catalogue.selectors import attribute_specs
from huying.core.errors import InvalidInput
from huying.core.files import IMAGE_FORMATS, sniff
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
#: ``attribute[code]``, or ``attribute[code][]`` for a list's several values.
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]*)\](\[\])?")


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
    #: ``(code, values)`` for each ``attribute[code]`` sent, checked against the service's
    #: questions by ``request_submit`` (which knows the service).
    answers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    media: UploadedFile | None = field(default=None, compare=False)


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


def _answers(params: QueryDict) -> tuple[tuple[str, tuple[str, ...]], ...]:
    answers: dict[str, list[str]] = {}
    for key in params:
        if not key.startswith("attribute["):
            continue
        match = _ATTRIBUTE.fullmatch(key)
        if match is None or not match.group(1):
            raise InvalidInput(
                _("参数「%(name)s」应写作 attribute[编码]") % {"name": key[:80]}, field=key[:80]
            )
        answers.setdefault(match.group(1), []).extend(params.getlist(key))
    return tuple((code, tuple(values)) for code, values in sorted(answers.items()))


def _media(files: Any) -> UploadedFile | None:
    """The one ``media`` file, if it is an image by its first bytes (the rest of intake's
    checks, size among them, follow in ``case_submit``)."""
    uploads = files.getlist("media") if files is not None else []
    if not uploads:
        return None
    if len(uploads) > 1:
        raise InvalidInput(_("media 只能有一个文件"), field="media")
    upload: UploadedFile = uploads[0]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if sniff(head) not in IMAGE_FORMATS:
        raise InvalidInput(
            _("media 须为图片（%(types)s）") % {"types": "、".join(sorted(IMAGE_FORMATS))},
            field="media",
        )
    return upload


def report_from(params: QueryDict, files: Any = None) -> Report:
    """Check a ``POST requests`` body: a service, a place (lat/long or address_string), and
    what the person left, each within the case's limits; ``files``: the multipart body's
    files, where ``media`` may be one image."""
    service_code = params.get("service_code", "").strip()
    if not service_code:
        raise InvalidInput(_("请提供 service_code"), field="service_code")
    answers = _answers(params)
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
        answers=answers,
        media=_media(files),
    )


def answers_checked(
    specs: list[AttributeSpec], answers: tuple[tuple[str, tuple[str, ...]], ...]
) -> list[dict[str, Any]]:
    """The answers as kept, in the questions' order: each question's answer checked (the
    required ones present, of their type, among their values), and nothing answered that
    the service does not ask."""
    asked = {s.code for s in specs}
    unknown = [code for code, _values in answers if code not in asked]
    if unknown:
        raise InvalidInput(
            _("服务没有填报项 %(names)s")
            % {"names": "、".join(f"attribute[{c}]" for c in unknown)},
            field=f"attribute[{unknown[0]}]",
        )
    sent = dict(answers)
    kept = []
    for spec in specs:
        value = answer_checked(spec, sent.get(spec.code, ()))
        if value is not None:
            kept.append(
                {
                    "code": spec.code,
                    "description": spec.description,
                    "value": value,
                    "text": answer_text(spec, value),
                }
            )
    return kept


def request_submit(
    *, actor: Actor, api_token: ApiToken, report: Report, now: datetime | None = None
) -> Open311Request:
    """The case and its Open311 record, both or neither. The media URL is written into the
    description too, so the staff who handle the case see it where they read the report."""
    now = now or timezone.now()
    item = service_get(report.service_code, actor.district_id)
    answers = answers_checked(attribute_specs(item), report.answers)
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
            files=[report.media] if report.media is not None else [],
            now=now,
        )
        return Open311Request.objects.create(
            case=case,
            api_token=api_token,
            email=report.email,
            media_url=report.media_url,
            attributes=answers,
            created_at=now,
        )
