"""年度评议: each street's annual review of each department (0–100), entered or changed by
that street's own staff; every write is in the change log with before and after."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from huying.cases.services.engine import now_or
from huying.core.changelog import change_record, snapshot
from huying.core.errors import InvalidInput, PermissionDenied
from huying.evaluation.models import AnnualReview
from huying.evaluation.rules import RATER_ROLES
from huying.evaluation.selectors import district_departments
from huying.org.actors import Actor
from huying.org.models import OrgUnit

FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(_("年度无效"), field="year")
    return year


def parse_score(value: object) -> Decimal:
    """A 0–100 score with at most two decimals, from a number or its text; ValueError
    with a Chinese message otherwise (callers attach the field or the row)."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(_("得分不能为空"))
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_("得分「%(value)s」不是数字") % {"value": value}) from None
    if not score.is_finite() or not 0 <= score <= 100:
        raise ValueError(_("得分须在 0–100 之间"))
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(_("得分最多保留两位小数"))
    return score.quantize(Decimal("0.01"))


def annual_review_set(
    *,
    actor: Actor,
    year: int,
    department_id: int,
    score: Decimal | int | str,
    comment: str = "",
    now: datetime | None = None,
) -> AnnualReview:
    """The street's review of a department for a year: created, or replaced (logged)."""
    now = now_or(now)
    if actor.role not in RATER_ROLES or actor.unit.kind != OrgUnit.Kind.STREET:
        raise PermissionDenied(_("只有街道可以进行年度评议"))
    check_year(year)
    try:
        value = parse_score(score)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="score") from None
    department = district_departments(actor.unit).filter(pk=department_id).first()
    if department is None:
        raise InvalidInput(_("部门不存在"), field="department_id")
    fields = {"score": value, "comment": comment.strip(), "entered_by": actor.user}
    with transaction.atomic():
        review = (
            AnnualReview.objects.select_for_update()
            .filter(year=year, street=actor.unit, department=department)
            .first()
        )
        if review is None:
            review = AnnualReview.objects.create(
                year=year, street=actor.unit, department=department, entered_at=now, **fields
            )
            change_record(
                actor=actor,
                action="evaluation.annual_review.create",
                obj=review,
                now=now,
                after=snapshot(review, ["year", "street", "department", "score", "comment"]),
            )
            return review
        before = snapshot(review, ["score", "comment"])
        for name, val in fields.items():
            setattr(review, name, val)
        review.entered_at = now
        review.save(update_fields=[*fields, "entered_at"])
        change_record(
            actor=actor,
            action="evaluation.annual_review.update",
            obj=review,
            now=now,
            before=before,
            after=snapshot(review, ["score", "comment"]),
        )
        return review
