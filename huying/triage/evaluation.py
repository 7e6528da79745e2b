"""How good the suggestion is, measured on labelled reports (``huying triage-eval``):
k-fold cross-validation of the blended suggestion, and the cold start (no history) apart.

A labelled report names its item by code, its level (1–4) and its lead department (name or
code); the catalogue is any version in the database (a district's own list imported from
its spreadsheet included), so the figures say how the suggestion does for *that* district.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from huying.catalogue.models import CatalogueItem
from huying.catalogue.suggest import item_terms
from huying.core.errors import InvalidInput
from huying.core.spreadsheets import sheet_rows
from huying.core.text import add_words
from huying.triage.learn import fit
from huying.triage.model import Example, Model
from huying.triage.suggest import blend

FOLDS = 5
SEED = 20261205


@dataclass(frozen=True)
class Labelled:
    text: str
    item: str
    level: int
    department: str
    source: str = ""


@dataclass
class Tally:
    """Counts of one slice of the reports (all of them, one item, one level…)."""

    n: int = 0
    top1: int = 0
    top3: int = 0
    level: int = 0
    department: int = 0
    all_three: int = 0

    def add(self, *, top1: bool, top3: bool, level: bool, department: bool) -> None:
        self.n += 1
        self.top1 += top1
        self.top3 += top3
        self.level += level
        self.department += department
        self.all_three += top1 and level and department

    def rates(self) -> dict[str, float]:
        n = self.n or 1
        return {
            "n": self.n,
            "top1": self.top1 / n,
            "top3": self.top3 / n,
            "level": self.level / n,
            "department": self.department / n,
            "all_three": self.all_three / n,
        }


@dataclass
class Report:
    """The figures of one way of suggesting (cold start, or k-fold with learning)."""

    overall: Tally = field(default_factory=Tally)
    by_item: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_level: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_source: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.rates(),
            "by_level": {k: t.rates() for k, t in sorted(self.by_level.items())},
            "by_source": {k: t.rates() for k, t in sorted(self.by_source.items())},
            "by_item": {k: t.rates() for k, t in sorted(self.by_item.items())},
        }


def read_labelled(path: Path) -> list[Labelled]:
    """JSONL (one object a line) or XLSX (columns 内容/text, 来源/source, 事项编码/item,
    等级/level, 部门/department)."""
    if path.suffix.lower() == ".xlsx":
        with path.open("rb") as f:
            rows = sheet_rows(
                f,
                columns=["内容", "来源", "事项编码", "等级", "部门"],
                required=["内容", "事项编码"],
                max_rows=200_000,
            )
        records = [
            {
                "text": r.get("内容"),
                "source": r.get("来源"),
                "item": r.get("事项编码"),
                "level": r.get("等级"),
                "department": r.get("部门"),
            }
            for _line, r in rows
        ]
    else:
        records = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InvalidInput(
                        _("第 %(n)d 行不是 JSON：%(e)s") % {"n": number, "e": exc.msg}
                    ) from exc
    out = []
    for number, r in enumerate(records, start=1):
        text, item = str(r.get("text") or "").strip(), str(r.get("item") or "").strip()
        if not text or not item:
            raise InvalidInput(_("第 %(n)d 条缺少内容或事项编码") % {"n": number})
        out.append(
            Labelled(
                text=text,
                item=item,
                level=int(r.get("level") or 0),
                department=str(r.get("department") or "").strip(),
                source=str(r.get("source") or "").strip(),
            )
        )
    return out


def folds(labelled: Sequence[Labelled], k: int = FOLDS) -> Iterator[tuple[list[int], list[int]]]:
    """Stratified k folds (each item's reports dealt round the folds after a seeded shuffle):
    (train indices, test indices)."""
    by_item: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(labelled):
        by_item[row.item].append(i)
    rng = random.Random(SEED)
    fold_of: dict[int, int] = {}
    offset = 0
    for item in sorted(by_item):
        members = by_item[item]
        rng.shuffle(members)
        for j, i in enumerate(members):
            fold_of[i] = (offset + j) % k
        offset += len(members)
    for f in range(k):
        test = [i for i in range(len(labelled)) if fold_of[i] == f]
        train = [i for i in range(len(labelled)) if fold_of[i] != f]
        yield train, test


def _department_matches(item: CatalogueItem | None, wanted: str) -> bool:
    lead = item.lead_department if item else None
    if lead is None:
        return not wanted
    return wanted in (lead.name, lead.code)


def _judge(
    report: Report, row: Labelled, items: Sequence[CatalogueItem], model: Model | None
) -> None:
    result = blend(row.text, "", items, model, top=3)
    codes = [s.item.code for s in result.items]
    top = result.items[0].item if result.items else None
    verdict = {
        "top1": bool(codes) and codes[0] == row.item,
        "top3": row.item in codes,
        "level": result.level == row.level,
        "department": _department_matches(top, row.department),
    }
    for tally in (
        report.overall,
        report.by_item[row.item],
        report.by_level[row.level],
        report.by_source[row.source or "—"],
    ):
        tally.add(**verdict)


def evaluate(
    labelled: Sequence[Labelled], items: Sequence[CatalogueItem], *, k: int = FOLDS
) -> dict[str, Report]:
    """``cold``: every report suggested with no history; ``kfold``: each fold suggested by a
    model trained on the other folds, blended with the cold start as in production."""
    known = {item.code for item in items}
    unknown = sorted({row.item for row in labelled} - known)
    if unknown:
        raise InvalidInput(
            _("标注数据中的事项编码不在所选清单中：%(codes)s") % {"codes": "、".join(unknown[:10])}
        )
    add_words([w for item in items for w in item_terms(item)])
    cold, kfold = Report(), Report()
    for row in labelled:
        _judge(cold, row, items, None)
    for train, test in folds(labelled, k):
        model = fit([Example(labelled[i].text, labelled[i].item) for i in train])
        for i in test:
            _judge(kfold, labelled[i], items, model)
    return {"cold": cold, "kfold": kfold}
