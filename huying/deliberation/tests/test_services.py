"""众人议事's rules in the domain layer: who is a resident, supports and the threshold, the
proposal's states, the vote's window, one vote each, secrecy, Borda, publishing after close,
and what an accepted proposal becomes."""

from __future__ import annotations

import pytest

from huying.cases import hooks
from huying.cases.models import Case
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from huying.core.models import ChangeLog
from huying.deliberation import rules, selectors, services
from huying.deliberation.models import (
    Ballot,
    Proposal,
    ProposalState,
    Recognition,
    Support,
    Voter,
)
from huying.deliberation.tests.helpers import (
    HOUR,
    menu,
    new_resident,
    propose,
    staff_of,
    to_vote,
    verified,
    verify,
)

pytestmark = pytest.mark.django_db
S = ProposalState


def _state(p: Proposal) -> str:
    return Proposal.objects.get(pk=p.pk).state


# --- 居民认证 ------------------------------------------------------------------------------------


def test_a_resident_is_verified_by_the_community_staff(world: World) -> None:
    resident = new_resident(world, "a")
    assert selectors.verified_community(resident.user) is None
    verify(world, resident)
    assert selectors.verified_community(resident.user) == world.communities[0]


def test_a_refused_resident_is_told_why_and_may_ask_again(world: World) -> None:
    resident = new_resident(world, "a")
    made = services.recognition_request(
        actor=resident, community_id=world.communities[0].pk, name="李四", address="某路 1 号"
    )
    with pytest.raises(InvalidInput):  # refusing needs a reason
        services.recognition_decide(
            actor=world.actor("community"), recognition_id=made.pk, verified=False
        )
    services.recognition_decide(
        actor=world.actor("community"), recognition_id=made.pk, verified=False, reason="查无此址"
    )
    assert Recognition.objects.get(pk=made.pk).reason == "查无此址"
    assert selectors.verified_community(resident.user) is None
    services.recognition_request(
        actor=resident, community_id=world.communities[0].pk, name="李四", address="某路 2 号"
    )


def test_one_live_recognition_per_person(world: World) -> None:
    resident = new_resident(world, "a")
    services.recognition_request(
        actor=resident, community_id=world.communities[0].pk, name="李四", address="某路 1 号"
    )
    with pytest.raises(InvalidInput, match="不能重复申请"):
        services.recognition_request(
            actor=resident, community_id=world.communities[1].pk, name="李四", address="某路 1 号"
        )
    assert Recognition.objects.filter(user=resident.user).count() == 1


def test_only_the_own_community_staff_verify(world: World) -> None:
    resident = new_resident(world, "a")
    made = services.recognition_request(
        actor=resident, community_id=world.communities[0].pk, name="李四", address="某路 1 号"
    )
    for who in ("street", "resident", "grid_worker"):
        with pytest.raises(PermissionDenied):
            services.recognition_decide(
                actor=world.actor(who), recognition_id=made.pk, verified=True
            )
    with pytest.raises(NotFound):
        services.recognition_decide(actor=staff_of(world, 1), recognition_id=made.pk, verified=True)
    services.recognition_decide(
        actor=world.actor("community"), recognition_id=made.pk, verified=True
    )
    with pytest.raises(Conflict):  # decided once
        services.recognition_decide(
            actor=world.actor("community"), recognition_id=made.pk, verified=False, reason="x"
        )


def test_staff_cannot_ask_to_be_residents(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.recognition_request(
            actor=world.actor("community"),
            community_id=world.communities[0].pk,
            name="张三",
            address="x",
        )


# --- proposals and supports ----------------------------------------------------------------------


def test_an_unverified_resident_cannot_propose_support_or_vote(world: World) -> None:
    author = verify(world, new_resident(world, "a"))
    proposal = propose(world, author)
    stranger = new_resident(world, "s")
    with pytest.raises(PermissionDenied, match="居民认证"):
        propose(world, stranger)
    with pytest.raises(PermissionDenied):
        services.proposal_support(actor=stranger, proposal_id=proposal.pk)
    to_vote(world, proposal)
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=stranger, proposal_id=proposal.pk, yes=True, now=MONDAY_10AM)
    assert not Support.objects.exists() and not Voter.objects.exists()


