"""Types shared by the API's inputs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from django.conf import settings
from pydantic import AfterValidator, Field

#: The largest id either database stores (a signed 64-bit integer): anything above is not a
#: row, and must be a 422, not an overflow inside the database driver.
MAX_ID = 2**63 - 1

#: A row id in a path, a query string or a body.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


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


#: A moment in a query string or a body.
Instant = Annotated[datetime, AfterValidator(_as_utc)]
