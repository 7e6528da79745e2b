"""The case lifecycle as data: which action moves which state to which, who may do it, and
the guard that must hold. Services look every change up here; nothing else decides.

docs/glossary.md §3: 问题收集 → 集中研判 → 分级呼叫 → 派单调度 → 全程跟踪 → 结案备案.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from huying.cases.models import AssignmentState, CaseState, Route, Satisfaction, Tier
from huying.catalogue.models import Level
from huying.core.errors import InvalidInput, InvalidTransition, PermissionDenied, RuleViolation
from huying.core.i18n import join_list
from huying.org.models import Role
from huying.org.roles import (
    DEPARTMENT_ROLES,
    FIELD_ROLES,
    HUB_ROLES,
    REPORTER_ROLES,
    STREET_ROLES,
    TERRITORIAL_STAFF,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: The pseudo-role of the deadline sweep and of follow-on transitions the system makes itself.
SYSTEM = "system"

#: ``target`` of a rule that returns to the state recorded before a pause.
RESTORE = "__restore__"

S = CaseState
A = AssignmentState
R = Role

INTAKE_ROLES = frozenset(
    {*REPORTER_ROLES, *TERRITORIAL_STAFF, *HUB_ROLES, R.DISTRICT_LEADER, R.ADMIN}
)
TRIAGE_ROLES = frozenset({*STREET_ROLES, *HUB_ROLES})
FOLLOW_UP_ROLES = frozenset({*STREET_ROLES, R.COMMUNITY_STAFF, *HUB_ROLES, *REPORTER_ROLES})

#: A guard gets the entity (case or assignment) and the action's parameters and returns a
#: message (in the active language) when the action must not happen, or None.
Guard = Callable[[Any, dict[str, Any]], str | None]


@dataclass(frozen=True)
class Rule:
    action: str
    label: StrOrPromise  # the action's name, translated when shown
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    roles: frozenset[str]
    reason_required: bool = False
    guard: Guard | None = None


# --- guards ------------------------------------------------------------------------------------


def _level_is(*levels: int) -> Guard:
    def guard(case: Any, params: dict[str, Any]) -> str | None:
        if case.level not in levels:
            names = join_list(Level(v).label for v in levels)
            return _("此操作只适用于{levels}").format(levels=names)
        return None

    guard.__name__ = "level_" + "_or_".join(f"L{v}" for v in levels)
    return guard


def _multi_department_route(case: Any, params: dict[str, Any]) -> str | None:
    if case.route not in {Route.HUB, Route.LEADER}:
        return _("只有呼应办派单或区领导派单的事件可以增派协办部门")
    return None


def _tier_below_street(case: Any, params: dict[str, Any]) -> str | None:
    if case.tier not in {Tier.GRID, Tier.COMMUNITY}:
        return _("已在街道层级，只能上报呼应办")
    return None


def _tier_is_street(case: Any, params: dict[str, Any]) -> str | None:
    if case.tier != Tier.STREET:
        return _("只有街道层级的事件可以上报呼应办")
    return None


def _route_is_self(case: Any, params: dict[str, Any]) -> str | None:
    return None if case.route == Route.SELF else _("该事件不是自行处置")


def _route_is_not_self(case: Any, params: dict[str, Any]) -> str | None:
    return _("该事件为自行处置") if case.route == Route.SELF else None


def _has_community(case: Any, params: dict[str, Any]) -> str | None:
    return None if case.community_id else _("该事件不在社区范围内，请上报街道")


def _may_reopen(case: Any, params: dict[str, Any]) -> str | None:
    if case.satisfaction != Satisfaction.DISSATISFIED:
        return _("只有回访不满意的事件可以重启")
    if case.reopen_count >= 1:
        return _("每个事件只能重启一次")
    return None


def has_reporter(case: Any) -> bool:
    """Someone to call back: a resident's account or a number left with the report. A grid
    worker's patrol finding has neither, and 回访 does not apply to it."""
    return bool(case.reporter_id or case.reporter_phone)


def _nobody_to_call_back(case: Any, params: dict[str, Any]) -> str | None:
    return _("有反映人，须回访后结案") if has_reporter(case) else None


def _not_supervised(entity: Any, params: dict[str, Any]) -> str | None:
    return _("已在督办中") if entity.supervised else None