def test_a_resident_of_another_community_cannot_support(world: World) -> None:
    proposal = propose(world, verify(world, new_resident(world, "a")))
    other = verify(world, new_resident(world, "b"), community=1)
    with pytest.raises(NotFound):
        services.proposal_support(actor=other, proposal_id=proposal.pk)
    assert selectors.proposals_visible_to(other).count() == 0


def test_a_proposal_keeps_its_cost_and_author(world: World) -> None:
    author = verify(world, new_resident(world, "a"))
    proposal = propose(world, author, estimated_cost="1234.5")
    assert str(proposal.estimated_cost) == "1234.50"
    assert proposal.community == world.communities[0]
    assert not proposal.by_committee
    for bad in ("-1", "abc", "100000000"):
        with pytest.raises(InvalidInput):
            propose(world, author, estimated_cost=bad)
    with pytest.raises(InvalidInput):
        propose(world, author, title=" ")


def test_a_menu_needs_two_distinct_works(world: World) -> None:
    staff = world.actor("community")
    for options in (["一"], ["一", "一"], []):
        with pytest.raises(InvalidInput):
            services.proposal_create(
                actor=staff, title="顺序", description="x", kind="ranking", options=options
            )
    with pytest.raises(InvalidInput):  # a yes/no vote has no menu
        services.proposal_create(actor=staff, title="t", description="x", options=["a", "b"])


def test_one_support_each_and_never_the_author(world: World) -> None:
    author, other = verified(world, 2)
    proposal = propose(world, author)
    with pytest.raises(InvalidInput, match="自己"):
        services.proposal_support(actor=author, proposal_id=proposal.pk)
    services.proposal_support(actor=other, proposal_id=proposal.pk)
    with pytest.raises(InvalidInput, match="已支持"):
        services.proposal_support(actor=other, proposal_id=proposal.pk)
    assert Support.objects.filter(proposal=proposal).count() == 1


def test_the_threshold_opens_the_deliberation(world: World) -> None:
    services.community_rule_set(actor=world.actor("community"), support_threshold=3)
    author, *others = verified(world, 4)
    proposal = propose(world, author)
    for n, supporter in enumerate(others, start=1):
        assert _state(proposal) == S.COLLECTING
        services.proposal_support(actor=supporter, proposal_id=proposal.pk)
        assert selectors.proposal_get(author, proposal.pk).support_count == n  # type: ignore[attr-defined]
    assert _state(proposal) == S.DELIBERATING
    assert Proposal.objects.get(pk=proposal.pk).opened_at is not None


def test_the_default_threshold(world: World) -> None:
    assert selectors.support_threshold(world.communities[0]) == rules.DEFAULT_SUPPORTS


def test_supports_after_the_threshold_are_refused(world: World) -> None:
    services.community_rule_set(actor=world.actor("community"), support_threshold=1)
    author, first, late = verified(world, 3)
    proposal = propose(world, author)
    services.proposal_support(actor=first, proposal_id=proposal.pk)
    with pytest.raises(InvalidTransition):
        services.proposal_support(actor=late, proposal_id=proposal.pk)
    assert Support.objects.filter(proposal=proposal).count() == 1


def test_the_committee_opens_directly_or_declines(world: World) -> None:
    staff = world.actor("community")
    author = verify(world, new_resident(world, "a"))
    opened = propose(world, author)
    opened = services.proposal_open(actor=staff, proposal_id=opened.pk, version=opened.version)
    assert opened.state == S.DELIBERATING
    with pytest.raises(InvalidTransition):
        services.proposal_open(actor=staff, proposal_id=opened.pk, version=opened.version)
    declined = propose(world, author)
    with pytest.raises(InvalidInput):
        services.proposal_decline(
            actor=staff, proposal_id=declined.pk, version=declined.version, reason=""
        )
    declined = services.proposal_decline(
        actor=staff, proposal_id=declined.pk, version=declined.version, reason="不属于社区事务"
    )
    assert declined.state == S.DECLINED and declined.reason == "不属于社区事务"
    with pytest.raises(InvalidTransition):
        services.proposal_support(actor=verified(world, 1, prefix="x")[0], proposal_id=declined.pk)


