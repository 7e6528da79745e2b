"""Who does a write, as core sees it.

The person acting under one of their role grants (``huying.org.actors.Actor``) belongs to
org, a layer above core; core's own writes (the work calendar, the change log) name only
what they read of it, and org's ``Actor`` satisfies this protocol.
"""

from __future__ import annotations

from typing import Protocol

from django.contrib.auth.models import User
from django.db import models


class Acting(Protocol):
    @property
    def user(self) -> User: ...

    @property
    def role(self) -> str: ...

    @property
    def unit(self) -> models.Model: ...

    @property
    def can_manage(self) -> bool:
        """May run the back office (清单、组织和工作日历管理)."""
        ...