def _extension_pending(assignment: Any, params: dict[str, Any]) -> str | None:
    return None if assignment.extension_requested_until else _("没有待审批的延期申请")


def _no_extension_pending(assignment: Any, params: dict[str, Any]) -> str | None:
    return _("已有待审批的延期申请") if assignment.extension_requested_until else None


# --- the tables ----------------------------------------------------------------------------------

# fmt: off
# The tables stay one rule a line so they read as tables.
ACTIVE_CASE_STATES = frozenset({S.SELF_HANDLING, S.IN_PROGRESS})
#: Ended without a closure of their own: refused, folded into another case, or split into
#: parts that carry the work.
ENDED_CASE_STATES = frozenset({S.REJECTED, S.MERGED, S.SPLIT})
OPEN_CASE_STATES = frozenset(set(S.values) - ENDED_CASE_STATES - {S.CLOSED, S.ARCHIVED})
TRIAGED = frozenset({S.TRIAGED})
SUBMITTED = frozenset({S.SUBMITTED})
AT_GRID = frozenset({S.AT_GRID})
VERIFYING = frozenset({S.VERIFYING})
STREET_OR_DISPATCHER = frozenset({*STREET_ROLES, R.HUB_DISPATCHER})
#: Who records a fix of his own (街长自行解决); the phone offers the page to them alone.
SELF_FIX_ROLES = frozenset({R.STREET_CHIEF})

