"""逆向评议: rate, correct once, appeal once, rule on the appeal.

Each write runs inside the cases engine's ``run`` (the case loaded from the actor's scope,
one transaction, lost races retried) and appends an event to the case's hash-chained trail
with ``append_event``, so the trail covers every score ever given. The rating row itself
moves by compare-and-set on its ``version``: two people correcting, appealing or ruling at
once cannot both win. Every refusal raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases.models import Case, CaseEvent
from huying.cases.services.engine import append_event, hub_of, now_or, run, tell, who_of
from huying.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from huying.core.i18n import site_text
from huying.evaluation import rules
from huying.evaluation.models import AppealState, Rating, RatingAppeal, RatingRevision
from huying.evaluation.rules import Scores
from huying.evaluation.selectors import department_of, ratings_visible_to, responding_units
from huying.org.actors import Actor
from huying.org.roles import DEPARTMENT_ROLES, HUB_ROLES

T = TypeVar("T")


def rating_create(
    *,
    actor: Actor,
    case_id: int,
    department_id: int,
    scores: Scores,
    reason: str = "",
    now: datetime | None = None,
) -> Rating:
    """一事一评: the case's street scores one responding unit after verification —
    ``department_id`` names it: a department, or a field unit rated on its own."""
    now = now_or(now)
    total = rules.check_scores(scores)
    rules.check_reason(total, reason)

    def body(case: Case) -> Rating:
        if actor.role not in rules.RATER_ROLES or case.street_id != actor.unit.pk:
            raise PermissionDenied(_("只有事件所在街道可以评议承办部门"))
        if case.state not in rules.RATEABLE_CASE_STATES:
            raise RuleViolation(_("核查通过后才能评议"), state=case.state)
        unit = responding_units(case).get(department_id)
        if unit is None:
            raise InvalidInput(_("该部门没有承办此事件"), field="department_id")
        if Rating.objects.filter(case=case, unit=unit).exists():
            raise Conflict(_("该部门在此事件上已有评议"), code="duplicate_rating")
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    case=case,
                    unit=unit,
                    department=department_of(unit),
                    department_path=unit.path,
                    street_id=case.street_id,
                    **scores.as_dict(),
                    total=total,
                    effective_total=total,
                    reason=reason.strip(),
                    verified_at=_verified_at(case),
                    rated_by=actor.user,
                    rated_at=now,
                    updated_at=now,
                )
        except IntegrityError:  # the same rating, entered at the same moment elsewhere
            raise Conflict(_("该部门在此事件上已有评议"), code="duplicate_rating") from None
        _revision(rating, actor, now)
        _trail(case, actor, "rating.create", rating, now, reason, after=_scored(rating))
        tell(
            _told(rating),
            DEPARTMENT_ROLES,
            case,
            "rated",
            site_text(gettext_lazy("街道评议：%(total)d 分")) % {"total": total},
            now,
        )
        return rating

    return run(actor, case_id, None, body)


def rating_correct(
    *,
    actor: Actor,
    rating_id: int,
    scores: Scores,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Rating:
    """更正: the rating street changes its scores once, with a reason; both versions stay."""
    now = now_or(now)
    total = rules.check_scores(scores)
    rules.require_reason(reason, _("更正评议"))

    def body(case: Case, rating: Rating) -> Rating:
        if actor.role not in rules.RATER_ROLES or rating.street_id != actor.unit.pk:
            raise PermissionDenied(_("只有评议街道可以更正评议"))
        if rating.revision >= 2:
            raise RuleViolation(_("评议只能更正一次"))
        if RatingAppeal.objects.filter(rating=rating).exists():
            raise RuleViolation(_("部门已申诉，评议不能再更正"))
        if scores == Scores.of(rating):
            raise InvalidInput(_("更正后的评分与原评分相同"), field="scores")
        before = _scored(rating)
        _compare_and_set(
            rating,
            **scores.as_dict(),
            total=total,
            effective_total=total,
            reason=reason.strip(),
            revision=2,
            updated_at=now,
        )
        _revision(rating, actor, now)
        _trail(case, actor, "rating.correct", rating, now, reason, before, _scored(rating))
        return rating

    return _run_rating(actor, rating_id, expected_version, body)


def rating_appeal(
    *,
    actor: Actor,
    rating_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> RatingAppeal:
    """申诉: the rated department disputes the rating, once, with a reason."""
    now = now_or(now)
    rules.require_reason(reason, _("申诉"))

    def body(case: Case, rating: Rating) -> RatingAppeal:
        if actor.role not in rules.APPEAL_ROLES:
            raise PermissionDenied(_("只有被评议部门可以申诉"))
        if RatingAppeal.objects.filter(rating=rating).exists():
            raise RuleViolation(_("每条评议只能申诉一次"))
        _compare_and_set(rating, updated_at=now)
        try:
            with transaction.atomic():
                appeal = RatingAppeal.objects.create(
                    rating=rating,
                    reason=reason.strip(),
                    filed_by=actor.user,
                    filed_role=actor.role,
                    filed_at=now,
                )
        except IntegrityError:
            raise Conflict(_("该评议已有申诉")) from None
        _trail(case, actor, "rating.appeal", rating, now, reason, after={"appeal": appeal.pk})
        appealed = gettext_lazy("部门对评议提出申诉")
        tell(hub_of(case), HUB_ROLES, case, "rating_appealed", appealed, now)
        return appeal

    return _run_rating(actor, rating_id, expected_version, body)


def rating_rule_appeal(
    *,
    actor: Actor,
    rating_id: int,
    uphold: bool,
    reason: str,
    scores: Scores | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> RatingAppeal:
    """The hub rules: uphold with adjusted scores for every criterion (they become the
    effective score; the case is not reopened), or refuse. A reason either way."""
    now = now_or(now)
    rules.require_reason(reason, _("裁定申诉"))
    adjusted: Scores | None = None
    if uphold:
        if scores is None:
            raise InvalidInput(_("申诉成立须给出调整后的各项评分"), field="scores")
        rules.check_scores(scores)
        adjusted = scores

    def body(case: Case, rating: Rating) -> RatingAppeal:
        if not rules.may_rule(actor.role, actor.district_id):
            raise PermissionDenied(_("只有呼应办可以裁定申诉"))
        appeal = RatingAppeal.objects.filter(rating=rating).first()
        if appeal is None:
            raise RuleViolation(_("该评议没有申诉"))
        if appeal.state != AppealState.PENDING:
            raise RuleViolation(_("申诉已裁定"), state=appeal.state)
        if adjusted is not None and adjusted == Scores.of(rating):
            raise InvalidInput(_("调整后的评分与原评分相同，请选择驳回"), field="scores")
        before = _scored(rating)
        ruling: dict[str, Any] = {
            "state": AppealState.UPHELD if adjusted is not None else AppealState.REFUSED,
            "ruling_reason": reason.strip(),
            "ruled_by_id": actor.user.pk,
            "ruled_at": now,
        }
        effective = rating.effective_total
        if adjusted is not None:
            ruling |= {**adjusted.as_dict(), "adjusted_total": adjusted.total}
            effective = adjusted.total
        won = RatingAppeal.objects.filter(pk=appeal.pk, state=AppealState.PENDING).update(**ruling)
        if won != 1:
            raise Conflict()
        _compare_and_set(rating, effective_total=effective, updated_at=now)
        action = "rating.uphold_appeal" if adjusted is not None else "rating.refuse_appeal"
        after = _scored(rating) | {"appeal": appeal.pk, "adjusted": ruling.get("adjusted_total")}
        _trail(case, actor, action, rating, now, reason, before, after)
        upheld, refused = gettext_lazy("申诉成立，评分已调整"), gettext_lazy("申诉驳回")
        verdict = upheld if adjusted is not None else refused
        tell(_told(rating), DEPARTMENT_ROLES, case, "appeal_ruled", verdict, now)
        appeal.refresh_from_db()
        return appeal

    return _run_rating(actor, rating_id, expected_version, body)


# --- helpers -------------------------------------------------------------------------------------


def _run_rating(
    actor: Actor,
    rating_id: int,
    expected_version: int | None,
    body: Callable[[Case, Rating], T],
) -> T:
    """Find the rating in the actor's scope (404 otherwise), then run the step on its case:
    fresh rows in one transaction, the rating's version checked when the caller pinned it."""
    case_id = (
        ratings_visible_to(actor).filter(pk=rating_id).values_list("case_id", flat=True).first()
    )
    if case_id is None:
        raise NotFound(_("评议不存在或无权查看"))

    def step(case: Case) -> T:
        rating = Rating.objects.get(pk=rating_id)
        if expected_version is not None and rating.version != expected_version:
            raise Conflict(current_version=rating.version)
        return body(case, rating)

    return run(actor, case_id, None, step)


