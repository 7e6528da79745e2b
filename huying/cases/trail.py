"""Verifying the hash-chained trail (闭环留痕)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from huying.cases.models import Case, CaseEvent
from huying.cases.services import event_payload
from huying.core.audit import GENESIS, chain_hash


@dataclass(frozen=True)
class Break:
    case_number: str
    seq: int
    problem: str


def verify_case(case: Case, events: list[CaseEvent]) -> list[Break]:
    breaks: list[Break] = []
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            breaks.append(
                Break(case.number, event.seq, _("序号不连续：应为 {seq}").format(seq=expected_seq))
            )
        if event.prev_hash != prev:
            breaks.append(Break(case.number, event.seq, _("前序哈希不符（事件被删除或重排）")))
        if chain_hash(event.prev_hash, event_payload(event)) != event.hash:
            breaks.append(Break(case.number, event.seq, _("内容哈希不符（事件被篡改）")))
        prev = event.hash
    if case.trail_head != prev:
        breaks.append(Break(case.number, len(events), _("链尾与事件记录不符（末尾事件缺失）")))
    if case.version != len(events):
        breaks.append(
            Break(
                case.number,
                len(events),
                _("版本 {version} 与事件数 {count} 不符").format(
                    version=case.version, count=len(events)
                ),
            )
        )
    return breaks


def verify_trails(*, batch: int = 500) -> Iterator[Break]:
    """Walk every case's chain in batches; yields each break found."""
    last_id = 0
    while True:
        cases = list(Case.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not cases:
            return
        by_case: dict[int, list[CaseEvent]] = {c.pk: [] for c in cases}
        for event in CaseEvent.objects.filter(case_id__in=by_case).order_by("case_id", "seq"):
            by_case[event.case_id].append(event)
        for case in cases:
            yield from verify_case(case, by_case[case.pk])
        last_id = cases[-1].pk
