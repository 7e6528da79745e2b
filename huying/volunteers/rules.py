"""Who does what with a service order, as a table (群众点单、社区派单、志愿者接单).

Each action: the states it may start from and who may take it. ``review`` is the staff of
the order's community; ``volunteer`` an approved volunteer of an area the order is in
(taking), or one on the order (check-in/out); ``requester`` the one who asked. Where it
goes is the service's business (a take fills a place; the order is 已接单 when full)."""

from __future__ import annotations

from dataclasses import dataclass

from huying.org.models import Role
from huying.org.roles import DISTRICT_FIGURE_ROLES, FIELD_ROLES, REPORTER_ROLES, STREET_ROLES
from huying.volunteers.models import OrderState as S

#: The community's own staff: review orders, register and approve volunteers, correct points.
REVIEW_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.GRID_LEADER})
#: Who posts a need: a resident for himself, field staff for a resident.
POST_ROLES = REPORTER_ROLES | FIELD_ROLES
#: Who makes an order from a case (after it, or while it is handled).
CASE_ORDER_ROLES = REVIEW_ROLES | STREET_ROLES
#: Read the figures (rankings, monthly report, the employers' report) of their territory.
FIGURE_ROLES = REVIEW_ROLES | STREET_ROLES | DISTRICT_FIGURE_ROLES
#: Who sets the district's points rule.
RULE_ROLES = DISTRICT_FIGURE_ROLES
#: The desk's 志愿服务 link.
DESK_ROLES = FIGURE_ROLES

REVIEW, VOLUNTEER, REQUESTER = "review", "volunteer", "requester"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    who: frozenset[str]


RULES: dict[str, Rule] = {
    "publish": Rule(frozenset({S.POSTED}), frozenset({REVIEW})),
    "assign": Rule(frozenset({S.POSTED, S.PUBLISHED}), frozenset({REVIEW})),
    "refuse": Rule(frozenset({S.POSTED}), frozenset({REVIEW})),
    "take": Rule(frozenset({S.PUBLISHED, S.ASSIGNED}), frozenset({VOLUNTEER})),
    "check_in": Rule(frozenset({S.TAKEN, S.IN_SERVICE}), frozenset({VOLUNTEER})),
    "check_out": Rule(frozenset({S.IN_SERVICE}), frozenset({VOLUNTEER})),
    "confirm": Rule(frozenset({S.DONE}), frozenset({REQUESTER})),
    "cancel": Rule(
        frozenset({S.POSTED, S.PUBLISHED, S.ASSIGNED, S.TAKEN}), frozenset({REVIEW, REQUESTER})
    ),
}

#: Orders that wait for nothing more.
ENDED = frozenset({S.CONFIRMED, S.REFUSED, S.CANCELLED})
#: The case states an order may come from: handled or closed, not refused or merged away.
CASE_STATES = frozenset(
    {"self_handling", "in_progress", "verifying", "follow_up", "closed", "archived"}
)