CASE_RULES: tuple[Rule, ...] = (
    # 集中研判 triage
    Rule("triage", pgettext_lazy("action", "研判"), SUBMITTED, S.TRIAGED, TRIAGE_ROLES),
    Rule("reject", pgettext_lazy("action", "不予受理"), SUBMITTED, S.REJECTED, TRIAGE_ROLES, reason_required=True),
    Rule("merge", pgettext_lazy("action", "合并重复"), SUBMITTED, S.MERGED, TRIAGE_ROLES),
    Rule("split", pgettext_lazy("action", "拆分"), SUBMITTED, S.SPLIT, TRIAGE_ROLES, reason_required=True),
    # 上报先到网格员: an informant's or chief's report waits with the grid's staff, who settle
    # it on the spot (L1 at grid tier), fold it into a case already open, or raise it.
    Rule("grid_handle", pgettext_lazy("action", "就地处置"), AT_GRID, S.SELF_HANDLING, FIELD_ROLES),
    Rule("grid_merge", pgettext_lazy("action", "并入已有事件"), AT_GRID, S.MERGED, FIELD_ROLES),
    Rule("raise_to_community", pgettext_lazy("action", "上报社区"), AT_GRID, S.SELF_HANDLING, FIELD_ROLES, guard=_has_community),
    Rule("raise_to_street", pgettext_lazy("action", "上报街道"), AT_GRID, S.SUBMITTED, FIELD_ROLES),
    # A chief who fixed it himself (photos before and after): settled at grid tier, no call.
    Rule("self_fixed", pgettext_lazy("action", "街长自行解决"), AT_GRID | SUBMITTED, S.CLOSED, SELF_FIX_ROLES),
    # 分级呼叫 / 派单调度: the route follows from the level
    Rule("self_handle", pgettext_lazy("action", "自行处置"), TRIAGED, S.SELF_HANDLING, STREET_OR_DISPATCHER, guard=_level_is(Level.SIMPLE)),
    Rule("call", pgettext_lazy("action", "对口呼叫"), TRIAGED, S.IN_PROGRESS, STREET_ROLES, guard=_level_is(Level.GENERAL)),
    Rule("hub_dispatch", pgettext_lazy("action", "呼应办派单"), TRIAGED, S.IN_PROGRESS, frozenset({R.HUB_DISPATCHER}), guard=_level_is(Level.GENERAL, Level.COMPLEX)),
    Rule("leader_dispatch", pgettext_lazy("action", "区领导逆向派单"), TRIAGED, S.IN_PROGRESS, frozenset({R.DISTRICT_LEADER}), guard=_level_is(Level.MAJOR)),
    Rule("add_co_handler", pgettext_lazy("action", "增派协办"), frozenset({S.IN_PROGRESS}), None, frozenset({R.HUB_DISPATCHER, R.DISTRICT_LEADER}), guard=_multi_department_route),
    # 自行处置 (L1): 小事不出网格, 大事不出社区, 重大事情不出街道
    Rule("complete_self", pgettext_lazy("action", "处置完毕"), frozenset({S.SELF_HANDLING}), S.VERIFYING, TERRITORIAL_STAFF),
    Rule("escalate", pgettext_lazy("action", "上报上一级"), frozenset({S.SELF_HANDLING}), None, frozenset({*TERRITORIAL_STAFF, SYSTEM}), guard=_tier_below_street),
    Rule("escalate_to_hub", pgettext_lazy("action", "上报呼应办"), frozenset({S.SELF_HANDLING}), S.TRIAGED, frozenset({*STREET_ROLES, SYSTEM}), guard=_tier_is_street),
    # 全程跟踪 tracking
    Rule("results_in", pgettext_lazy("action", "部门反馈完毕"), frozenset({S.IN_PROGRESS}), S.VERIFYING, frozenset({SYSTEM})),
    Rule("reroute", pgettext_lazy("action", "退回后重新派单"), frozenset({S.IN_PROGRESS}), S.TRIAGED, frozenset({SYSTEM})),
    Rule("urge", pgettext_lazy("action", "催办"), ACTIVE_CASE_STATES, None, frozenset({*HUB_ROLES, R.DISTRICT_LEADER})),
    Rule("supervise", pgettext_lazy("action", "督办"), ACTIVE_CASE_STATES | VERIFYING, None, frozenset({R.HUB_SUPERVISOR, R.DISTRICT_LEADER, SYSTEM}), guard=_not_supervised),
    # A meeting's decision (会议决定) moves the deadline of whoever holds the case now: the
    # departments' handling clocks, or the street's own while it handles the case itself.
    Rule("set_deadline", pgettext_lazy("action", "会议定期限"), frozenset({S.IN_PROGRESS, S.SELF_HANDLING}), None, frozenset({*STREET_ROLES, *HUB_ROLES, R.DISTRICT_LEADER}), reason_required=True),
    Rule("suspend", pgettext_lazy("action", "挂账"), ACTIVE_CASE_STATES, S.SUSPENDED, HUB_ROLES, reason_required=True),
    Rule("resume", pgettext_lazy("action", "恢复办理"), frozenset({S.SUSPENDED}), RESTORE, HUB_ROLES),
    Rule("overdue", pgettext_lazy("action", "核查超期"), VERIFYING, None, frozenset({SYSTEM})),
    # 结案备案 closure
    Rule("verify_pass", pgettext_lazy("action", "核查通过"), VERIFYING, S.FOLLOW_UP, STREET_OR_DISPATCHER),
    Rule("rework", pgettext_lazy("action", "核查返工"), VERIFYING, S.IN_PROGRESS, STREET_OR_DISPATCHER, reason_required=True, guard=_route_is_not_self),
    Rule("rework_self", pgettext_lazy("action", "核查返工"), VERIFYING, S.SELF_HANDLING, STREET_OR_DISPATCHER, reason_required=True, guard=_route_is_self),
    Rule("follow_up", pgettext_lazy("action", "回访"), frozenset({S.FOLLOW_UP}), S.CLOSED, FOLLOW_UP_ROLES),
    # Nobody to call back (a patrol finding): the system closes the case as it passes the check.
    Rule("close_unreported", pgettext_lazy("action", "无需回访结案"), frozenset({S.FOLLOW_UP}), S.CLOSED, frozenset({SYSTEM}), guard=_nobody_to_call_back),
    Rule("reopen", pgettext_lazy("action", "重启"), frozenset({S.CLOSED}), S.TRIAGED, frozenset({*HUB_ROLES, *STREET_ROLES, *REPORTER_ROLES}), reason_required=True, guard=_may_reopen),
    Rule("archive", pgettext_lazy("action", "备案"), frozenset({S.CLOSED}), S.ARCHIVED, frozenset({*HUB_ROLES, SYSTEM})),
    # Photos and documents may follow the report (a phone on a poor connection sends text first).
    Rule("attach", pgettext_lazy("action", "补充材料"), OPEN_CASE_STATES, None, frozenset({*INTAKE_ROLES, *DEPARTMENT_ROLES})),
)

