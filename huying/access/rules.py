"""Who does what with the access lists (社区工作准入): departments apply, the hub reviews,
withdraws and publishes; departments and streets send community tasks through the gate;
the receiving community's staff flag a task that is off the lists."""

from __future__ import annotations

from huying.org.models import Role
from huying.org.roles import DEPARTMENT_ROLES, DISTRICT_FIGURE_ROLES, HUB_ROLES, STREET_ROLES

APPLY_ROLES = DEPARTMENT_ROLES
REVIEW_ROLES = HUB_ROLES
SEND_ROLES = DEPARTMENT_ROLES | STREET_ROLES
FLAG_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.GRID_LEADER})
#: Read every sender's figures and every task (the rest read their own unit's).
ALL_FIGURE_ROLES = DISTRICT_FIGURE_ROLES

#: Code prefixes of the items the hub numbers when it approves them.
CODE_PREFIX = {"duty": "LZ", "assist": "XZ", "certificate": "ZM", "admission": "ZR"}
#: Who has the 社区准入 pages: the figures' readers, and the communities for their tasks.
PAGE_ROLES = ALL_FIGURE_ROLES | SEND_ROLES | FLAG_ROLES
