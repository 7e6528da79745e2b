"""The default kinds and a point placed through the service."""

from __future__ import annotations

from typing import Any

from huying.conftest import MONDAY_10AM, World
from huying.lifecircle import services
from huying.lifecircle.models import ServiceKind, ServicePoint

WEEKDAYS_9_TO_5 = {d: ["09:00-17:00"] for d in "12345"}


def kinds() -> dict[str, ServiceKind]:
    services.kind_defaults_install(actor=None, now=MONDAY_10AM)
    return {k.code: k for k in ServiceKind.objects.all()}


def point(
    world: World,
    *,
    at: tuple[float, float],
    kind: str = "health",
    who: str = "street",
    name: str = "第一社区卫生服务站",
    **kw: Any,
) -> ServicePoint:
    """A point at (lat, lng)."""
    values: dict[str, Any] = {
        "address": "示范路 1 号",
        "hours": WEEKDAYS_9_TO_5,
        **kw,
    }
    kind_id = ServiceKind.objects.get(code=kind).pk
    return services.point_create(
        actor=world.actor(who),
        now=MONDAY_10AM,
        name=name,
        kind_id=kind_id,
        lat=at[0],
        lng=at[1],
        **values,
    )