def _compare_and_set(rating: Rating, **fields: Any) -> None:
    won = Rating.objects.filter(pk=rating.pk, version=rating.version).update(
        **fields, version=F("version") + 1
    )
    if won != 1:
        raise Conflict()
    for name, value in fields.items():
        setattr(rating, name, value)
    rating.version += 1


def _verified_at(case: Case) -> datetime:
    """When the case last passed verification: the date that places a rating in a month."""
    at = (
        CaseEvent.objects.filter(case=case, action="verify_pass")
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    return at or case.updated_at


def _revision(rating: Rating, actor: Actor, now: datetime) -> None:
    RatingRevision.objects.create(
        rating=rating,
        revision=rating.revision,
        **Scores.of(rating).as_dict(),
        total=rating.total,
        reason=rating.reason,
        by=actor.user,
        by_role=actor.role,
        at=now,
    )


def _told(rating: Rating) -> list[int]:
    """The rated unit, and its department when the unit is a field unit."""
    return list(dict.fromkeys([rating.unit_id, rating.department_id]))


def _scored(rating: Rating) -> dict[str, Any]:
    return {
        "rating": rating.pk,
        "department": rating.unit_id,
        "revision": rating.revision,
        **Scores.of(rating).as_dict(),
        "total": rating.total,
        "effective_total": rating.effective_total,
    }


def _trail(
    case: Case,
    actor: Actor,
    action: str,
    rating: Rating,
    now: datetime,
    reason: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """One event on the case's trail; the state does not change, the chain covers it.
    (Notifications go to other people, so their text is lazy: the site's language.)"""
    append_event(
        case,
        who=who_of(actor),
        action=action,
        now=now,
        case_fields={},
        target=None,
        reason=reason,
        before=before,
        after=after or {"rating": rating.pk},
    )
