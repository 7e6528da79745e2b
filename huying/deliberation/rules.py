"""Who does what in 众人议事, and how a vote is counted (rules as data, no HTTP)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from huying.deliberation.models import ProposalState as S
from huying.org.models import Role
from huying.org.roles import STREET_ROLES

#: The community's committee (居委会) and staff: verify residents, open deliberations,
#: record meetings, run votes, publish results, carry projects out.
COMMITTEE_ROLES = frozenset({Role.COMMUNITY_STAFF})
#: The street follows its communities' deliberations (reads only).
READER_ROLES = COMMITTEE_ROLES | STREET_ROLES
#: Supports that open a deliberation when a community has set none (社区可自行设定).
DEFAULT_SUPPORTS = 20

#: (state, action) → next state; anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.COLLECTING, "open"): S.DELIBERATING,
    (S.COLLECTING, "decline"): S.DECLINED,
    (S.DELIBERATING, "decline"): S.DECLINED,
    (S.DELIBERATING, "start_vote"): S.VOTING,
    (S.VOTING, "publish_accepted"): S.ACCEPTED,
    (S.VOTING, "publish_rejected"): S.REJECTED,
}
#: Where residents may still comment.
COMMENT_STATES = frozenset({S.COLLECTING, S.DELIBERATING, S.VOTING})
#: How many works a menu holds.
MIN_OPTIONS, MAX_OPTIONS = 2, 12


def yes_no_accepted(yes: int, no: int) -> bool:
    """A simple majority of the votes cast: more yes than no (a tie is not carried)."""
    return yes > no


@dataclass(frozen=True)
class Ranked:
    option_id: int
    points: int
    firsts: int


def borda(options: Sequence[int], ballots: Sequence[Sequence[int]]) -> list[Ranked]:
    """The order a menu's ballots decide, by Borda count: with n works, a ballot gives its
    first choice n-1 points, the next n-2, … its last 0; most points first. A tie is broken
    by more first places, then by the menu's own order (``options`` as listed), so the same
    ballots always give the same sequence."""
    n = len(options)
    points = dict.fromkeys(options, 0)
    firsts = dict.fromkeys(options, 0)
    for ballot in ballots:
        for place, option in enumerate(ballot):
            points[option] += n - 1 - place
        if ballot:
            firsts[ballot[0]] += 1
    order = {option: i for i, option in enumerate(options)}
    ranked = sorted(options, key=lambda o: (-points[o], -firsts[o], order[o]))
    return [Ranked(o, points[o], firsts[o]) for o in ranked]
