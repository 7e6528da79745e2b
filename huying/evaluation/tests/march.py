"""A fixed March 2026 for the indicator tests, built through the case services with explicit
times (Beijing time). Each case's story is in one line so the expected numbers can be
worked out by hand from this page; the deadline sweep runs at the moments that make the
overdue ones overdue and no others.

Street A (grids 0, 1)
  A1  grid 0, grid worker, call 城管: on time all the way; closed 3 Mar, satisfied.
  A2  grid 0, call 城管: report-in limit (3 Mar 17:30) missed, swept overdue 4 Mar 09:00,
      reported in 4 Mar, result on time; closed 4 Mar, basically satisfied.
  A3  grid 1, call 城管 9 Mar: reported in on time, no result; handling limit 16 Mar 17:30
      swept overdue 20 Mar; open at the end of March.
  A4  grid 0, call 城管 5 Mar: return upheld (misrouted); the hub dispatches 交通局, on
      time; closed 6 Mar, dissatisfied.
  A5  grid 1, self-handled (L1) 10 Mar; closed 11 Mar, satisfied.
  A6  grid 0, call 城管 30 Mar 10:00: never reports in (limit 31 Mar 17:30); open.
  A7  grid 0, grid worker: rejected.     A8  grid 0, grid worker: merged into A1.
  A9  grid 1, call 城管 16 Mar: extension approved, result, sent back for rework once,
      result again on time; closed 25 Mar, satisfied.
  A10 grid 0, call 城管 31 Mar: reported in 31 Mar (limit 1 Apr); closed 1 April.
Street B (grids 2, 3)
  B1  grid 2, grid worker, L3: the hub dispatches 水务局 (lead) and 生态环境局; closed 5 Mar,
      satisfied.
  B2  grid 2, call 城管执法一中队 (a field unit of 城管局); closed 5 Mar, basically satisfied.
  B3  grid 3, call 城管: result 17 Mar; verification limit 19 Mar missed, swept 23 Mar
      10:00, verified 23 Mar 11:00; closed 23 Mar, satisfied.
  B4  grid 2, call 城管, closed in February.     B5  grid 3, reported 1 April.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from huying.cases import services
from huying.cases.models import Assignment, Case
from huying.cases.sweep import sweep_deadlines
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.conftest import World
from huying.org.actors import Actor

from .helpers import at


@dataclass
class March:
    world: World
    cases: dict[str, Case]

    def ids(self, *names: str) -> set[int]:
        return {self.cases[n].pk for n in names}

    @property
    def street_a(self) -> int:
        return self.world.streets[0].pk

    @property
    def street_b(self) -> int:
        return self.world.streets[1].pk

    def department(self, key: str) -> int:
        return self.world.departments[key].pk

    def grid(self, index: int) -> int:
        return self.world.grids[index].pk


def build_march(world: World) -> March:
    w = world
    street, street_b, hub = w.actor("street"), w.actor("street_b"), w.actor("hub")
    cg, jt = w.actor("dept_cg"), w.actor("dept_jt")
    cases: dict[str, Case] = {}

    def report(name: str, grid: int, when: datetime, who: str = "resident") -> Case:
        # Staff report on a resident's behalf, leaving the number to call back (回访).
        extra: dict[str, Any] = {} if who == "resident" else {"reporter_phone": "13800000000"}
        cases[name] = submit(w, who=who, grid=grid, now=when, **extra)
        return cases[name]

    def call(case: Case, when: datetime, caller: Actor, unit: str | None = None) -> Assignment:
        item = w.items[Level.GENERAL].pk
        services.case_triage(actor=caller, case_id=case.pk, item_id=item, now=when)
        dept = w.departments[unit].pk if unit else None
        services.case_call(actor=caller, case_id=case.pk, department_id=dept, now=when)
        return Assignment.objects.filter(case=case).order_by("-pk")[0]

    def work(dept: Actor, a: Assignment, reported: datetime, result: datetime | None) -> None:
        services.assignment_report_in(actor=dept, assignment_id=a.pk, now=reported)
        services.assignment_accept(actor=dept, assignment_id=a.pk, now=reported)
        if result:
            services.assignment_submit_result(
                actor=dept, assignment_id=a.pk, result="已办结", now=result
            )

    def close(case: Case, caller: Actor, verified: datetime, answer: str) -> None:
        services.case_verify(actor=caller, case_id=case.pk, passed=True, now=verified)
        services.case_follow_up(
            actor=caller,
            case_id=case.pk,
            satisfaction=answer,
            now=verified + timedelta(minutes=5),
        )

    a1 = report("A1", 0, at(3, 2), who="grid_worker")
    work(cg, call(a1, at(3, 2), street), at(3, 2, 11), at(3, 3))
    close(a1, street, at(3, 3, 11), "satisfied")

    a2 = report("A2", 0, at(3, 2))
    asg = call(a2, at(3, 2), street)
    sweep_deadlines(now=at(3, 4, 9))
    work(cg, asg, at(3, 4, 10), at(3, 4, 11))
    close(a2, street, at(3, 4, 12), "basic")

    a3 = report("A3", 1, at(3, 9))
    work(cg, call(a3, at(3, 9), street), at(3, 9, 11), None)
    sweep_deadlines(now=at(3, 20))

    a4 = report("A4", 0, at(3, 5))
    asg = call(a4, at(3, 5), street)
    services.assignment_request_return(
        actor=cg, assignment_id=asg.pk, reason="不属本局职责", now=at(3, 5, 11)
    )
    services.assignment_rule_return(actor=hub, assignment_id=asg.pk, uphold=True, now=at(3, 5, 12))
    services.case_hub_dispatch(
        actor=hub, case_id=a4.pk, lead_department_id=w.departments["jt"].pk, now=at(3, 5, 13)
    )
    work(jt, Assignment.objects.get(case=a4, department__code="D-jt"), at(3, 5, 14), at(3, 6))
    close(a4, street, at(3, 6, 11), "dissatisfied")

    a5 = report("A5", 1, at(3, 10))
    services.case_triage(
        actor=street, case_id=a5.pk, item_id=w.items[Level.SIMPLE].pk, now=at(3, 10)
    )
    services.case_self_handle(actor=street, case_id=a5.pk, now=at(3, 10))
    services.case_complete_self(actor=street, case_id=a5.pk, result="已劝离", now=at(3, 11))
    close(a5, street, at(3, 11, 11), "satisfied")

    a7 = report("A7", 0, at(3, 12), who="grid_worker")
    services.case_reject(actor=street, case_id=a7.pk, reason="重复上报的旧问题", now=at(3, 12, 11))
    a8 = report("A8", 0, at(3, 12, 10, 5), who="grid_worker")
    services.case_merge(actor=street, case_id=a8.pk, master_id=a1.pk, now=at(3, 12, 11))

    a9 = report("A9", 1, at(3, 16))
    asg = call(a9, at(3, 16), street)
    work(cg, asg, at(3, 16, 11), None)
    services.assignment_request_extension(
        actor=cg, assignment_id=asg.pk, until=at(3, 27, 17, 30), reason="需采购配件", now=at(3, 17)
    )
    services.assignment_rule_extension(
        actor=hub, assignment_id=asg.pk, approve=True, now=at(3, 17, 11)
    )
    services.assignment_submit_result(actor=cg, assignment_id=asg.pk, result="已修", now=at(3, 24))
    services.case_verify(
        actor=street, case_id=a9.pk, passed=False, reason="路灯仍不亮", now=at(3, 24, 11)
    )
    services.assignment_submit_result(actor=cg, assignment_id=asg.pk, result="已换", now=at(3, 25))
    close(a9, street, at(3, 25, 11), "satisfied")

    b1 = report("B1", 2, at(3, 3), who="grid_worker_b")
    services.case_triage(
        actor=street_b, case_id=b1.pk, item_id=w.items[Level.COMPLEX].pk, now=at(3, 3)
    )
    services.case_hub_dispatch(
        actor=hub,
        case_id=b1.pk,
        lead_department_id=w.departments["sw"].pk,
        co_department_ids=[w.departments["hb"].pk],
        now=at(3, 3, 11),
    )
    for key, done in [("sw", at(3, 5)), ("hb", at(3, 5, 11))]:
        a = Assignment.objects.get(case=b1, department=w.departments[key])
        work(w.actor(f"dept_{key}"), a, at(3, 3, 12), done)
    close(b1, street_b, at(3, 5, 12), "satisfied")

    b2 = report("B2", 2, at(3, 4))
    work(w.actor("dept_cg_unit"), call(b2, at(3, 4), street_b, "cg_unit"), at(3, 4, 11), at(3, 5))
    close(b2, street_b, at(3, 5, 11), "basic")

    b3 = report("B3", 3, at(3, 16))
    work(cg, call(b3, at(3, 16), street_b), at(3, 16, 11), at(3, 17))
    sweep_deadlines(now=at(3, 23))
    close(b3, street_b, at(3, 23, 11), "satisfied")

    a6 = report("A6", 0, at(3, 30))
    call(a6, at(3, 30), street)

    a10 = report("A10", 0, at(3, 31))
    work(cg, call(a10, at(3, 31), street), at(3, 31, 11), at(4, 1))
    close(a10, street, at(4, 1, 11), "satisfied")

    b4 = report("B4", 2, at(2, 24))
    work(cg, call(b4, at(2, 24), street_b), at(2, 24, 11), at(2, 25))
    close(b4, street_b, at(2, 25, 11), "satisfied")

    report("B5", 3, at(4, 1))
    for name, case in cases.items():
        cases[name] = Case.objects.get(pk=case.pk)
    return March(world, cases)