def test_a_stale_page_changes_nothing(world: World) -> None:
    staff = world.actor("community")
    proposal = propose(world, verify(world, new_resident(world, "a")))
    with pytest.raises(Conflict):
        services.proposal_open(actor=staff, proposal_id=proposal.pk, version=proposal.version + 5)
    assert _state(proposal) == S.COLLECTING


def test_only_the_own_committee_moves_a_proposal(world: World) -> None:
    proposal = propose(world, verify(world, new_resident(world, "a")))
    with pytest.raises(NotFound):
        services.proposal_open(
            actor=staff_of(world, 1), proposal_id=proposal.pk, version=proposal.version
        )
    for who in ("street", "resident", "hub"):
        with pytest.raises(PermissionDenied):
            services.proposal_open(
                actor=world.actor(who), proposal_id=proposal.pk, version=proposal.version
            )
    assert _state(proposal) == S.COLLECTING


def test_every_transition_outside_the_table_is_refused(world: World) -> None:
    staff = world.actor("community")
    for state in S.values:
        for action in ("open", "decline", "start_vote"):
            if (state, action) in rules.TRANSITIONS:
                continue
            proposal = propose(world, staff)
            Proposal.objects.filter(pk=proposal.pk).update(
                state=state, vote_opens_at=MONDAY_10AM, vote_closes_at=MONDAY_10AM + HOUR
            )
            with pytest.raises(InvalidTransition):
                if action == "open":
                    services.proposal_open(actor=staff, proposal_id=proposal.pk, version=1)
                elif action == "decline":
                    services.proposal_decline(
                        actor=staff, proposal_id=proposal.pk, version=1, reason="x"
                    )
                else:
                    services.vote_open(
                        actor=staff,
                        proposal_id=proposal.pk,
                        version=1,
                        opens_at=MONDAY_10AM,
                        closes_at=MONDAY_10AM + HOUR,
                        now=MONDAY_10AM,
                    )
            assert _state(proposal) == state


def test_meeting_and_comments(world: World) -> None:
    staff = world.actor("community")
    resident = verify(world, new_resident(world, "a"))
    proposal = propose(world, resident)
    with pytest.raises(InvalidTransition):  # a meeting is for an opened deliberation
        services.meeting_record(
            actor=staff,
            proposal_id=proposal.pk,
            version=proposal.version,
            meeting_at=MONDAY_10AM,
            place="议事厅",
            participants="居民代表 12 人",
        )
    proposal = services.proposal_open(
        actor=staff, proposal_id=proposal.pk, version=proposal.version
    )
    proposal = services.meeting_record(
        actor=staff,
        proposal_id=proposal.pk,
        version=proposal.version,
        meeting_at=MONDAY_10AM,
        place="社区议事厅",
        participants="居民代表 12 人、物业",
        minutes="多数赞成，费用按户分摊",
    )
    assert proposal.meeting_place == "社区议事厅"
    comment = services.comment_add(actor=resident, proposal_id=proposal.pk, text="支持，尽快")
    assert comment.author_label == "王**"
    assert (
        services.comment_add(actor=staff, proposal_id=proposal.pk, text="已记录").author_label
        == "居委会"
    )
    with pytest.raises(NotFound):
        services.comment_add(
            actor=verify(world, new_resident(world, "b"), community=1),
            proposal_id=proposal.pk,
            text="x",
        )


# --- the vote -------------------------------------------------------------------------------------


