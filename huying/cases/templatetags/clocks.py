"""``{% running_clock due %}``: a deadline as lists show it, with how late it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("cases/_clock.html")
def running_clock(due: datetime | None) -> dict[str, Any]:
    now = timezone.now()
    late = int((now - due).total_seconds() // 3600) if due is not None and due < now else None
    return {"due": due, "late": late}
