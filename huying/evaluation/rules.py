"""The rules of reverse evaluation (逆向评议) as data: the scoring form, who may rate, appeal
and rule, when a case can be rated, and when a score needs a written reason.

No database and no HTTP: services look everything up here, tests walk it.

Decisions (the mechanism leaves them open; docs/glossary.md §4):

- **Who rates.** The street the case lies in (its street roles, 街道呼叫员 and 街道领导),
  whatever the route — the street called, or asked the hub, and verified the result. The
  hub never rates: it rules the appeals, and a judge does not score the case it judges.
  A case that lies in no street has no calling street and is not rated.
- **When.** After verification passed (核查通过): the case is in follow-up, closed or
  archived. A reopened case being handled again cannot be rated until it passes again.
- **Whom.** Each responding unit: the units of the case's assignments (lead and
  co-handlers, in any round) that were not withdrawn or returned. A field unit (派驻机构:
  派出所, 执法中队, 市场监管所 …) answers to the street it works in and is rated on its own;
  its rating also counts in its department's score (``scores``: the roll-up).
- **Corrections.** Once, by the rating street, with a reason, and only before an appeal:
  once a department has appealed, the hub's ruling is the last word.
- **Appeals.** Once per rating, by the rated unit's own staff or its department's
  (department roles at the unit or above it), with a reason; the hub (dispatcher or supervisor) upholds with adjusted
  scores for every criterion, or refuses — with a reason either way.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

from django.utils.translation import gettext as _

from huying.cases.models import AssignmentState, CaseState
from huying.core.errors import InvalidInput
from huying.evaluation.models import CRITERION_MAX, AppealState
from huying.org.roles import DEPARTMENT_ROLES, HUB_ROLES, STREET_ROLES

RATER_ROLES = STREET_ROLES
APPEAL_ROLES = DEPARTMENT_ROLES
RULING_ROLES = HUB_ROLES


def may_rule(role: str, district_id: int | None) -> bool:
    """A district's hub rules on its appeals; the city's supervisor (of no district) reads
    them and rules on none."""
    return role in RULING_ROLES and district_id is not None


#: Verification passed: 待回访, 已结案, 已备案.
RATEABLE_CASE_STATES = frozenset({CaseState.FOLLOW_UP, CaseState.CLOSED, CaseState.ARCHIVED})

#: Assignments that did not respond: the hub took them back, or upheld their return.
NOT_RESPONDING = frozenset({AssignmentState.WITHDRAWN, AssignmentState.RETURNED})

#: A total below this, or a full score, must be explained (no 感情分 / 人情分).
REASON_BELOW = 60
FULL_SCORE = 5 * CRITERION_MAX


@dataclass(frozen=True)
class Scores:
    """The scoring form: five criteria, 0–20 each."""

    report_in: int  # 报到
    professionalism: int  # 专业性
    responsibility: int  # 担当意识
    cooperation: int  # 配合度
    result: int  # 办理结果

    @property
    def total(self) -> int:
        return sum(astuple(self))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def of(cls, obj: object) -> Scores:
        """The scores stored on a rating, revision or upheld appeal."""
        return cls(**{f.name: getattr(obj, f.name) for f in fields(cls)})


CRITERIA_LABELS = {
    "report_in": "报到",
    "professionalism": "专业性",
    "responsibility": "担当意识",
    "cooperation": "配合度",
    "result": "办理结果",
}


def check_scores(scores: Scores) -> int:
    """The total, or InvalidInput naming the first criterion out of 0–20."""
    for name, value in scores.as_dict().items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= CRITERION_MAX:
            raise InvalidInput(
                _("「%(criterion)s」须为 0–%(max)d 的整数")
                % {"criterion": CRITERIA_LABELS[name], "max": CRITERION_MAX},
                field=name,
            )
    return scores.total


def reason_required(total: int) -> bool:
    return total < REASON_BELOW or total == FULL_SCORE


def check_reason(total: int, reason: str) -> None:
    if reason_required(total) and not reason.strip():
        raise InvalidInput(
            _("总分低于 %(low)d 分或为满分须填写评议理由（杜绝感情分、人情分）")
            % {"low": REASON_BELOW},
            field="reason",
        )


def require_reason(reason: str, what: str) -> None:
    if not reason.strip():
        raise InvalidInput(_("%(what)s须说明理由") % {"what": what}, field="reason")


#: What a person may do with a rating, by the rules above: correct (the rating street, once,
#: before an appeal), appeal (the rated department, once), rule (the hub, while pending).
CORRECT, APPEAL, RULE = "correct", "appeal", "rule"


def rating_offers(
    *,
    role: str,
    unit_id: int,
    district_id: int | None,
    street_id: int,
    revision: int,
    appeal_state: str | None,
) -> frozenset[str]:
    """The actions the rules offer on a rating the person can see (``ratings_visible_to``:
    a department sees only the ratings it received). ``appeal_state`` is None without an
    appeal. The services check the same conditions again when the action is taken."""
    offers = set()
    if role in RATER_ROLES and street_id == unit_id and revision < 2 and appeal_state is None:
        offers.add(CORRECT)
    if role in APPEAL_ROLES and appeal_state is None:
        offers.add(APPEAL)
    if may_rule(role, district_id) and appeal_state == AppealState.PENDING:
        offers.add(RULE)
    return frozenset(offers)