def test_the_window_and_one_vote_each(world: World) -> None:
    author, voter = verified(world, 2)
    proposal = to_vote(world, propose(world, author), hours=2)
    with pytest.raises(InvalidTransition, match="尚未开始"):
        services.ballot_cast(actor=voter, proposal_id=proposal.pk, yes=True, now=MONDAY_10AM - HOUR)
    services.ballot_cast(actor=voter, proposal_id=proposal.pk, yes=True, now=MONDAY_10AM + HOUR)
    with pytest.raises(InvalidInput, match="只能投一次"):
        services.ballot_cast(
            actor=voter, proposal_id=proposal.pk, yes=False, now=MONDAY_10AM + HOUR
        )
    with pytest.raises(InvalidTransition, match="已截止"):
        services.ballot_cast(
            actor=author, proposal_id=proposal.pk, yes=False, now=MONDAY_10AM + 2 * HOUR
        )
    assert Voter.objects.filter(proposal=proposal).count() == 1
    assert list(Ballot.objects.filter(proposal=proposal).values_list("yes", flat=True)) == [True]


def test_a_ballot_names_no_one(world: World) -> None:
    """Who voted and what was voted share no column: a ballot has no voter and no time."""
    names = {f.name for f in Ballot._meta.get_fields()}
    assert names == {"id", "proposal", "yes", "ranking"}


def test_the_vote_window_must_make_sense(world: World) -> None:
    staff = world.actor("community")
    proposal = propose(world, staff)
    proposal = services.proposal_open(actor=staff, proposal_id=proposal.pk, version=1)
    for opens, closes in ((MONDAY_10AM, MONDAY_10AM), (MONDAY_10AM - 2 * HOUR, MONDAY_10AM - HOUR)):
        with pytest.raises(InvalidInput):
            services.vote_open(
                actor=staff,
                proposal_id=proposal.pk,
                version=proposal.version,
                opens_at=opens,
                closes_at=closes,
                now=MONDAY_10AM,
            )
    assert _state(proposal) == S.DELIBERATING


def test_no_tally_before_close_and_results_with_turnout_after(world: World) -> None:
    staff = world.actor("community")
    residents = verified(world, 5)
    proposal = to_vote(world, propose(world, residents[0]), hours=2)
    for r, yes in zip(residents[:3], (True, True, False), strict=True):
        services.ballot_cast(actor=r, proposal_id=proposal.pk, yes=yes, now=MONDAY_10AM + HOUR)
    proposal.refresh_from_db()
    assert proposal.result == {}
    with pytest.raises(InvalidTransition, match="尚未截止"):
        services.results_publish(
            actor=staff,
            proposal_id=proposal.pk,
            version=proposal.version,
            now=MONDAY_10AM + HOUR,
        )
    assert Proposal.objects.get(pk=proposal.pk).result == {}
    published = services.results_publish(
        actor=staff,
        proposal_id=proposal.pk,
        version=proposal.version,
        now=MONDAY_10AM + 2 * HOUR,
    )
    # the world's own two residents are not verified: 5 eligible
    assert published.result == {"eligible": 5, "voters": 3, "yes": 2, "no": 1}
    assert published.state == S.ACCEPTED
    assert list(selectors.published_results(world.communities[0])) == [published]


def test_a_tie_is_not_carried(world: World) -> None:
    staff = world.actor("community")
    a, b = verified(world, 2)
    proposal = to_vote(world, propose(world, staff), hours=1)
    services.ballot_cast(actor=a, proposal_id=proposal.pk, yes=True, now=MONDAY_10AM)
    services.ballot_cast(actor=b, proposal_id=proposal.pk, yes=False, now=MONDAY_10AM)
    published = services.results_publish(
        actor=staff, proposal_id=proposal.pk, version=proposal.version, now=MONDAY_10AM + HOUR
    )
    assert published.state == S.REJECTED
    assert not selectors.proposals_visible_to(a).filter(state=S.VOTING).exists()


def test_closing_early_ends_the_window(world: World) -> None:
    staff = world.actor("community")
    a, b = verified(world, 2)
    proposal = to_vote(world, propose(world, staff), hours=48)
    services.ballot_cast(actor=a, proposal_id=proposal.pk, yes=True, now=MONDAY_10AM)
    proposal = services.vote_close(
        actor=staff, proposal_id=proposal.pk, version=proposal.version, now=MONDAY_10AM + HOUR
    )
    with pytest.raises(InvalidTransition):
        services.ballot_cast(actor=b, proposal_id=proposal.pk, yes=True, now=MONDAY_10AM + HOUR)
    published = services.results_publish(
        actor=staff, proposal_id=proposal.pk, version=proposal.version, now=MONDAY_10AM + HOUR
    )
    assert published.result["voters"] == 1


