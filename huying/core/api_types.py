"""Types shared by the API's inputs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

#: The largest id either database stores (a signed 64-bit integer): anything above is not a
#: row, and must be a 422, not an overflow inside the database driver.
MAX_ID = 2**63 - 1

#: A row id in a path, a query string or a body.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


#: A WGS-84 coordinate in a JSON body: a number. pydantic's lax mode also reads ``true`` as
#: 1.0 and ``"104.06"`` as a number: a report placed at latitude 1 because a client sent a
#: boolean is worse than a 422.
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]


#: ISO 8601 as people and programs write it: a calendar date, optionally a time of day with
#: seconds, fractions and an offset. pydantic alone also takes ``0``, ``20260101`` (seconds
#: since 1970, read as 1970-08-23) and ``2026-01-01T00:00`` as a date: a wrong filter that
#: answers 200 is worse than a 422.
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)?)?"
)


def _iso(pattern: re.Pattern[str], shape: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not pattern.fullmatch(value):
            raise ValueError(f"expected {shape}")
        if isinstance(value, int | float):
            raise ValueError(f"expected {shape}, not a number")
        return value

    return BeforeValidator(check)


#: A calendar day in a query string or a body: ``YYYY-MM-DD`` only.
Day = Annotated[date, _iso(_ISO_DAY, "YYYY-MM-DD")]


def _as_utc(value: datetime) -> datetime:
    """One instant, in UTC. ISO 8601 allows offsets up to ±23:59 but PostgreSQL refuses
    those beyond ±15:59 (a 500 when passed on as they came); a time without an offset is the
    district's local time."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("datetime out of range") from None


#: A moment in a query string or a body: ISO 8601 (``YYYY-MM-DD`` is its midnight).
Instant = Annotated[datetime, _iso(_ISO_INSTANT, "ISO 8601 date-time"), AfterValidator(_as_utc)]


#: Text Huying stores (:mod:`huying.core.input_text`) holds no NUL. (Nor a lone surrogate, but
#: JSON Schema regular expressions cannot say so alike in every engine: ECMA 262 counts UTF-16
#: units, where every character beyond the BMP is a pair of surrogates.)
TEXT_PATTERN = r"^[^\u0000]*$"
#: ...and text that must say something holds a character a reader sees, not only spaces and
#: control characters (which the door drops).
FILLED_PATTERN = r"^[^\u0000]*[^\s\u0000-\u001f\u007f\u0085][^\u0000]*$"


class _Documented:
    """A rule the input door (:class:`huying.core.middleware.InputTextMiddleware`) or the
    domain already keeps, said in the schema so that a client sees it before sending: the
    door's Chinese message stays the one people read."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(core_schema), **self.keywords}


#: Text as stored: control characters are dropped at the door, NUL is refused.
Text = Annotated[str, _Documented(pattern=TEXT_PATTERN)]

#: Text that must say something: at least one character a reader sees, once the door has
#: dropped control characters and the domain has trimmed spaces.
FilledText = Annotated[str, _Documented(pattern=FILLED_PATTERN)]

#: The schema of a field an input does not name. Ignored, but it passed the input door like
#: the rest of the body: its text holds no NUL.
IGNORED = "Ignored"
IGNORED_SCHEMA: dict[str, Any] = {
    "description": "未定义的字段被忽略 / ignored; like all input, its text holds no NUL",
    "anyOf": [
        {"type": "string", "pattern": TEXT_PATTERN},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
        {"type": "array", "items": {"$ref": f"#/components/schemas/{IGNORED}"}},
        {
            "type": "object",
            "propertyNames": {"pattern": TEXT_PATTERN},
            "additionalProperties": {"$ref": f"#/components/schemas/{IGNORED}"},
        },
    ],
}


#: Marks the schema of an :class:`In` for :class:`huying.api.HuyingAPI`, which says there what
#: unnamed fields may hold (pydantic cannot refer to a component it did not make).
EXTRA_MARK = "x-huying-ignores-extra"


def extra_fields(schema: dict[str, Any], *, ignored: bool = False) -> None:
    """What an input says of the fields it does not name, in place of :data:`EXTRA_MARK`
    (or wherever ``ignored``)."""
    if schema.pop(EXTRA_MARK, False) or ignored:
        schema["propertyNames"] = {"pattern": TEXT_PATTERN}
        schema["additionalProperties"] = {"$ref": f"#/components/schemas/{IGNORED}"}


class In(Schema):
    """A request body. Fields it does not name are ignored (a client that sends more than it
    must keeps working), but the schema says what they may hold."""

    model_config = ConfigDict(json_schema_extra={EXTRA_MARK: True})


class Error(Schema):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorOut(Schema):
    """The one error shape every operation answers with (``DomainError.as_dict``)."""

    error: Error


#: The error statuses an operation that changes a case may answer, for ``response=``.
ERRORS: dict[int, type[Schema]] = {s: ErrorOut for s in (400, 401, 403, 404, 409, 422)}


def file_response(description: str, *content_types: str) -> dict[str, Any]:
    """``openapi_extra`` for an operation whose success is a file (a workbook, a document, a
    photo): the 200 ``ERRORS`` leaves out, with the types it may come as."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "responses": {
            "200": {"description": description, "content": {t: binary for t in content_types}}
        }
    }
