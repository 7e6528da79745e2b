"""The transition table as Markdown (docs/lifecycle.md is generated from it and tested)."""

from __future__ import annotations

from django.utils import translation

from huying.cases import rules
from huying.cases.models import AssignmentState, CaseState
from huying.org.models import Role


def _roles(roles: frozenset[str]) -> str:
    labels = {r: str(Role(r).label) for r in Role.values}
    labels[rules.SYSTEM] = "系统"
    return "、".join(labels[r] for r in sorted(roles))


def _guard(rule: rules.Rule) -> str:
    return rule.guard.__name__.strip("_") if rule.guard else ""


def _rows(
    table: tuple[rules.Rule, ...], states: type[CaseState] | type[AssignmentState]
) -> list[str]:
    label = {s: str(states(s).label) for s in states.values}
    rows = [
        "| 动作 action | 名称 | 从 from | 到 to | 角色 roles | 须说明理由 | 守卫 guard |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in table:
        sources = "、".join(label[s] for s in sorted(rule.sources))
        target = (
            "（不变）"
            if rule.target is None
            else "（恢复原状态）"
            if rule.target == rules.RESTORE
            else label[rule.target]
        )
        rows.append(
            f"| `{rule.action}` | {rule.label} | {sources} | {target} | {_roles(rule.roles)} | "
            f"{'是' if rule.reason_required else ''} | {_guard(rule)} |"
        )
    return rows


def _combined_rows() -> list[str]:
    """One row per combined action and state it starts from: its steps, where the last one
    leaves the case, the roles every step allows and every step's guard."""
    label = {s: str(CaseState(s).label) for s in CaseState.values}
    rows = [
        "| 动作 action | 名称 | 依次执行 steps | 从 from | 到 to | 角色 roles | 守卫 guard |",
        "|---|---|---|---|---|---|---|",
    ]
    for combined in rules.COMBINED_ACTIONS:
        for state in CaseState.values:
            chain = rules.combined_chain(combined, state)
            if chain is None:
                continue
            roles = frozenset.intersection(*(rule.roles for rule in chain))
            targets = [r.target for r in chain if r.target not in (None, rules.RESTORE)]
            steps = " → ".join(f"`{r.action}` {r.label}" for r in chain)
            guards = "、".join(g for g in map(_guard, chain) if g)
            rows.append(
                f"| `{combined.action}` | {combined.label} | {steps} | {label[state]} | "
                f"{label[targets[-1]] if targets else '（不变）'} | {_roles(roles)} | {guards} |"
            )
    return rows


def _cross_rules() -> list[str]:
    def states(values: frozenset[str], kind: type[CaseState] | type[AssignmentState]) -> str:
        return "、".join(str(kind(s).label) for s in kind.values if s in values)

    return [
        f"- 派单动作只在事件处于「{states(rules.ASSIGNMENT_CASE_STATES, CaseState)}」时可做"
        "（`ASSIGNMENT_CASE_STATES`）：事件挂账时，部门的任何动作都不能改变它，时钟也不会重新起算；"
        "恢复办理后各时钟按挂账时剩余的时间继续。",
        "- 同一部门在一个事件的本轮办理中至多有一个在办派单"
        f"（{states(rules.LIVE_ASSIGNMENT_STATES, AssignmentState)}，`LIVE_ASSIGNMENT_STATES`）；"
        "派单或增派协办时重复指定的部门被拒绝。",
        "- 一轮办理怎样收束（`engine.settle_round`，部门反馈、退回成立或撤回之后）："
        "主办部门退出（退回成立或被撤回）时本轮结束，仍在办理的协办部门由系统一并撤回"
        "（已反馈的保留办理结果），事件回到待派单重新派单；"
        "其余部门都已反馈时，事件交呼叫街道核查。",
        "- 拆分后原事件为「已拆分」，不再是有效事件：统计中按一次上报计，各子问题各计一件有效事件。",
    ]


def render() -> str:
    """The document shows the rules' source (Chinese) labels, whatever language is active."""
    with translation.override("zh-hans"):
        return _render()


def _render() -> str:
    lines = [
        "# 事件生命周期 / Case lifecycle",
        "",
        "Generated from `huying/cases/rules.py` by `huying lifecycle-doc > docs/lifecycle.md`;",
        "a test fails when the two differ. Anything not listed is refused (409 for the state,",
        "403 for the role) and changes nothing.",
        "",
        "## 事件状态 case states",
        "",
        ", ".join(f"`{s}` {CaseState(s).label}" for s in CaseState.values),
        "",
        "## 事件动作 case actions",
        "",
        *_rows(rules.CASE_RULES, CaseState),
        "",
        "## 一次提交的组合动作 combined actions",
        "",
        "几个事件动作在同一个事务里依次执行（`COMBINED_ACTIONS`），都成或都不成：每一步仍按它在上表的"
        "规则检查（状态、角色、守卫；守卫看研判定下的等级），在轨迹上各记一条；任何一步被拒绝，"
        "前面的步骤一并撤销，什么也不改变。角色是每一步都允许的角色。",
        "",
        *_combined_rows(),
        "",
        "## 派单状态 assignment states",
        "",
        ", ".join(f"`{s}` {AssignmentState(s).label}" for s in AssignmentState.values),
        "",
        "## 派单动作 assignment actions",
        "",
        *_rows(rules.ASSIGNMENT_RULES, AssignmentState),
        "",
        "## 派单与事件 assignments and their case",
        "",
        *_cross_rules(),
        "",
    ]
    return "\n".join(lines)