def test_eligibility_is_fixed_when_the_vote_opens(world: World) -> None:
    staff = world.actor("community")
    early = verified(world, 2)
    proposal = to_vote(world, propose(world, staff), hours=2)
    late = verify(world, new_resident(world, "late"), now=MONDAY_10AM + HOUR)
    services.ballot_cast(actor=late, proposal_id=proposal.pk, yes=True, now=MONDAY_10AM + HOUR)
    published = services.results_publish(
        actor=staff, proposal_id=proposal.pk, version=proposal.version, now=MONDAY_10AM + 3 * HOUR
    )
    assert published.result["eligible"] == len(early)


def _rank(world: World, proposal: Proposal, orders: list[list[int]]) -> Proposal:
    staff = world.actor("community")
    proposal = to_vote(world, proposal, hours=1)
    ids = list(proposal.options.order_by("position").values_list("pk", flat=True))
    for n, order in enumerate(orders):
        voter = verify(world, new_resident(world, f"v{n}"))
        services.ballot_cast(
            actor=voter, proposal_id=proposal.pk, ranking=[ids[i] for i in order], now=MONDAY_10AM
        )
    return services.results_publish(
        actor=staff, proposal_id=proposal.pk, version=proposal.version, now=MONDAY_10AM + HOUR
    )


def test_a_ranking_vote_gives_the_borda_order(world: World) -> None:
    # 4 works: 3, 2, 1, 0 points by place. Totals: 0→3+1+3=7, 1→2+3+0=5, 2→1+2+2=5, 3→0+0+1=1
    published = _rank(world, menu(world), [[0, 1, 2, 3], [1, 2, 0, 3], [0, 2, 3, 1]])
    order = published.result["order"]
    assert [o["label"] for o in order] == ["主干道拓宽", "停车位规划", "外墙粉刷", "更换防盗门"]
    assert [o["points"] for o in order] == [7, 5, 5, 1]
    assert published.state == S.ACCEPTED and published.result["voters"] == 3


def test_a_borda_tie_goes_to_more_first_places(world: World) -> None:
    # points: 主干道拓宽 2+3=5, 停车位规划 1+2=3, 外墙粉刷 3+0=3, 更换防盗门 0+1=1; 外墙粉刷
    # has a first place, 停车位规划 none: 外墙粉刷 goes first of the two.
    published = _rank(world, menu(world), [[2, 0, 1, 3], [0, 1, 3, 2]])
    assert [o["label"] for o in published.result["order"]] == [
        "主干道拓宽",
        "外墙粉刷",
        "停车位规划",
        "更换防盗门",
    ]


def test_a_full_tie_keeps_the_menu_order() -> None:
    ranked = rules.borda([10, 20, 30], [[10, 20, 30], [30, 20, 10], [20, 30, 10], [20, 10, 30]])
    # points: 10→2+0+0+1=3, 20→1+1+2+2=6, 30→0+2+1+0=3; 10 and 30 tie on points and firsts
    assert [(r.option_id, r.points) for r in ranked] == [(20, 6), (10, 3), (30, 3)]


def test_a_ranking_ballot_must_order_every_work_once(world: World) -> None:
    proposal = to_vote(world, menu(world))
    ids = list(proposal.options.values_list("pk", flat=True))
    voter = verify(world, new_resident(world, "v"))
    for bad in ([], ids[:3], [ids[0], *ids[:3]], [*ids[:3], 999999]):
        with pytest.raises(InvalidInput):
            services.ballot_cast(actor=voter, proposal_id=proposal.pk, ranking=bad, now=MONDAY_10AM)
    assert not Voter.objects.filter(proposal=proposal).exists()


# --- projects and cases -----------------------------------------------------------------------