ACTIVE_ASSIGNMENT_STATES = frozenset({A.AWAITING_REPORT_IN, A.REPORTED_IN, A.HANDLING})
WORKING_STATES = frozenset({A.REPORTED_IN, A.HANDLING})
#: Still the department's: working, asking to return, or fed back and waiting for the
#: street's check. A department holds at most one of these per case.
LIVE_ASSIGNMENT_STATES = ACTIVE_ASSIGNMENT_STATES | {A.RETURN_REQUESTED, A.RESULT_SUBMITTED}
#: Assignments move only while the case is with the departments. While it is suspended
#: (挂账) it waits: no department action may change it and no clock may restart.
ASSIGNMENT_CASE_STATES = frozenset({S.IN_PROGRESS})
DEPT = DEPARTMENT_ROLES

ASSIGNMENT_RULES: tuple[Rule, ...] = (
    Rule("report_in", pgettext_lazy("action", "报到"), frozenset({A.AWAITING_REPORT_IN}), A.REPORTED_IN, DEPT),
    Rule("accept", pgettext_lazy("action", "受理"), frozenset({A.REPORTED_IN}), A.HANDLING, DEPT),
    Rule("request_return", pgettext_lazy("action", "申请退回"), ACTIVE_ASSIGNMENT_STATES, A.RETURN_REQUESTED, DEPT, reason_required=True),
    Rule("uphold_return", pgettext_lazy("action", "同意退回"), frozenset({A.RETURN_REQUESTED}), A.RETURNED, HUB_ROLES),
    # Refused: back where it was (a department that had not reported in still must).
    Rule("refuse_return", pgettext_lazy("action", "不同意退回"), frozenset({A.RETURN_REQUESTED}), RESTORE, HUB_ROLES, reason_required=True),
    Rule("request_extension", pgettext_lazy("action", "申请延期"), WORKING_STATES, None, DEPT, reason_required=True, guard=_no_extension_pending),
    Rule("approve_extension", pgettext_lazy("action", "批准延期"), WORKING_STATES, None, HUB_ROLES, guard=_extension_pending),
    Rule("deny_extension", pgettext_lazy("action", "驳回延期"), WORKING_STATES, None, HUB_ROLES, reason_required=True, guard=_extension_pending),
    Rule("post_progress", pgettext_lazy("action", "进展反馈"), WORKING_STATES, None, DEPT),
    Rule("submit_result", pgettext_lazy("action", "办结反馈"), frozenset({A.HANDLING}), A.RESULT_SUBMITTED, DEPT),
    Rule("rework", pgettext_lazy("action", "返工"), frozenset({A.RESULT_SUBMITTED}), A.HANDLING, frozenset({SYSTEM})),
    # The system withdraws the co-handlers when the lead leaves the round (see engine.settle_round).
    Rule("withdraw", pgettext_lazy("action", "撤回派单"), ACTIVE_ASSIGNMENT_STATES | {A.RETURN_REQUESTED}, A.WITHDRAWN, frozenset({R.HUB_DISPATCHER, SYSTEM}), reason_required=True),
    Rule("urge", pgettext_lazy("action", "催办"), ACTIVE_ASSIGNMENT_STATES, None, frozenset({*HUB_ROLES, R.DISTRICT_LEADER})),
    Rule("supervise", pgettext_lazy("action", "督办"), ACTIVE_ASSIGNMENT_STATES, None, frozenset({R.HUB_SUPERVISOR, R.DISTRICT_LEADER, SYSTEM}), guard=_not_supervised),
    Rule("overdue", pgettext_lazy("action", "超期"), ACTIVE_ASSIGNMENT_STATES, None, frozenset({SYSTEM})),
)
# fmt: on


def _index(rules: Iterable[Rule]) -> dict[tuple[str, str], Rule]:
    table: dict[tuple[str, str], Rule] = {}
    for rule in rules:
        for source in rule.sources:
            key = (source, rule.action)
            assert key not in table, f"duplicate rule {key}"
            table[key] = rule
    return table


