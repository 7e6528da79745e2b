"""Who does what in 一口受理 (rules as data, like ``huying.cases.rules``)."""

from __future__ import annotations

from huying.onewindow.models import ApplicationState as S
from huying.org.models import OrgUnit, Role
from huying.org.roles import DEPARTMENT_ROLES

#: Staff of a community's service station: any of them accepts any item (一口受理) at the
#: window or, for an elderly or disabled resident, at home (二级代办).
WINDOW_ROLES = frozenset({Role.COMMUNITY_STAFF})
#: Stations are the communities' (社区党群服务站).
STATION_KINDS = frozenset({OrgUnit.Kind.COMMUNITY})
#: The item's department (or its field units) decides the applications passed to it.
BACK_OFFICE_ROLES = DEPARTMENT_ROLES

#: (state, action) → next state; anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.RECEIVED, "pass"): S.PASSED,
    (S.PASSED, "done"): S.DONE,
    (S.PASSED, "refuse"): S.REFUSED,
}
OPEN_STATES = frozenset({S.RECEIVED, S.PASSED})
