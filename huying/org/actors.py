"""The acting person: a user acting under one of their role grants."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext as _

from huying.core.errors import PermissionDenied
from huying.org.authcache import auth
from huying.org.models import DataScope, OrgUnit, Role, RoleGrant
from huying.org.roles import (
    COVERAGE_ROLES,
    DASHBOARD_ROLES,
    FIELD_ROLES,
    HUB_ROLES,
    REPORTER_ROLES,
    ROLE_SCOPE,
    TERRITORIAL_STAFF,
    may_manage,
)


@dataclass(frozen=True)
class Actor:
    user: User
    role: str
    unit: OrgUnit
    scope: str
    grant_id: int | None = None

    @classmethod
    def from_grant(cls, grant: RoleGrant) -> Actor:
        return cls(
            user=grant.user,
            role=grant.role,
            unit=grant.unit,
            scope=grant.scope or ROLE_SCOPE[grant.role],
            grant_id=grant.pk,
        )

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)

    @property
    def sees_all(self) -> bool:
        """Sees everything of its district (the city's roles: of every district)."""
        return self.scope == DataScope.ALL

    @property
    def district_id(self) -> int | None:
        """The district (tenant) the actor works in; None for a role at the city node."""
        return self.unit.district_id

    @property
    def reach(self) -> str:
        """The path prefix of everything the actor could ever see: its district's ("/7/"),
        or "" (the whole installation) for a role at the city node. ``sees_all`` sees all of
        it; narrower scopes see less within it."""
        district_id = self.district_id
        return "" if district_id is None else f"/{district_id}/"

    @property
    def scope_path(self) -> str:
        """The path prefix of the nodes the actor's scope covers: its reach when it sees
        all, else its own node and below."""
        return self.reach if self.sees_all else self.unit.path

    def reaches(self, path: str) -> bool:
        """Whether a node (by its path) is within the actor's district (or city)."""
        return path.startswith(self.reach)

    def covers(self, path: str) -> bool:
        """Whether a node (by its path) is within the actor's scope (``scope_path``)."""
        return path.startswith(self.scope_path)

    @property
    def has_dashboard(self) -> bool:
        """Has a 统计 page (the district's, the street's or the department's figures)."""
        return self.role in DASHBOARD_ROLES

    @property
    def reads_coverage(self) -> bool:
        """Has a 网格覆盖 page (``roles.COVERAGE_ROLES``)."""
        return self.role in COVERAGE_ROLES

    @property
    def is_reporter(self) -> bool:
        """Reports for themselves and sees only that (``roles.REPORTER_ROLES``)."""
        return self.role in REPORTER_ROLES

    @property
    def works_in_the_field(self) -> bool:
        """Grid and community staff: their own pages are the phone's (/m/, 我的任务)."""
        return self.role in FIELD_ROLES

    @property
    def follows_patrols(self) -> bool:
        """Territorial staff and the district: the 巡查 page (三陪同 and recent patrols)."""
        return self.role in TERRITORIAL_STAFF or self.sees_all

    @property
    def in_hub(self) -> bool:
        """A 呼应办 role: the district's dispatch centre (its pages: 12345 工单导入)."""
        return self.role in HUB_ROLES

    @property
    def can_manage(self) -> bool:
        """May use the back office: catalogue, organisation and work calendar (清单、组织和工作日历管理)."""
        return may_manage(self.role)


#: A condition every row meets: the city's reach. Not ``Q()``, which an OR would drop
#: (``Q(a) | Q()`` is ``Q(a)``: "its own, or everything" would become "its own").
EVERY_ROW = Q(pk__isnull=False)


def under(field: str, prefix: str) -> Q:
    """Rows whose ``field`` (a node path) lies under ``prefix``; "" (the city's reach) is
    every row."""
    return Q(**{f"{field}__startswith": prefix}) if prefix else EVERY_ROW


def in_district(actor: Actor, field: str = "district_id") -> Q:
    """Rows whose district (``field``, a district's id) is the actor's; every row for a role
    at the city node."""
    return EVERY_ROW if actor.district_id is None else Q(**{field: actor.district_id})


def active_grants(user: User) -> list[RoleGrant]:
    """The user's active role grants with their units, oldest first (the role switcher's
    list; remembered a few seconds: ``huying.org.authcache``)."""

    def load() -> list[RoleGrant]:
        # A grid's polygon is large and no permission check needs it.
        return list(
            RoleGrant.objects.select_related("unit")
            .defer("unit__boundary")
            .filter(user=user, is_active=True)
            .order_by("pk")
        )

    return auth.get("grants", str(user.pk), load) or []


def actor_for(user: User, grant_id: int | None = None) -> Actor:
    """The role the user acts under: the grant asked for, or their first active one
    (remembered a few seconds: ``huying.org.authcache``)."""

    def load() -> Actor | None:
        grants = active_grants(user)
        if grant_id is not None:
            grants = [g for g in grants if g.pk == grant_id]
        if not grants:
            return None
        grant = grants[0]
        grant.user = user
        return Actor.from_grant(grant)

    actor = auth.get("actor", f"{user.pk}:{grant_id or ''}", load)
    if actor is None:
        raise PermissionDenied(_("当前用户没有可用的角色"), code="no_role")
    # The caller's own user object, not the remembered copy (it may carry more state).
    return actor if actor.user is user else replace(actor, user=user)