CASE_TABLE = _index(CASE_RULES)
ASSIGNMENT_TABLE = _index(ASSIGNMENT_RULES)
CASE_ACTIONS = frozenset(r.action for r in CASE_RULES)
ASSIGNMENT_ACTIONS = frozenset(r.action for r in ASSIGNMENT_RULES)


def _check(
    table: dict[tuple[str, str], Rule], actions: frozenset[str], state: str, action: str, role: str
) -> Rule:
    if action not in actions:
        raise InvalidInput(_("未知操作：{action}").format(action=action), code="unknown_action")
    rule = table.get((state, action))
    if rule is None:
        raise InvalidTransition(
            _("当前状态下不能执行「{action}」").format(action=_label(table, action)),
            state=state,
            action=action,
        )
    if role not in rule.roles:
        raise PermissionDenied(
            _("当前角色无权执行「{action}」").format(action=rule.label), action=action
        )
    return rule


def _label(table: dict[tuple[str, str], Rule], action: str) -> StrOrPromise:
    return next(r.label for r in table.values() if r.action == action)


def check_case(state: str, action: str, role: str) -> Rule:
    """The rule for a case action, or the error that refuses it."""
    return _check(CASE_TABLE, CASE_ACTIONS, state, action, role)


def check_assignment(state: str, action: str, role: str, *, case_state: str) -> Rule:
    """The rule for an assignment action, or the error that refuses it; the case must be
    with the departments (``ASSIGNMENT_CASE_STATES``)."""
    rule = _check(ASSIGNMENT_TABLE, ASSIGNMENT_ACTIONS, state, action, role)
    if case_state not in ASSIGNMENT_CASE_STATES:
        if case_state == S.SUSPENDED:
            message = _("事件已挂账，恢复办理后才能「{action}」")
        else:
            message = _("事件已不在部门办理阶段，不能「{action}」")
        raise InvalidTransition(message.format(action=rule.label), state=case_state, action=action)
    return rule


def enforce(rule: Rule, entity: Any, params: dict[str, Any], reason: str) -> None:
    """The guard and the reason requirement; raise before anything is written."""
    if rule.reason_required and not reason.strip():
        raise InvalidInput(_("「{action}」须填写理由").format(action=rule.label), field="reason")
    if rule.guard is not None:
        message = rule.guard(entity, params)
        if message:
            raise RuleViolation(message, action=rule.action)


def available(table: dict[tuple[str, str], Rule], state: str, role: str) -> list[Rule]:
    return [r for (s, _), r in table.items() if s == state and role in r.roles]


def offered_on_case(case: Any, role: str) -> list[Rule]:
    """What a page offers: the rules open to this role in the case's state whose guard
    passes now (a guard that needs the action's parameters is checked again on submit)."""
    return _passing(CASE_TABLE, case, role)


def offered_on_assignment(assignment: Any, case_state: str, role: str) -> list[Rule]:
    """The same for an assignment: nothing while its case is not with the departments."""
    if case_state not in ASSIGNMENT_CASE_STATES:
        return []
    return _passing(ASSIGNMENT_TABLE, assignment, role)


def _passing(table: dict[tuple[str, str], Rule], entity: Any, role: str) -> list[Rule]:
    return [
        r
        for r in available(table, entity.state, role)
        if r.guard is None or not r.guard(entity, {})
    ]


# --- one submit, several steps ----------------------------------------------------------------


@dataclass(frozen=True)
class Combined:
    """Rules taken one after another in one transaction (both happen or neither), offered as
    one action: an ordinary L2 case is triaged and called in a single submit. Each step is
    still checked against its own rule and recorded as its own event on the trail."""

    action: str
    label: StrOrPromise
    steps: tuple[str, ...]  # case actions, in order


# fmt: off
COMBINED_ACTIONS: tuple[Combined, ...] = (
    Combined("triage_call", pgettext_lazy("action", "研判并呼叫"), ("triage", "call")),
    Combined("triage_dispatch", pgettext_lazy("action", "研判并派单"), ("triage", "hub_dispatch")),
    Combined("grid_settle", pgettext_lazy("action", "就地解决"), ("grid_handle", "complete_self")),
)
# fmt: on


