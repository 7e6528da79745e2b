"""Who does what in 一口受理 (rules as data, like ``huying.cases.rules``)."""

from __future__ import annotations

from huying.onewindow.models import ApplicationState as S
from huying.org.models import OrgUnit, Role
from huying.org.roles import DEPARTMENT_ROLES, STREET_ROLES

#: Staff of a community's service station: any of them accepts any item (一口受理) at the
#: window or, for an elderly or disabled resident, at home (二级代办).
WINDOW_ROLES = frozenset({Role.COMMUNITY_STAFF})
#: The street follows its communities' stations (reads their applications, records their
#: staff's qualifications through its leader).
STATION_READERS = WINDOW_ROLES | STREET_ROLES
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
#: Who records that a station's staff member passed an item's test (全岗位通): the street
#: for its communities' stations, the district for all.
QUALIFIER_ROLES = frozenset({Role.STREET_LEADER, Role.ADMIN})

#: Whose top bar offers the window's page: the stations, their streets, the departments that
#: decide what the window passes on, and the district's administrator.
DESK_ROLES = STATION_READERS | BACK_OFFICE_ROLES | {Role.ADMIN}

#: Who keeps a station's duty roster: the street for its stations, the district for all, and
#: a station's own staff for their station.
ROSTER_ROLES = QUALIFIER_ROLES | WINDOW_ROLES
#: A qualification holds this many days from the test (a retest moves the day).
QUALIFICATION_VALID_DAYS = 3 * 365
