"""Role rules as data: where each role may be placed and which data scope it gets by default."""

from __future__ import annotations

from django.utils.translation import gettext as _

from huying.core.i18n import join_list
from huying.org.models import DataScope, OrgUnit, Role

K = OrgUnit.Kind

#: The kinds of node each role may be placed at.
ROLE_PLACEMENT: dict[str, frozenset[str]] = {
    Role.GRID_INFORMANT: frozenset({K.GRID}),
    Role.STREET_CHIEF: frozenset({K.GRID}),
    Role.GRID_CENTRE: frozenset({K.STREET}),
    Role.GRID_WORKER: frozenset({K.GRID}),
    Role.GRID_LEADER: frozenset({K.COMMUNITY, K.GRID}),
    Role.COMMUNITY_STAFF: frozenset({K.COMMUNITY}),
    Role.STREET_CALLER: frozenset({K.STREET}),
    Role.STREET_LEADER: frozenset({K.STREET}),
    Role.HUB_DISPATCHER: frozenset({K.HUB}),
    # At the city node: the city's hub, which supervises (reads) every district.
    Role.HUB_SUPERVISOR: frozenset({K.HUB, K.CITY}),
    Role.DEPT_HANDLER: frozenset({K.DEPARTMENT, K.FIELD_UNIT}),
    Role.DEPT_LEADER: frozenset({K.DEPARTMENT}),
    Role.DISTRICT_LEADER: frozenset({K.DISTRICT}),
    Role.RESIDENT: frozenset({K.DISTRICT, K.STREET, K.COMMUNITY, K.GRID}),
    Role.ADMIN: frozenset({K.DISTRICT, K.CITY}),
}

#: Default data scope per role (a grant may narrow it).
ROLE_SCOPE: dict[str, str] = {
    Role.GRID_INFORMANT: DataScope.SELF,
    Role.STREET_CHIEF: DataScope.SELF,
    Role.GRID_CENTRE: DataScope.NODE_AND_BELOW,
    Role.GRID_WORKER: DataScope.NODE_AND_BELOW,
    Role.GRID_LEADER: DataScope.NODE_AND_BELOW,
    Role.COMMUNITY_STAFF: DataScope.NODE_AND_BELOW,
    Role.STREET_CALLER: DataScope.NODE_AND_BELOW,
    Role.STREET_LEADER: DataScope.NODE_AND_BELOW,
    Role.HUB_DISPATCHER: DataScope.ALL,
    Role.HUB_SUPERVISOR: DataScope.ALL,
    Role.DEPT_HANDLER: DataScope.NODE_AND_BELOW,
    Role.DEPT_LEADER: DataScope.NODE_AND_BELOW,
    Role.DISTRICT_LEADER: DataScope.ALL,
    Role.RESIDENT: DataScope.SELF,
    Role.ADMIN: DataScope.ALL,
}

#: Roles that act for a Department: they see cases through their assignments.
DEPARTMENT_ROLES = frozenset({Role.DEPT_HANDLER, Role.DEPT_LEADER})
STREET_ROLES = frozenset({Role.STREET_CALLER, Role.STREET_LEADER})
HUB_ROLES = frozenset({Role.HUB_DISPATCHER, Role.HUB_SUPERVISOR})
#: Field staff: their phone page is their task list, and they walk grids (巡查).
FIELD_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_LEADER, Role.COMMUNITY_STAFF})
#: The grid ladder's four tiers, top down: 街道网格中心 → 社区网格长 → 网格员 → 网格信息员.
GRID_LADDER = (Role.GRID_CENTRE, Role.GRID_LEADER, Role.GRID_WORKER, Role.GRID_INFORMANT)
TERRITORIAL_STAFF = FIELD_ROLES | STREET_ROLES | {Role.GRID_CENTRE}
#: People who report for themselves and see only their own reports: residents, and the
#: residents who report for a grid (网格信息员) or a road (街长). Not staff: no staff pages,
#: no one else's cases, their names never shown as a handler's.
REPORTER_ROLES = frozenset({Role.RESIDENT, Role.GRID_INFORMANT, Role.STREET_CHIEF})
#: Roles that manage the catalogue and the organisation (清单和组织管理); to everyone else
#: those pages do not exist (404).
MANAGER_ROLES = frozenset({Role.ADMIN})
#: Roles that see the whole district's figures (统计: the district's dashboard, 大屏).
DISTRICT_FIGURE_ROLES = frozenset({*HUB_ROLES, Role.DISTRICT_LEADER, Role.ADMIN})
#: Roles with a part in reverse evaluation (考评): streets rate, departments appeal, the hub
#: rules (``huying.evaluation.rules``).
EVALUATION_ROLES = STREET_ROLES | DEPARTMENT_ROLES | HUB_ROLES
#: Roles that read the grid ladder's coverage (网格覆盖), each from their own node down: the
#: street's grid centre and cadres, grid and community staff, the district's figure readers.
COVERAGE_ROLES = frozenset({Role.GRID_CENTRE, *STREET_ROLES, *FIELD_ROLES, *DISTRICT_FIGURE_ROLES})
#: Roles with a dashboard: the district's, their street's or their department's.
DASHBOARD_ROLES = DISTRICT_FIGURE_ROLES | STREET_ROLES | DEPARTMENT_ROLES


def may_manage(role: str) -> bool:
    return role in MANAGER_ROLES


def placement_error(role: str, kind: str) -> str | None:
    allowed = ROLE_PLACEMENT[role]
    if kind in allowed:
        return None
    labels = join_list(K(k).label for k in sorted(allowed))
    return _("角色「{role}」只能设在：{kinds}").format(role=Role(role).label, kinds=labels)


#: Group robots (企业微信、钉钉、飞书): an event goes to the group once, whoever it tells.
_ROBOTS = frozenset({"wecom", "dingtalk", "feishu"})
#: Which outgoing channels each role gets per kind of notification (``core.notify.CATEGORIES``)
#: unless the person chooses otherwise on 通知设置. In-app (the bell) is always on.
NOTIFY_DEFAULTS: dict[str, dict[str, frozenset[str]]] = {
    Role.DEPT_HANDLER: {
        "task": frozenset({"email"}),
        "urge": frozenset({"email", "sms"}),
        "due_soon": frozenset({"email", "sms"}),
    },
    Role.DEPT_LEADER: {
        "urge": frozenset({"email"}),
        "overdue": frozenset({"email", "sms"}) | _ROBOTS,
        "digest": frozenset({"email"}),
    },
    Role.STREET_CALLER: {"task": frozenset({"email"}), "due_soon": frozenset({"email", "sms"})},
    Role.STREET_LEADER: {
        "overdue": frozenset({"email", "sms"}) | _ROBOTS,
        "digest": frozenset({"email"}),
    },
    Role.HUB_DISPATCHER: {"task": frozenset({"email"}) | _ROBOTS},
    Role.HUB_SUPERVISOR: {
        "urge": frozenset({"email"}),
        "overdue": frozenset({"email"}) | _ROBOTS,
        "digest": frozenset({"email"}),
    },
    Role.DISTRICT_LEADER: {"overdue": frozenset({"email"}), "digest": frozenset({"email"})},
}
#: Leaders: told when their unit's deadlines run out, and sent the daily digest.
LEADER_ROLES = frozenset(
    {Role.STREET_LEADER, Role.DEPT_LEADER, Role.HUB_SUPERVISOR, Role.DISTRICT_LEADER}
)