def offered_combined(
    case: Any, role: str, *, item: Any = None, level: int | None = None
) -> list[Combined]:
    """The combined actions a page offers: every step is open to the role from where the
    step before leaves the case, and the guards pass for the level the triage would give:
    ``level`` when the form preselects one, else the item's default. The item is the case's
    own, else ``item``, the one the triage form preselects from the suggestion (without
    either, only the ones that do not triage: 就地解决 needs no level). The level is decided
    by the triage step; a form that picks another item or level is checked again on submit."""
    chosen = getattr(case, "item", None) if case.item_id else item
    probe = copy.copy(case)
    if chosen is not None:
        probe.level = level if level is not None else chosen.default_level
    return [
        c
        for c in COMBINED_ACTIONS
        if (chosen is not None or "triage" not in c.steps) and _all_steps_open(c, probe, role)
    ]


def _all_steps_open(combined: Combined, case: Any, role: str) -> bool:
    chain = combined_chain(combined, case.state)
    return chain is not None and all(
        role in rule.roles and (rule.guard is None or not rule.guard(case, {})) for rule in chain
    )


def combined_chain(combined: Combined, state: str) -> list[Rule] | None:
    """The rules a combined action takes one after another from ``state``, each from where
    the one before leaves the case; None when a step has no rule there."""
    chain = []
    for step in combined.steps:
        rule = CASE_TABLE.get((state, step))
        if rule is None:
            return None
        chain.append(rule)
        if rule.target not in (None, RESTORE):
            state = rule.target
    return chain


#: Who may open a 系统性问题 (a case for a problem that keeps coming back, 反复发生预警) and
#: link the recurring cases to it: the hub, which sees every street's cases.
SYSTEMIC_ROLES = HUB_ROLES
#: Who may place a case in a grid by hand (定位, the 待定位 queue): the hub, which sees the
#: cases no street has.
LOCATE_ROLES = HUB_ROLES

#: Notes the apps above cases put on a trail (``services.notes``): a joint operation that
#: dealt with the case (huying.coordination), a meeting's decision on it. The state stays.
NOTE_ACTIONS = frozenset({"joint_operation.link", "meeting.decide"})
NOTE_ROLES = frozenset({*STREET_ROLES, *HUB_ROLES, R.DISTRICT_LEADER})

#: Trail actions that are not rules of their own (``rating.*``: huying.evaluation's
#: reverse evaluation; ``systemic.*``: a 系统性问题 opened and each recurring case linked to
#: it, whatever state the case is in: a note on its trail, not a step of its lifecycle;
#: ``locate``: the hub placing a case in a grid by hand, ``services.location``).
_TRAIL_LABELS = {
    "submit": pgettext_lazy("action", "上报"),
    "systemic.open": gettext_lazy("发起系统性问题"),
    "systemic.link": gettext_lazy("关联系统性问题"),
    "locate": pgettext_lazy("action", "定位"),
    "joint_operation.link": gettext_lazy("联合执法"),
    "meeting.decide": gettext_lazy("会议决定"),
    "rating.create": gettext_lazy("逆向评议"),
    "rating.correct": gettext_lazy("更正评议"),
    "rating.appeal": gettext_lazy("评议申诉"),
    "rating.uphold_appeal": gettext_lazy("申诉成立"),
    "rating.refuse_appeal": gettext_lazy("申诉驳回"),
}


#: The two tables share action names (rework, urge, supervise, overdue), so an action's full
#: name says its table: a case action's is its own, an assignment action's is
#: ``assignment.<action>`` (``assignment_action``). The trail records full names, and
#: ``action_label`` takes nothing else.
ASSIGNMENT_PREFIX = "assignment."


def assignment_action(action: str) -> str:
    """The full name of an assignment action: ``report_in`` → ``assignment.report_in``."""
    return ASSIGNMENT_PREFIX + action


def action_label(action: str) -> StrOrPromise:
    """An action's name for people, by its full name (a trail event's action)."""
    table = CASE_TABLE
    if action.startswith(ASSIGNMENT_PREFIX):
        action, table = action.removeprefix(ASSIGNMENT_PREFIX), ASSIGNMENT_TABLE
    for rule in table.values():
        if rule.action == action:
            return rule.label
    for combined in COMBINED_ACTIONS:
        if combined.action == action and table is CASE_TABLE:
            return combined.label
    return _TRAIL_LABELS.get(action, action)
