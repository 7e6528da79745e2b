"""The transition table as Markdown (docs/lifecycle.md is generated from it and tested)."""

from __future__ import annotations

from django.utils import translation

from huying.cases import rules
from huying.cases.models import AssignmentState, CaseState
from huying.org.models import Role


def _roles(rule: rules.Rule) -> str:
    labels = {r: str(Role(r).label) for r in Role.values}
    labels[rules.SYSTEM] = "系统"
    return "、".join(labels[r] for r in sorted(rule.roles))


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
        guard = rule.guard.__name__.strip("_") if rule.guard else ""
        rows.append(
            f"| `{rule.action}` | {rule.label} | {sources} | {target} | {_roles(rule)} | "
            f"{'是' if rule.reason_required else ''} | {guard} |"
        )
    return rows


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
        "## 派单状态 assignment states",
        "",
        ", ".join(f"`{s}` {AssignmentState(s).label}" for s in AssignmentState.values),
        "",
        "## 派单动作 assignment actions",
        "",
        *_rows(rules.ASSIGNMENT_RULES, AssignmentState),
        "",
    ]
    return "\n".join(lines)
