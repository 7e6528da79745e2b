"""A spreadsheet import planned row by row before anything is written: each row's action and
what is wrong with it, so that the dry run, the error report and the import itself read one
plan (the 12345 tickets, the gazetteer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"


@dataclass
class PlannedRow:
    line: int
    action: str = ERROR
    raw: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


Row = TypeVar("Row", bound=PlannedRow)


@dataclass
class Plan(Generic[Row]):
    rows: list[Row]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in (CREATE, UPDATE, UNCHANGED, ERROR)}


def tell(
    write: Callable[[str], object],
    plan: Plan[Any],
    *,
    dry_run: bool,
    counts: dict[str, int] | None = None,
) -> None:
    """What a command line import says of its plan: the counts (``counts`` where the plan
    holds only the refused rows), then each refused row."""
    c = counts or plan.counts()
    verb = "将" if dry_run else "已"
    write(
        f"{verb}新建 create: {c['create']}  {verb}更新 update: {c['update']}  "
        f"未变 unchanged: {c['unchanged']}  错误 errors: {c['error']}"
    )
    for row in plan.rows:
        for column, message in row.errors:
            write(f"  第 {row.line} 行 {column}: {message}")
