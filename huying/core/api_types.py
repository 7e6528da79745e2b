"""Types shared by the API's inputs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field

#: The largest id either database stores (a signed 64-bit integer): anything above is not a
#: row, and must be a 422, not an overflow inside the database driver.
MAX_ID = 2**63 - 1

#: A row id in a path, a query string or a body.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


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


class Error(Schema):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorOut(Schema):
    """The one error shape every operation answers with (``DomainError.as_dict``)."""

    error: Error


#: The error statuses an operation that changes a case may answer, for ``response=``.
ERRORS: dict[int, type[Schema]] = {s: ErrorOut for s in (400, 401, 403, 404, 409, 422)}