def _accepted(world: World) -> tuple[Proposal, object]:
    staff = world.actor("community")
    (voter,) = verified(world, 1)
    proposal = to_vote(world, propose(world, staff), hours=1)
    services.ballot_cast(actor=voter, proposal_id=proposal.pk, yes=True, now=MONDAY_10AM)
    proposal = services.results_publish(
        actor=staff, proposal_id=proposal.pk, version=proposal.version, now=MONDAY_10AM + HOUR
    )
    return proposal, voter


def test_an_accepted_proposal_becomes_a_project_its_voters_follow(world: World) -> None:
    staff = world.actor("community")
    proposal, voter = _accepted(world)
    project = services.project_start(actor=staff, proposal_id=proposal.pk)
    with pytest.raises(InvalidTransition):
        services.project_start(actor=staff, proposal_id=proposal.pk)
    with pytest.raises(InvalidTransition):
        services.case_refer(actor=staff, proposal_id=proposal.pk)
    project = services.project_update(
        actor=staff, project_id=project.pk, version=project.version, progress=40, note="已进场施工"
    )
    with pytest.raises(InvalidInput):  # progress never goes back
        services.project_update(
            actor=staff, project_id=project.pk, version=project.version, progress=30, note="x"
        )
    with pytest.raises(Conflict):
        services.project_update(
            actor=staff, project_id=project.pk, version=project.version - 1, progress=50, note="x"
        )
    project = services.project_update(
        actor=staff, project_id=project.pk, version=project.version, progress=100, note="完工"
    )
    assert project.state == "done"
    assert list(selectors.my_projects(voter)) == [project]  # type: ignore[arg-type]
    outsider = verify(world, new_resident(world, "o"))
    assert not selectors.my_projects(outsider).exists()


def test_a_rejected_proposal_becomes_nothing(world: World) -> None:
    staff = world.actor("community")
    proposal = to_vote(world, propose(world, staff), hours=1)
    proposal = services.results_publish(
        actor=staff, proposal_id=proposal.pk, version=proposal.version, now=MONDAY_10AM + HOUR
    )
    assert proposal.state == S.REJECTED  # no votes: 0 yes, 0 no
    with pytest.raises(InvalidTransition):
        services.project_start(actor=staff, proposal_id=proposal.pk)


def test_an_accepted_proposal_goes_to_a_department_as_a_case(world: World) -> None:
    staff = world.actor("community")
    proposal, _voter = _accepted(world)
    case = services.case_refer(actor=staff, proposal_id=proposal.pk, now=MONDAY_10AM + HOUR)
    assert Proposal.objects.get(pk=proposal.pk).case == case
    assert case.community == world.communities[0]
    assert f"议题编号 {proposal.pk}" in Case.objects.get(pk=case.pk).description
    # the case's page names the proposal and its vote (through the cases' hook)
    (detail,) = hooks.report_details(case)
    assert detail[0] == "来自居民议事" and "1 / 1 人投票" in detail[1]
    with pytest.raises(InvalidTransition):
        services.project_start(actor=staff, proposal_id=proposal.pk)


def test_each_step_is_in_the_change_log(world: World) -> None:
    proposal, _voter = _accepted(world)
    actions = set(
        ChangeLog.objects.filter(
            object_id=str(proposal.pk), object_type="deliberation.proposal"
        ).values_list("action", flat=True)
    )
    assert {"proposal_create", "proposal_open", "vote_open", "results_publish"} <= actions


def test_scope_of_reads(world: World) -> None:
    proposal = propose(world, verify(world, new_resident(world, "a")))
    assert selectors.proposals_visible_to(world.actor("community")).filter(pk=proposal.pk).exists()
    assert selectors.proposals_visible_to(world.actor("street")).filter(pk=proposal.pk).exists()
    for who in ("street_b", "resident", "dept_cg", "grid_worker"):
        assert not selectors.proposals_visible_to(world.actor(who)).exists(), who
    assert not selectors.proposals_visible_to(staff_of(world, 1)).exists()
    with pytest.raises(NotFound):
        selectors.proposal_get(world.actor("street_b"), proposal.pk)
