"""A published service item and an application at the first community's station."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from huying.conftest import MONDAY_10AM, World
from huying.onewindow import services
from huying.onewindow.models import Application, ServiceItem

MATERIALS = ["身份证", "户口簿", "1 寸照片"]


def item(world: World, *, code: str = "FW001", published: bool = True, **kw: Any) -> ServiceItem:
    values: dict[str, Any] = {
        "name": "老年优待证",
        "conditions": "本区户籍、年满 60 周岁",
        "materials": MATERIALS,
        "time_limit": 5,
        "department_id": world.departments["cg"].pk,
        **kw,
    }
    made = services.item_create(actor=world.actor("admin"), code=code, **values)
    if published:
        made = services.item_publish(
            actor=world.actor("admin"), item_id=made.pk, version=made.version, published=True
        )
    return made


def accept(
    world: World,
    of: ServiceItem,
    *,
    who: str = "community",
    now: datetime = MONDAY_10AM,
    **kw: Any,
) -> Application:
    values: dict[str, Any] = {
        "resident_name": "张桂兰",
        "resident_phone": "13800001234",
        "materials_checked": list(of.materials),
        **kw,
    }
    return services.application_accept(actor=world.actor(who), item_id=of.pk, now=now, **values)
