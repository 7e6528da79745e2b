"""Who may do what with circulars (decided here; the mechanism says only "一月一通报", docs/glossary.md §4).

- **Generate** (request a month's circular, or a new issue of it): the hub — dispatcher and
  supervisor, who run the evaluation and publish the circular — and the district leader.
- **Read and download**: every staff role of the district (the circular is published to
  the streets and departments it ranks, and their staff). Residents do not: to them the
  pages do not exist (404), like any other page that is not theirs.
- **Which months**: from January 2000 to the current month; the running month gives a
  circular "as of now", marked as such in its text.
"""

from __future__ import annotations

from huying.org.models import Role
from huying.org.roles import HUB_ROLES, REPORTER_ROLES

GENERATE_ROLES = frozenset({*HUB_ROLES, Role.DISTRICT_LEADER})
READ_EXCLUDED_ROLES = REPORTER_ROLES
FIRST_YEAR = 2000


def may_generate(role: str) -> bool:
    return role in GENERATE_ROLES


def may_read(role: str) -> bool:
    return role not in READ_EXCLUDED_ROLES
