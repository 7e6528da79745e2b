"""逆向评议: who may rate which department when, the reason rule, one correction, one appeal,
the hub's ruling — and every refusal leaves everything as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.utils import translation

from huying.cases import services as case_services
from huying.cases.models import Assignment, Case, CaseEvent, CaseState
from huying.cases.rules import action_label
from huying.cases.tests.helpers import case_in_state, submit
from huying.cases.trail import verify_trails
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from huying.core.models import Notification
from huying.evaluation.models import AppealState, Rating, RatingAppeal, RatingRevision
from huying.evaluation.rules import Scores
from huying.evaluation.selectors import ratings_visible_to
from huying.evaluation.services import (
    rating_appeal,
    rating_correct,
    rating_create,
    rating_rule_appeal,
)

from .helpers import at, footprint, scores, verified_case

LATER = MONDAY_10AM + timedelta(days=1)


def _rate(world: World, case: Case, dept: str = "cg", **kw: Any) -> Rating:
    kw.setdefault("scores", scores(17))
    return rating_create(
        actor=world.actor(kw.pop("who", "street")),
        case_id=case.pk,
        department_id=world.departments[dept].pk,
        now=LATER,
        **kw,
    )


def _refused(case: Case, error: type[DomainError], write: Callable[[], object]) -> DomainError:
    before = footprint(case)
    with pytest.raises(error) as caught:
        write()
    assert footprint(case) == before
    return caught.value


# --- rating --------------------------------------------------------------------------------------


def test_street_rates_a_responding_department_after_verification(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    version = case.version
    rating = _rate(world, case, scores=Scores(18, 16, 17, 15, 19))
    assert (rating.total, rating.effective_total, rating.revision) == (85, 85, 1)
    assert rating.street == world.streets[0] and rating.department == world.departments["cg"]
    verified = CaseEvent.objects.get(case=case, action="verify_pass").at
    assert rating.verified_at == verified  # the month it counts in
    revision = RatingRevision.objects.get(rating=rating)
    assert (revision.revision, revision.total, revision.by_role) == (1, 85, "street_caller")
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event is not None and event.action == "rating.create"
    assert event.after["total"] == 85 and event.after["department"] == rating.department_id
    case.refresh_from_db()
    assert case.version == version + 1 and case.state == CaseState.CLOSED
    assert Notification.objects.filter(kind="rated", recipient__username="dept_cg").exists()
    assert list(verify_trails()) == []


@pytest.mark.parametrize("state", [CaseState.FOLLOW_UP, CaseState.CLOSED, CaseState.ARCHIVED])
def test_rateable_once_verification_passed(world: World, state: str) -> None:
    case = case_in_state(world, state)
    assert _rate(world, case).case_id == case.pk


@pytest.mark.parametrize(
    "state",
    [
        CaseState.SUBMITTED,
        CaseState.TRIAGED,
        CaseState.REJECTED,
        CaseState.MERGED,
        CaseState.SELF_HANDLING,
        CaseState.IN_PROGRESS,
        CaseState.SUSPENDED,
        CaseState.VERIFYING,
    ],
)
def test_not_rateable_before_verification_passed(world: World, state: str) -> None:
    case = case_in_state(world, state)
    _refused(case, RuleViolation, lambda: _rate(world, case))


@pytest.mark.parametrize(
    ("given", "needs_reason"),
    [
        (Scores(12, 12, 12, 12, 11), True),  # 59
        (scores(20), True),  # 100
        (scores(12), False),  # 60
        (Scores(20, 20, 20, 20, 19), False),  # 99
    ],
)
def test_the_reason_rule_below_60_and_at_100(
    world: World, given: Scores, needs_reason: bool
) -> None:
    """59 and 100 need a reason; 60 and 99 do not; a blank reason is no reason."""
    case = case_in_state(world, CaseState.CLOSED)
    reason = ""
    if needs_reason:
        for blank in ("", "   "):
            error = _refused(
                case, InvalidInput, partial(_rate, world, case, scores=given, reason=blank)
            )
            assert error.details["field"] == "reason" and "人情分" in error.message
        reason = "响应迅速，群众点赞"
    assert _rate(world, case, scores=given, reason=reason).total == given.total


@pytest.mark.parametrize(
    "bad",
    [
        Scores(21, 17, 17, 17, 17),
        Scores(17, -1, 17, 17, 17),
        Scores(17, 17, True, 17, 17),
        Scores(17, 17, 17, 17.5, 17),  # type: ignore[arg-type]
        Scores(17, 17, 17, 17, "17"),  # type: ignore[arg-type]
    ],
)
def test_each_criterion_is_an_integer_from_0_to_20(world: World, bad: Scores) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    error = _refused(case, InvalidInput, lambda: _rate(world, case, scores=bad))
    assert error.details["field"] in Scores.__dataclass_fields__


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("street_b", NotFound),  # another street: the case does not exist for it
        ("dept_sw", NotFound),  # a department not on the case
        ("dept_cg", PermissionDenied),  # the rated department sees the case, may not rate
        ("hub", PermissionDenied),  # the hub rules appeals; it does not rate
        ("leader", PermissionDenied),
        ("community", PermissionDenied),  # territorial, but not the street
        ("resident", PermissionDenied),  # the reporter sees the case
    ],
)
def test_only_the_cases_street_rates(world: World, who: str, error: type[DomainError]) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    _refused(case, error, lambda: _rate(world, case, who=who))


def test_street_leader_of_the_street_may_rate(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    assert _rate(world, case, who="street_leader").rated_by.username == "street_leader"


def test_only_responding_departments_are_rated(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    error = _refused(case, InvalidInput, lambda: _rate(world, case, dept="jt"))
    assert error.details["field"] == "department_id"


def test_a_returned_department_is_not_rated_its_replacement_is(world: World) -> None:
    """The call to 城管 was misrouted (return upheld); 交通局 did the work."""
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    hub, t = world.actor("hub"), MONDAY_10AM
    case_services.assignment_request_return(
        actor=world.actor("dept_cg"), assignment_id=a.pk, reason="不属本局职责", now=t
    )
    case_services.assignment_rule_return(actor=hub, assignment_id=a.pk, uphold=True, now=t)
    case_services.case_hub_dispatch(
        actor=hub, case_id=case.pk, lead_department_id=world.departments["jt"].pk, now=t
    )
    jt = Assignment.objects.get(case=case, department=world.departments["jt"])
    dept = world.actor("dept_jt")
    case_services.assignment_report_in(actor=dept, assignment_id=jt.pk, now=t)
    case_services.assignment_accept(actor=dept, assignment_id=jt.pk, now=t)
    case_services.assignment_submit_result(actor=dept, assignment_id=jt.pk, result="已修复", now=t)
    case_services.case_verify(actor=world.actor("street"), case_id=case.pk, passed=True, now=t)
    _refused(case, InvalidInput, lambda: _rate(world, case, dept="cg"))
    assert _rate(world, case, dept="jt").department == world.departments["jt"]


def test_each_department_of_a_joint_case_is_rated_once(world: World) -> None:
    case = verified_case(world, departments=("sw", "hb"), verified=at(3, 12))
    sw = _rate(world, case, dept="sw", scores=scores(18))
    hb = _rate(world, case, dept="hb", scores=scores(14))
    assert (sw.total, hb.total) == (90, 70)
    error = _refused(case, Conflict, lambda: _rate(world, case, dept="sw"))
    assert error.code == "duplicate_rating"
    # Even under another account of the same street.
    _refused(case, Conflict, lambda: _rate(world, case, dept="hb", who="street_leader"))


def test_a_field_unit_is_rated_on_its_own_and_rolls_up_to_its_department(
    world: World,
) -> None:
    street_b = world.actor("street_b")
    case = verified_case(world, departments=("jt",), verified=at(3, 12), grid=2)
    # A second case, called to 城管执法一中队 (a field unit of 城管局).
    t = at(3, 13)
    unit_case = submit(world, grid=2, now=t)
    case_services.case_triage(
        actor=street_b, case_id=unit_case.pk, item_id=world.items[2].pk, now=t
    )
    case_services.case_call(
        actor=street_b, case_id=unit_case.pk, department_id=world.departments["cg_unit"].pk, now=t
    )
    a = Assignment.objects.get(case=unit_case)
    unit = world.actor("dept_cg_unit")
    case_services.assignment_report_in(actor=unit, assignment_id=a.pk, now=t)
    case_services.assignment_accept(actor=unit, assignment_id=a.pk, now=t)
    case_services.assignment_submit_result(actor=unit, assignment_id=a.pk, result="已清理", now=t)
    case_services.case_verify(actor=street_b, case_id=unit_case.pk, passed=True, now=t)
    # The department did not answer: only the unit is rated, and its rating counts for 城管局.
    _refused(unit_case, InvalidInput, lambda: _rate(world, unit_case, dept="cg", who="street_b"))
    rating = _rate(world, unit_case, dept="cg_unit", who="street_b")
    assert rating.unit == world.departments["cg_unit"]
    assert rating.department == world.departments["cg"]
    assert case.street == world.streets[1]
    # The unit's own staff see it and may appeal it; so may the department; the unit is told.
    assert Notification.objects.filter(recipient=unit.user, kind="rated").exists()
    assert set(ratings_visible_to(unit).values_list("pk", flat=True)) == {rating.pk}
    assert rating.pk in set(ratings_visible_to(world.actor("dept_cg")).values_list("pk", flat=True))
    rating_appeal(actor=unit, rating_id=rating.pk, reason="已按时处置")
    assert RatingAppeal.objects.filter(rating=rating, filed_by=unit.user).exists()


# --- correction ----------------------------------------------------------------------------------


def test_a_rating_is_corrected_once_and_both_versions_stay(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    rating = _rate(world, case, scores=scores(15))
    corrected = rating_correct(
        actor=world.actor("street"),
        rating_id=rating.pk,
        scores=Scores(15, 15, 16, 15, 18),
        reason="补充了部门夜间加班抢修的情况",
        now=LATER,
        expected_version=rating.version,
    )
    assert (corrected.total, corrected.effective_total, corrected.revision) == (79, 79, 2)
    rating.refresh_from_db()
    assert (rating.total, rating.version, rating.revision) == (79, 2, 2)
    assert list(RatingRevision.objects.filter(rating=rating).values_list("revision", "total")) == [
        (1, 75),
        (2, 79),
    ]
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event is not None and event.action == "rating.correct"
    assert (event.before["total"], event.after["total"]) == (75, 79)
    error = _refused(
        case,
        RuleViolation,
        lambda: rating_correct(
            actor=world.actor("street"), rating_id=rating.pk, scores=scores(16), reason="再改一次"
        ),
    )
    assert "一次" in error.message
    assert list(verify_trails()) == []


def test_correction_refusals_change_nothing(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    rating = _rate(world, case, scores=scores(15))

    def correct(who: str = "street", **kw: Any) -> Rating:
        kw.setdefault("scores", scores(16))
        kw.setdefault("reason", "更正")
        return rating_correct(actor=world.actor(who), rating_id=rating.pk, **kw)

    _refused(case, InvalidInput, lambda: correct(reason=" "))  # a reason is required
    _refused(case, InvalidInput, lambda: correct(scores=scores(15)))  # nothing changes
    _refused(case, InvalidInput, lambda: correct(scores=scores(25)))
    _refused(case, NotFound, lambda: correct(who="street_b"))
    _refused(case, NotFound, lambda: correct(who="resident"))
    _refused(case, PermissionDenied, lambda: correct(who="dept_cg"))
    _refused(case, PermissionDenied, lambda: correct(who="hub"))
    _refused(case, Conflict, lambda: correct(expected_version=rating.version + 1))
    assert correct(who="street_leader").revision == 2  # the same street, another account


def test_no_correction_once_appealed(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    rating = _rate(world, case, scores=scores(11), reason="报到迟缓，推诿扯皮")
    rating_appeal(actor=world.actor("dept_cg"), rating_id=rating.pk, reason="当日已到场处置")
    _refused(
        case,
        RuleViolation,
        lambda: rating_correct(
            actor=world.actor("street"), rating_id=rating.pk, scores=scores(12), reason="复核"
        ),
    )


# --- appeal and ruling ---------------------------------------------------------------------------


def test_upheld_appeal_adjusts_the_effective_score_without_reopening(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    rating = _rate(world, case, scores=scores(10), reason="未按时到场")
    appeal = rating_appeal(
        actor=world.actor("dept_cg"), rating_id=rating.pk, reason="系统记录显示按时报到", now=LATER
    )
    assert appeal.state == AppealState.PENDING
    assert Notification.objects.filter(kind="rating_appealed", recipient__username="hub").exists()
    ruled = rating_rule_appeal(
        actor=world.actor("hub_sup"),
        rating_id=rating.pk,
        uphold=True,
        scores=Scores(18, 10, 10, 10, 10),
        reason="报到记录属实，报到项调整",
        now=LATER,
    )
    assert (ruled.state, ruled.adjusted_total, ruled.report_in) == (AppealState.UPHELD, 58, 18)
    rating.refresh_from_db()
    assert (rating.total, rating.effective_total) == (50, 58)  # the street's score stays too
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.reopen_count == 0
    actions = list(
        CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-3:] == ["rating.create", "rating.appeal", "rating.uphold_appeal"]
    assert Notification.objects.filter(kind="appeal_ruled", recipient__username="dept_cg").exists()
    assert list(verify_trails()) == []


def test_refused_appeal_leaves_the_score(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    rating = _rate(world, case, scores=scores(11), reason="推诿")
    rating_appeal(actor=world.actor("dept_cg_leader"), rating_id=rating.pk, reason="不服")
    ruled = rating_rule_appeal(
        actor=world.actor("hub"), rating_id=rating.pk, uphold=False, reason="评议有据"
    )
    assert ruled.state == AppealState.REFUSED and ruled.adjusted_total is None
    rating.refresh_from_db()
    assert (rating.total, rating.effective_total) == (55, 55)


def test_appeal_refusals_change_nothing(world: World) -> None:
    case = verified_case(world, departments=("sw", "hb"), verified=at(3, 12))
    rating = _rate(world, case, dept="sw", scores=scores(11), reason="推诿")

    def appeal(who: str = "dept_sw", **kw: Any) -> RatingAppeal:
        kw.setdefault("reason", "不服")
        return rating_appeal(actor=world.actor(who), rating_id=rating.pk, **kw)

    _refused(case, InvalidInput, lambda: appeal(reason=""))
    _refused(case, NotFound, lambda: appeal(who="dept_hb"))  # the co-handler's rating is not its
    _refused(case, NotFound, lambda: appeal(who="dept_cg"))
    _refused(case, NotFound, lambda: appeal(who="street_b"))
    _refused(case, PermissionDenied, lambda: appeal(who="street"))  # sees it, may not appeal
    _refused(case, PermissionDenied, lambda: appeal(who="hub"))
    _refused(case, Conflict, lambda: appeal(expected_version=rating.version + 1))
    appeal()
    error = _refused(case, RuleViolation, lambda: appeal())
    assert "一次" in error.message


def test_a_field_unit_cannot_appeal_its_departments_rating(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    rating = _rate(world, case, scores=scores(11), reason="推诿")
    _refused(
        case,
        NotFound,
        lambda: rating_appeal(actor=world.actor("dept_cg_unit"), rating_id=rating.pk, reason="x"),
    )


def test_ruling_refusals_change_nothing(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    rating = _rate(world, case, scores=scores(11), reason="推诿")

    def rule(who: str = "hub", **kw: Any) -> RatingAppeal:
        kw.setdefault("reason", "裁定")
        kw.setdefault("uphold", True)
        kw.setdefault("scores", scores(14))
        return rating_rule_appeal(actor=world.actor(who), rating_id=rating.pk, **kw)

    _refused(case, RuleViolation, lambda: rule())  # nothing to rule on yet
    rating_appeal(actor=world.actor("dept_cg"), rating_id=rating.pk, reason="不服")
    _refused(case, InvalidInput, lambda: rule(reason=" "))
    _refused(case, InvalidInput, lambda: rule(scores=None))  # upheld needs the new scores
    _refused(case, InvalidInput, lambda: rule(scores=scores(11)))  # the same scores: refuse it
    _refused(case, InvalidInput, lambda: rule(scores=scores(21)))
    _refused(case, PermissionDenied, lambda: rule(who="street"))
    _refused(case, PermissionDenied, lambda: rule(who="dept_cg"))
    _refused(case, PermissionDenied, lambda: rule(who="leader"))
    _refused(case, NotFound, lambda: rule(who="street_b"))
    rating.refresh_from_db()
    _refused(case, Conflict, lambda: rule(expected_version=rating.version - 1))
    rule(uphold=False, scores=None)
    error = _refused(case, RuleViolation, lambda: rule())
    assert "已裁定" in error.message


# --- scope and races -----------------------------------------------------------------------------


def test_who_sees_which_ratings(world: World) -> None:
    a = verified_case(world, departments=("sw", "hb"), verified=at(3, 12))
    b = verified_case(world, departments=("cg",), verified=at(3, 12), grid=2)
    sw = _rate(world, a, dept="sw")
    hb = _rate(world, a, dept="hb")
    cg = _rate(world, b, dept="cg", who="street_b")

    def seen(who: str) -> set[int]:
        return set(ratings_visible_to(world.actor(who)).values_list("pk", flat=True))

    assert seen("hub") == seen("leader") == seen("admin") == {sw.pk, hb.pk, cg.pk}
    assert seen("street") == seen("street_leader") == {sw.pk, hb.pk}
    assert seen("street_b") == {cg.pk}
    assert seen("dept_sw") == {sw.pk}  # not the co-handler's
    assert seen("dept_cg") == seen("dept_cg_leader") == {cg.pk}
    assert seen("dept_cg_unit") == seen("resident") == seen("dept_jt") == set()


def test_a_lost_race_is_a_conflict_and_changes_nothing(world: World) -> None:
    """Two hub staff rule the same appeal: the second, holding the old version, loses."""
    case = case_in_state(world, CaseState.CLOSED)
    rating = _rate(world, case, scores=scores(11), reason="推诿")
    rating_appeal(actor=world.actor("dept_cg"), rating_id=rating.pk, reason="不服")
    rating.refresh_from_db()
    seen = rating.version
    rating_rule_appeal(
        actor=world.actor("hub"),
        rating_id=rating.pk,
        uphold=False,
        reason="评议有据",
        expected_version=seen,
    )
    _refused(
        case,
        Conflict,
        lambda: rating_rule_appeal(
            actor=world.actor("hub_sup"),
            rating_id=rating.pk,
            uphold=True,
            scores=scores(15),
            reason="应调整",
            expected_version=seen,
        ),
    )


def test_the_trail_names_rating_events() -> None:
    labels = [
        str(action_label(a))
        for a in ("rating.create", "rating.correct", "rating.appeal", "rating.uphold_appeal")
    ]
    assert labels == ["逆向评议", "更正评议", "评议申诉", "申诉成立"]
    assert str(action_label("rating.refuse_appeal")) == "申诉驳回"


def test_notifications_are_written_in_the_sites_language(world: World) -> None:
    """A street working in English still notifies the department in Chinese."""
    case = case_in_state(world, CaseState.CLOSED)
    with translation.override("en"):
        rating = _rate(world, case, scores=scores(11), reason="推诿")
        rating_appeal(actor=world.actor("dept_cg"), rating_id=rating.pk, reason="不服")
    messages = set(Notification.objects.values_list("message", flat=True))
    assert f"【{case.number}】街道评议：55 分" in messages
    assert f"【{case.number}】部门对评议提出申诉" in messages
