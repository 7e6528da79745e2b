"""Verifying the hash-chained trail (闭环留痕), and the rows against it.

Three checks per case:

1. the chain: sequence, links, and each event's seal (keyed, or the old unkeyed scheme for
   events sealed before the key; see ``huying.core.audit``);
2. the anchors (``huying.cases.anchors``): the event at each anchored head still has the
   anchored hash, so a rewrite up to it shows even when resealed with the key;
3. the rows: replaying the events' recorded changes gives the case's and its assignments'
   values (``huying.cases.replay``); a row that differs was changed around the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.cases.anchors import Anchors, append_anchor, load_anchors
from huying.cases.models import Assignment, Case, CaseEvent
from huying.cases.replay import Mismatch, compare, replay
from huying.cases.services.engine import event_payload, seal
from huying.core.audit import GENESIS, KEYED, UNKEYED, chain_hash
from huying.core.trailkey import key_id


@dataclass(frozen=True)
class Break:
    case_number: str
    seq: int
    problem: str


@dataclass
class TrailReport:
    cases: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    #: Events still sealed with the unkeyed scheme (``verify-trail --rekey`` seals them).
    unkeyed_events: int = 0
    #: Cases whose trail began before events recorded row changes: only their state and
    #: their assignments' states (and whatever later events recorded) are compared.
    partly_replayed: int = 0
    anchored_cases: int = 0
    anchor_problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not (self.breaks or self.mismatches or self.anchor_problems)


def verify_case(case: Case, events: list[CaseEvent], anchors: Anchors | None = None) -> list[Break]:
    breaks: list[Break] = []
    prev = GENESIS
    keyed_seen = False
    unkeyed_bar = anchors.unkeyed_through if anchors else None
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            breaks.append(
                Break(case.number, event.seq, _("序号不连续：应为 {seq}").format(seq=expected_seq))
            )
        if event.prev_hash != prev:
            breaks.append(Break(case.number, event.seq, _("前序哈希不符（事件被删除或重排）")))
        if event.hash_version == UNKEYED and (
            keyed_seen or event.changes or (unkeyed_bar is not None and event.pk > unkeyed_bar)
        ):
            # Nothing seals new events without the key: an unkeyed one after a keyed one,
            # one that records row changes (only keyed events do), or one newer than
            # anchoring began was resealed by someone without the key.
            breaks.append(Break(case.number, event.seq, _("事件未用密钥封存（被降级重算）")))
        elif event.hash_version not in (UNKEYED, KEYED) or seal(event) != event.hash:
            breaks.append(Break(case.number, event.seq, _("内容哈希不符（事件被篡改）")))
        keyed_seen = keyed_seen or event.hash_version == KEYED
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
    anchored = anchors.heads.get(case.pk) if anchors else None
    if anchored is not None:
        seq, head = anchored
        if len(events) < seq:
            breaks.append(Break(case.number, seq, _("锚定的事件已不存在（锚定后被删除）")))
        elif events[seq - 1].hash != head:
            breaks.append(Break(case.number, seq, _("与锚点不符（锚定前的事件被改写）")))
    return breaks


def verify_trails(*, batch: int = 500, report: TrailReport | None = None) -> Iterator[Break]:
    """Walk every case's chain in batches; yields each break found (the row mismatches and
    counts go into ``report``)."""
    report = report if report is not None else TrailReport()
    anchors = load_anchors()
    report.anchor_problems.extend(anchors.problems)
    seen: set[int] = set()
    last_id = 0
    while True:
        cases = list(Case.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not cases:
            break
        by_case: dict[int, list[CaseEvent]] = {c.pk: [] for c in cases}
        for event in CaseEvent.objects.filter(case_id__in=by_case).order_by("case_id", "seq"):
            by_case[event.case_id].append(event)
        assignments: dict[int, list[Assignment]] = {c.pk: [] for c in cases}
        for a in Assignment.objects.filter(case_id__in=by_case).order_by("pk"):
            assignments[a.case_id].append(a)
        for case in cases:
            events = by_case[case.pk]
            seen.add(case.pk)
            report.cases += 1
            report.events += len(events)
            report.unkeyed_events += sum(e.hash_version == UNKEYED for e in events)
            report.anchored_cases += case.pk in anchors.heads
            yield from verify_case(case, events, anchors)
            replayed = replay(events)
            report.partly_replayed += not replayed.complete
            report.mismatches.extend(compare(case, assignments[case.pk], replayed))
        last_id = cases[-1].pk
    for case_id in sorted(set(anchors.heads) - seen):
        yield Break(f"#{case_id}", anchors.heads[case_id][0], _("锚定的事件已不存在（整件被删除）"))


def check_trails(*, batch: int = 500) -> TrailReport:
    report = TrailReport()
    report.breaks.extend(verify_trails(batch=batch, report=report))
    return report


def rekey(*, batch: int = 200) -> int:
    """Reseal every unkeyed event with the trail key; returns how many were resealed.

    Refuses unless the whole trail verifies first: resealing a tampered chain would launder
    the tampering. The old and new heads of every resealed case go into an anchor record,
    so what the unkeyed chain said stays on file."""
    report = check_trails()
    if not report.intact:
        raise RekeyRefused(report)
    resealed = 0
    heads: dict[str, list[object]] = {}
    case_ids = (
        CaseEvent.objects.filter(hash_version=UNKEYED)
        .order_by("case_id")
        .values_list("case_id", flat=True)
        .distinct()
    )
    ids = list(case_ids)
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            for case in Case.objects.select_for_update().filter(pk__in=ids[start : start + batch]):
                events = list(case.events.order_by("seq"))
                # Checked again under the lock: the case may have moved since the full check.
                if verify_case(case, events, None):
                    raise RekeyRefused(check_trails())
                old_head = case.trail_head
                prev = GENESIS
                for event in events:
                    resealed += event.hash_version == UNKEYED
                    event.prev_hash, event.hash_version = prev, KEYED
                    event.hash = chain_hash(prev, event_payload(event), KEYED)
                    prev = event.hash
                CaseEvent.objects.bulk_update(events, ["prev_hash", "hash_version", "hash"])
                Case.objects.filter(pk=case.pk, trail_head=old_head).update(trail_head=prev)
                heads[str(case.pk)] = [len(events), prev, old_head]
    now = timezone.now()
    anchors = load_anchors()
    append_anchor(
        {
            "kind": "rekey",
            "at": now.isoformat(),
            # The regular anchors go on from where they were: a re-key pins only its cases.
            "through": anchors.through,
            "unkeyed_through": 0,
            "key_id": key_id(),
            "heads": heads,
        },
        now=now,
        previous=anchors,
    )
    return resealed


class RekeyRefused(Exception):
    def __init__(self, report: TrailReport) -> None:
        super().__init__("the trail does not verify: not resealed")
        self.report = report
