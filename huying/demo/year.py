"""A year of cases in the demo district, driven through the lifecycle services.

Every case is a small script (a generator) that acts as the right person at simulated
moments: it yields the time of its next step and the scheduler resumes it then. Scripts of
all cases interleave in time order; the deadline sweep runs once a simulated day, so
overdue flags, automatic supervision and escalation happen for real. One transaction per
simulated day.

The plain cases (L1, handled in the grid on time, verified at the first go, followed up
within the year and not reopened; ≈ 85 % of a year) take the same steps without the round
trips: ``huying.demo.bulk`` builds their rows (and stores their photos) with the engine's
own event builder, rule table and file store and writes them a day at a time. Every other
case — every department route, rework, escalation, suspension, reopening, merge master
and the cases still open at the year's end — goes through the services. The random choices of a
simple case are drawn up front (``_Plan.fate``), so which road it takes does not depend on
how it is written.

Proportions follow the reference district (docs/glossary.md §7): ~95 % simple cases handled by the street itself (L1),
~5 % general or above (L2 对口呼叫, L3 呼应办两次派单, a handful of L4 区领导逆向派单), ~99 %
completion and ~97 % satisfaction; the most recent cases are left open in various states.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import inspect
import io
import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import astuple, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone
from openpyxl import Workbook
from shapely.geometry import Point, shape

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseEvent, CaseState, Satisfaction, Source
from huying.cases.selectors import currently_overdue
from huying.cases.sweep import sweep_deadlines
from huying.catalogue.models import CatalogueItem, Level
from huying.core.errors import DomainError, RuleViolation
from huying.core.selectors import calendar_year_status
from huying.core.services import calendar_year_confirm
from huying.core.workcalendar import WorkCalendar, load_calendar
from huying.demo.bulk import PlainCase, PlainWriter
from huying.demo.district import DemoDistrict
from huying.demo.photos import DemoPhotos
from huying.demo.texts import report_text
from huying.evaluation.models import (
    AnnualReview,
    AppealState,
    Rating,
    RatingAppeal,
    RespondentType,
    SurveyBatch,
    SurveyResponse,
)
from huying.evaluation.rules import Scores
from huying.evaluation.scores import annual_scores
from huying.evaluation.selectors import department_of, responding_units
from huying.evaluation.services import (
    annual_review_set,
    rating_appeal,
    rating_create,
    rating_rule_appeal,
    survey_form_enter,
    survey_import,
)
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant

S = CaseState
#: A case script yields the moment of its next step and is resumed at that moment.
Script = Generator[datetime, datetime, None]
Sub = Generator[datetime, datetime, datetime]

SWEEP_EVERY = timedelta(days=1)
OPEN_STATES = frozenset(
    {S.SUBMITTED, S.TRIAGED, S.SELF_HANDLING, S.IN_PROGRESS, S.SUSPENDED, S.VERIFYING, S.FOLLOW_UP}
)

# --- proportions ---------------------------------------------------------------------------

#: Share of all reports by kind (the rest are simple L1 cases).
SHARES = {
    "general": 0.030,
    "complex": 0.013,
    "major": 0.002,
    "reject": 0.010,
    "merge": 0.012,
}
#: Minimum counts so that a small run still shows every route.
MINIMUMS = {"general": 4, "complex": 3, "major": 1, "reject": 2, "merge": 2}

P_L1_LATE = 0.02  # completes after its deadline: the sweep escalates it
P_L1_ESCALATE = 0.015  # the grid worker hands it up to the community (大事不出社区)
P_L1_REWORK = 0.012
P_L1_SUSPEND = 0.003
P_L1_URGE = 0.01
P_DEPT_LATE_REPORT = 0.05
P_DEPT_LATE_RESULT = 0.05
P_RETURN = 0.08  # of L2 calls
P_RETURN_UPHELD = 0.7
P_EXTENSION = 0.10
P_EXTENSION_APPROVED = 0.75
P_DEPT_REWORK = 0.05
P_DEPT_SUSPEND = 0.03
P_URGE = 0.08
P_SUPERVISE = 0.05
P_L3_CO_AT_ONCE = 0.3
P_DISSATISFIED = 0.035
P_BASIC = 0.09
P_REOPEN = 0.35
P_APPEAL = 0.25  # of ratings under 80: the department disputes it
P_APPEAL_UPHELD = 0.4
#: The streets get round to rating within days, the hub to ruling within weeks: cases
#: verified in the year's last days wait in 待评议, the last appeals in 申诉待裁定.
RATE_PENDING_DAYS = 10
APPEAL_PENDING_DAYS = 45
#: 群众评价 of the demo year: forms from each kind of respondent, each scoring a handful of
#: departments; a few typed in by hand, the rest imported as one XLSX file per kind.
SURVEY_FORMS_PER_CASE = 0.27  # ≈ 1,200 forms for the default 4,500 cases
SURVEY_FORMS_MIN = 60
SURVEY_TYPED = 12
SURVEY_DEPARTMENTS = (3, 7)
SURVEY_KINDS: tuple[tuple[str, float], ...] = (
    (RespondentType.RESIDENT, 0.6), (RespondentType.COMMUNITY, 0.25), (RespondentType.PUBLIC, 0.15),
)  # fmt: skip
ANNUAL_COMMENTS = (
    "报到及时，配合街道工作积极主动", "处置专业，群众反映较好", "个别事件办理拖延，需加强沟通",
    "主动对接街道，问题解决彻底", "协办事项响应偏慢，建议明确对接人",
)  # fmt: skip
ARCHIVE_AFTER_DAYS = (30, 45)
#: Plain cases (written in bulk) are reported at least this long before the year's end: the
#: last days' cases are left open in various states by the services (a later one that is
#: not followed up within the year is refused by the bulk writer and goes there too).
PLAIN_BEFORE = timedelta(days=2)

#: Relative report volume per hour of the day (local time).
HOUR_WEIGHTS = (
    0.10, 0.06, 0.04, 0.04, 0.05, 0.10, 0.25, 0.60, 1.30, 2.00, 2.20, 1.80,
    1.00, 1.10, 1.80, 2.00, 1.80, 1.30, 0.90, 0.80, 0.70, 0.50, 0.30, 0.15,
)  # fmt: skip

#: (source, share) for simple and general reports.
SOURCES = (
    (Source.GRID_PATROL, 0.40),
    (Source.HOTLINE, 0.28),
    (Source.RESIDENT, 0.13),
    (Source.STREET_CHIEF, 0.07),
    (Source.INFORMANT, 0.05),
    (Source.INSPECTION, 0.04),
    (Source.MEDIA, 0.01),
    (Source.LEADER, 0.01),
    (Source.API, 0.01),
)

ROADS = (
    "锦华路", "东大街", "水碾河路", "望平街", "莲桂南路", "静康路", "晨辉路", "双林路",
    "牛王庙街", "九眼桥北路", "红星中路", "书院街", "玉双路", "成龙大道", "迎晖路", "琉璃路",
    "太平南街", "天仙桥北路", "合江亭路", "东光小区路", "驸马街", "沙河堡路",
)  # fmt: skip
PLACES = (
    "小区门口", "农贸市场旁", "十字路口", "公交站台", "学校门口", "背街小巷", "商铺门前",
    "地铁站出口", "老旧院落", "河堤步道", "公园东门", "菜市场后巷", "幼儿园旁", "社区广场",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周何罗廖曾邓谢唐冯宋郑蒋韩彭"
REJECT_REASONS = (
    "不属于受理范围：系民事合同纠纷，已告知通过诉讼途径解决",
    "信息不全：无法确定具体位置，多次联系反映人未果",
    "不属于受理范围：属于企业内部管理事项",
    "重复咨询类诉求，已当场解答",
)
RETURN_REASONS = (
    "经现场核实，该点位不属于本部门管辖，建议派至权属单位",
    "问题涉及产权单位维修责任，非本部门职责",
    "经核查系小区内部设施，应由物业及住建部门处理",
)
EXTENSION_REASONS = (
    "需协调产权单位并等待材料采购，申请延期",
    "涉及多户居民意见征集，需延长办理时限",
    "受连续降雨影响无法施工，申请延期",
)
PROGRESS_NOTES = (
    "已到场核实，正在制定处置方案",
    "已约谈责任单位，责令限期整改",
    "已安排作业队伍，正在组织处置",
    "已完成现场初步处置，持续跟进中",
)
REWORK_REASONS = (
    "现场核查仍有残留问题，需返工",
    "整改不彻底，群众反映问题反弹，请返工处理",
    "处置照片与现场不符，请重新处置",
)
SUSPEND_REASONS = (
    "等待产权单位确认及资金落实",
    "需待汛期结束后方可施工",
    "涉及司法程序，待法院判决后处理",
)
DISSATISFIED_NOTES = ("问题只解决了一部分", "处理速度太慢", "过几天又反弹了")


@dataclass
class YearStats:
    cases: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    by_route: dict[str, int] = field(default_factory=dict)
    by_satisfaction: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    completion_rate: float = 0.0
    satisfaction_rate: float = 0.0
    overdue_cases: int = 0
    overdue_assignments: int = 0
    open_overdue: int = 0
    assignments: int = 0
    returns: int = 0
    returns_upheld: int = 0
    extensions: int = 0
    extensions_approved: int = 0
    reworks: int = 0
    reopens: int = 0
    escalations: int = 0
    urges: int = 0
    supervisions: int = 0
    suspensions: int = 0
    ratings: int = 0
    rating_mean: float = 0.0
    appeals: int = 0
    appeals_upheld: int = 0
    appeals_pending: int = 0
    ratings_waiting: int = 0
    demo_year: int = 0
    photos: int = 0
    annual_reviews: int = 0
    survey_forms: int = 0
    survey_batches: int = 0
    annual_scored: int = 0
    annual_seconds: float = 0.0
    events: int = 0
    steps: int = 0
    #: Plain cases written in bulk, and their steps (events).
    bulk_cases: int = 0
    bulk_steps: int = 0
    sweeps: int = 0
    refused_steps: int = 0
    refusals: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Years the calendar did not know, confirmed as Monday–Friday demo data.
    demo_calendar_years: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        def fmt(d: dict[str, int]) -> str:
            return "  ".join(f"{k} {v}" for k, v in d.items())

        calendar = [
            f"工作日历 calendar: {y} 年节假日未录入，已按演示数据确认（{DEMO_CALENDAR_NOTE}）"
            f" / {y} confirmed as demo data, Monday–Friday"
            for y in self.demo_calendar_years
        ]
        return [
            *calendar,
            f"事件 cases: {self.cases}   轨迹 events: {self.events}   派单 assignments: {self.assignments}"
            f"   照片 photos: {self.photos}",
            f"等级 by level: {fmt(self.by_level)}",
            f"状态 by state: {fmt(self.by_state)}",
            f"路径 by route: {fmt(self.by_route)}",
            f"来源 by source: {fmt(self.by_source)}",
            f"回访 satisfaction: {fmt(self.by_satisfaction)}",
            f"办结率 completion: {self.completion_rate:.1%}   "
            f"满意率 satisfaction: {self.satisfaction_rate:.1%}",
            f"曾超期 overdue: {self.overdue_cases} 事件 cases / {self.overdue_assignments} 派单 "
            f"assignments; 当前超期 open & overdue now: {self.open_overdue}",
            f"退回 returns: {self.returns} (同意 upheld {self.returns_upheld})   "
            f"延期 extensions: {self.extensions} (批准 approved {self.extensions_approved})   "
            f"返工 reworks: {self.reworks}   重启 reopens: {self.reopens}",
            f"上报 escalations: {self.escalations}   催办 urges: {self.urges}   "
            f"督办 supervisions: {self.supervisions}   挂账 suspensions: {self.suspensions}",
            f"逆向评议 ratings: {self.ratings} (平均 mean {self.rating_mean:.1f})   "
            f"申诉 appeals: {self.appeals} (成立 upheld {self.appeals_upheld}, "
            f"待裁定 pending {self.appeals_pending})   待评议 waiting: {self.ratings_waiting}",
            f"{self.demo_year} 年度评议 annual reviews: {self.annual_reviews}   "
            f"群众评价 survey forms: {self.survey_forms} ({self.survey_batches} 批 batches)   "
            f"有年度考评得分的部门 departments with an annual score: {self.annual_scored}   "
            f"用时 seconds: {self.annual_seconds:.1f}",
            f"服务调用 service calls: {self.steps}   批量写入 bulk-written: {self.bulk_cases} "
            f"事件 cases / {self.bulk_steps} 步 steps   巡检 sweeps: {self.sweeps}   "
            f"被拒步骤 refused steps: {self.refused_steps}   用时 seconds: {self.seconds:.1f}",
        ]


# --- who acts ---------------------------------------------------------------------------------


class _Actors:
    """Every active grant loaded once; the first grant (by pk) per (role, unit) acts."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, int], Actor] = {}
        grants = RoleGrant.objects.select_related("user", "unit").filter(is_active=True)
        for grant in grants.order_by("pk"):
            self.by_key.setdefault((grant.role, grant.unit_id), Actor.from_grant(grant))

    def get(self, role: str, unit_id: int | None) -> Actor:
        actor = self.by_key.get((role, unit_id or 0))
        if actor is None:
            raise LookupError(f"演示区缺少角色 {role} @ {unit_id}")
        return actor

    def first(self, role: str) -> Actor:
        return next(a for (r, _), a in self.by_key.items() if r == role)


# --- the plan of one case ---------------------------------------------------------------------


@dataclass
class _Plan:
    kind: str  # simple / general / complex / major / reject / merge
    reported_at: datetime
    grid: OrgUnit
    item: CatalogueItem
    source: str
    master: _Plan | None = None
    case_id: int = 0
    tail: bool = False
    #: Set by the handling scripts: the case now waits for verification, and by which route.
    verifying: bool = False
    self_route: bool = False
    reopened: bool = False
    rated: bool = False
    #: The department never reports in: an open, overdue case for the queues.
    stuck: bool = False
    #: A simple case's random choices, drawn when planned; each is used once (``_draw``).
    fate: dict[str, float] = field(default_factory=dict)
    #: Written in bulk (``huying.demo.bulk``) rather than through the services.
    plain: bool = False
    #: (road, spot, house number) of the report, once written.
    address: tuple[str, str, int] | None = None


@dataclass(frozen=True)
class _Place:
    grid: OrgUnit
    street_id: int
    community_id: int
    polygon: Any
    points: list[tuple[float, float]]


class _Simulation:
    def __init__(
        self, district: DemoDistrict, year_end: datetime, cases: int, rng: random.Random
    ) -> None:
        self.d = district
        self.year_end = year_end
        self.start = year_end - timedelta(days=365)
        self.n = cases
        self.rng = rng
        self.cal: WorkCalendar = load_calendar()
        self.actors = _Actors()
        self.hub = self.actors.get(Role.HUB_DISPATCHER, district.hub.pk)
        self.hubsup = self.actors.get(Role.HUB_SUPERVISOR, district.hub.pk)
        self.leader = self.actors.get(Role.DISTRICT_LEADER, district.district.pk)
        self.admin = self.actors.get(Role.ADMIN, district.district.pk)
        self.resident = self.actors.first(Role.RESIDENT)
        items = CatalogueItem.objects.filter(pk__in=[i.pk for i in district.items])
        self.items = list(items.prefetch_related("co_departments").order_by("pk"))
        self.co: dict[int, list[int]] = {
            i.pk: [d.pk for d in i.co_departments.all()] for i in self.items
        }
        self.by_level: dict[int, list[CatalogueItem]] = {}
        for item in self.items:
            self.by_level.setdefault(item.default_level, []).append(item)
        self.communities = {c.pk: c for c in district.communities}
        self.streets = {s.pk: s for s in district.streets}
        self.places = [self._place(g) for g in district.grids]
        self.grid_weights = [rng.uniform(0.4, 1.8) for _ in self.places]
        self.place_of = {p.grid.pk: p for p in self.places}
        # 城管 calls from a street go to that street's 综合执法中队.
        cg_units = district.field_units.get("cg", [])
        self.cg_unit_of = {s.pk: u for s, u in zip(district.streets, cg_units, strict=False)}
        self.dept_ids = [d.pk for d in district.departments.values()]
        self.heap: list[tuple[datetime, int, Script | None]] = []
        self.bulk = PlainWriter(sweeps=[], year_end=year_end)
        self.order = itertools.count()
        self.stats = YearStats()
        self.photos = DemoPhotos(enabled=False)
        #: The resident account's cases: their report and its result always have a photo.
        self.residents_cases: set[int] = set()
        #: (assignment, department) still on a case after its departments fed back (rework).
        self.live: dict[int, list[tuple[int, int]]] = {}

    # --- geometry and text --------------------------------------------------------------------

    def _place(self, grid: OrgUnit) -> _Place:
        polygon = shape(grid.boundary)
        community = self.communities[cast(int, grid.parent_id)]
        return _Place(grid, cast(int, community.parent_id), community.pk, polygon, [])

    def point_in(self, place: _Place) -> tuple[float, float]:
        """(lat, lng) inside the grid: its representative point plus jitter."""
        if len(place.points) < 12:
            minx, miny, maxx, maxy = place.polygon.bounds
            anchor = place.polygon.representative_point()
            for _ in range(60):
                lng = round(anchor.x + self.rng.gauss(0, (maxx - minx) / 4), 6)
                lat = round(anchor.y + self.rng.gauss(0, (maxy - miny) / 4), 6)
                if place.polygon.contains(Point(lng, lat)):
                    place.points.append((lat, lng))
                    break
            else:
                place.points.append((round(anchor.y, 6), round(anchor.x, 6)))
            return place.points[-1]
        return self.rng.choice(place.points)

    def reporter(self) -> tuple[str, str]:
        name = self.rng.choice(SURNAMES) + self.rng.choice(("先生", "女士"))
        phone = "1" + self.rng.choice("3578") + f"{self.rng.randrange(10**9):09d}"
        return name, phone

    # --- time ----------------------------------------------------------------------------------

    def daytime(self, t: datetime, *, workday: bool = False) -> datetime:
        """The first office moment (08:30–18:00, optionally on a workday) at or after t."""
        local = t.astimezone(self.year_end.tzinfo)
        for _ in range(30):
            day_ok = not workday or self.cal.is_workday(local.date())
            opens = local.replace(hour=8, minute=30, second=0, microsecond=0)
            closes = local.replace(hour=18, minute=0, second=0, microsecond=0)
            if day_ok and local < opens:
                return opens + timedelta(minutes=self.rng.randrange(0, 90))
            if day_ok and local < closes:
                return local
            local = opens + timedelta(days=1) - timedelta(hours=1)
        return local

    def after(self, t: datetime, lo_hours: float, hi_hours: float, **kw: bool) -> datetime:
        return self.daytime(t + timedelta(hours=self.rng.uniform(lo_hours, hi_hours)), **kw)

    def minutes(self, t: datetime, lo: float, hi: float) -> datetime:
        return t + timedelta(minutes=self.rng.uniform(lo, hi))

    # --- planning ----------------------------------------------------------------------------

    def plan(self) -> list[_Plan]:
        rng, n = self.rng, self.n
        counts = {k: max(MINIMUMS[k], round(n * s)) for k, s in SHARES.items()}
        counts["simple"] = max(0, n - sum(counts.values()))
        kinds = [k for k, c in counts.items() for _ in range(c)][:n]
        rng.shuffle(kinds)
        times = sorted(self._report_times(len(kinds)))
        # The last cases stay open in various states: force a few into the last two days,
        # among them at least one of each department route.
        tail = min(len(times), max(6, n // 250))
        for i in range(tail):
            times[-1 - i] = self.year_end - timedelta(minutes=rng.uniform(5, 48 * 60))
        times.sort()
        for want, pos in (("general", -2), ("complex", -4)):
            if want in kinds[: len(kinds) - tail] and want not in kinds[-tail:]:
                j = kinds.index(want)
                kinds[j], kinds[pos] = kinds[pos], kinds[j]
        plans: list[_Plan] = []
        level_of = {"simple": 1, "general": 2, "complex": 3, "major": 4}
        masters: list[_Plan] = []
        for idx, (kind, at) in enumerate(zip(kinds, times, strict=True)):
            place = rng.choices(self.places, weights=self.grid_weights)[0]
            level = level_of.get(kind, 1)
            item = rng.choice(self.by_level[level])
            source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
            if kind == "major":
                source = rng.choice((Source.HOTLINE, Source.GRID_PATROL))
            plan = _Plan(kind, at, place.grid, item, source, tail=idx >= len(kinds) - tail)
            if kind == "merge":
                if not masters:
                    plan.kind = "reject"
                else:
                    master = rng.choice(masters[-20:])
                    plan.master, plan.grid, plan.item = master, master.grid, master.item
                    plan.reported_at = min(
                        master.reported_at + timedelta(minutes=rng.uniform(10, 180)),
                        self.year_end - timedelta(minutes=1),
                    )
            if kind in ("simple", "general"):
                masters.append(plan)
            plans.append(plan)
        plans.sort(key=lambda p: p.reported_at)
        recent = [
            p
            for p in plans
            if p.kind in ("general", "complex")
            and timedelta(days=5) < self.year_end - p.reported_at < timedelta(days=20)
        ]
        for p in recent[-max(2, n // 2000) :]:
            p.stuck = True
        masters_used = {id(p.master) for p in plans if p.master is not None}
        for p in plans:
            if p.kind != "simple":
                continue
            p.fate = {
                k: rng.random() for k in ("route", "late", "rework", "satisfaction", "reopen")
            }
            p.plain = (
                id(p) not in masters_used
                and p.reported_at < self.year_end - PLAIN_BEFORE
                and p.fate["route"] >= P_L1_ESCALATE + P_L1_SUSPEND + P_L1_URGE
                and p.fate["late"] >= P_L1_LATE
                and p.fate["rework"] >= P_L1_REWORK
                and not (p.fate["satisfaction"] < P_DISSATISFIED and p.fate["reopen"] < P_REOPEN)
                and not (p.source == Source.RESIDENT and p.grid.pk == self.resident.unit.pk)
            )
        return plans

    def _draw(self, plan: _Plan, name: str) -> float:
        """The plan's drawn choice ``name`` the first time, a fresh draw after that."""
        value = plan.fate.pop(name, None)
        return self.rng.random() if value is None else value

    def _report_times(self, n: int) -> list[datetime]:
        """More on workdays and in office hours, a mild summer peak."""
        rng = self.rng
        start_local = self.start.astimezone(self.year_end.tzinfo)
        days = [start_local.date() + timedelta(days=i) for i in range(366)]
        weights = []
        for day in days:
            w = 1.0 if self.cal.is_workday(day) else 0.55
            w *= 1 + 0.2 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
            weights.append(w)
        out: list[datetime] = []
        while len(out) < n:
            day = rng.choices(days, weights=weights)[0]
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            at = datetime(
                day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
                tzinfo=self.year_end.tzinfo,
            )  # fmt: skip
            if self.start <= at < self.year_end:
                out.append(at)
        return out

    # --- running -----------------------------------------------------------------------------

    def run(self, progress: Callable[[int, int], None] | None) -> None:
        for plan in self.plan():
            self.push(plan.reported_at, self.case_script(plan))
        t = self.start + SWEEP_EVERY
        sweeps = []
        while t <= self.year_end:
            self.push(t, None)
            sweeps.append(t)
            t += SWEEP_EVERY
        self.bulk = PlainWriter(sweeps=[*sweeps, self.year_end], year_end=self.year_end)
        day = self.start
        total_days = 365
        done = 0
        while self.heap:
            day_end = min(day + timedelta(days=1), self.year_end)
            with transaction.atomic():
                while self.heap and self.heap[0][0] <= day_end:
                    at, _, script = heapq.heappop(self.heap)
                    if script is None:
                        sweep_deadlines(now=at)
                        self.stats.sweeps += 1
                    else:
                        self.resume(script, at)
                self.bulk.flush()
            done += 1
            if progress is not None:
                progress(min(done, total_days), total_days)
            if day_end >= self.year_end:
                break
            day = day_end
        sweep_deadlines(now=self.year_end)
        self.stats.bulk_cases, self.stats.bulk_steps = self.bulk.cases, self.bulk.steps

    def push(self, at: datetime, script: Script | None) -> None:
        if at <= self.year_end:
            heapq.heappush(self.heap, (at, next(self.order), script))
        elif script is not None:
            script.close()

    def resume(self, script: Script, at: datetime) -> None:
        try:
            if inspect.getgeneratorstate(script) == inspect.GEN_CREATED:
                nxt = next(script)
            else:
                nxt = script.send(at)
        except StopIteration:
            return
        except DomainError as exc:  # a rule refused a step: report it, the case stays put
            self.stats.refused_steps += 1
            if len(self.stats.refusals) < 20:
                self.stats.refusals.append(f"{type(exc).__name__}: {exc}")
            return
        self.push(max(nxt, at), script)

    # --- acting ---------------------------------------------------------------------------------

    def call(self, fn: Callable[..., Any], **kw: Any) -> Any:
        self.stats.steps += 1
        return fn(**kw)

    def photo(self, t: datetime, *, fixed: bool, always: bool = False) -> list[Any]:
        """A photo for this step, or none (see ``DemoPhotos``)."""
        recent = t > self.year_end - timedelta(days=DemoPhotos.RECENT_DAYS)
        return self.photos.maybe(recent=recent, always=always, fixed=fixed)

    def street(self, plan: _Plan) -> Actor:
        return self.actors.get(Role.STREET_CALLER, self.place_of[plan.grid.pk].street_id)

    def grid_worker(self, plan: _Plan) -> Actor:
        return self.actors.get(Role.GRID_WORKER, plan.grid.pk)

    def community(self, plan: _Plan) -> Actor:
        return self.actors.get(Role.COMMUNITY_STAFF, self.place_of[plan.grid.pk].community_id)

    def dept(self, unit_id: int) -> Actor:
        return self.actors.get(Role.DEPT_HANDLER, unit_id)

    def submitter(self, plan: _Plan) -> tuple[Actor, dict[str, Any]]:
        src, extra = plan.source, {}
        if src in (Source.HOTLINE, Source.RESIDENT, Source.MEDIA):
            name, phone = self.reporter()
            extra = {"reporter_name": name, "reporter_phone": phone}
        if src == Source.RESIDENT and plan.grid.pk == self.resident.unit.pk:
            return self.resident, {}
        if src in (Source.HOTLINE, Source.MEDIA):
            return self.hub, extra
        if src == Source.INSPECTION:
            return self.street(plan), extra
        if src == Source.LEADER:
            return self.leader, extra
        if src == Source.API:
            return self.admin, extra
        return self.grid_worker(plan), extra  # patrol, resident via the grid, chiefs, informants

    def report(self, plan: _Plan, extra: dict[str, Any]) -> tuple[str, str, str]:
        """(title, description, address) of the plan's report, in its channel's words
        (``huying.demo.texts``). A duplicate is reported at its master's address."""
        rng = self.rng
        if plan.master is not None and plan.master.address is not None:
            road, spot, number = plan.master.address
        else:
            road, spot, number = rng.choice(ROADS), rng.choice(PLACES), rng.randrange(1, 300)
        plan.address = (road, spot, number)
        title, description = report_text(
            plan.item.code, plan.source, rng, road, spot,
            number=number, caller=extra.get("reporter_name", ""),
        )  # fmt: skip
        return title, description, f"{road}{number}号"

    # --- the scripts ----------------------------------------------------------------------------

    def plain_case(self, plan: _Plan) -> PlainCase:
        """The plain road of a simple case, drawn as ``case_script``, ``self_handle`` and
        ``close`` draw it."""
        rng = self.rng
        t = plan.reported_at
        place = self.place_of[plan.grid.pk]
        lat, lng = self.point_in(place)
        actor, extra = self.submitter(plan)
        title, description, address = self.report(plan, extra)
        times = [t]
        times.append(self.after(t, 0.15, 3))  # triage
        times.append(self.minutes(times[-1], 1, 20))  # self_handle
        times.append(self.after(times[-1], 1, 30))  # complete_self
        times.append(self.after(times[-1], 1, 20))  # verify_pass
        times.append(self.after(times[-1], 2, 30))  # follow_up
        days = rng.uniform(*ARCHIVE_AFTER_DAYS)
        times.append(self.daytime(times[-1] + timedelta(days=days), workday=True))  # archive
        roll = plan.fate["satisfaction"]
        if roll < P_DISSATISFIED:
            satisfaction = Satisfaction.DISSATISFIED
        elif roll < P_DISSATISFIED + P_BASIC:
            satisfaction = Satisfaction.BASIC
        else:
            satisfaction = Satisfaction.SATISFIED
        note = rng.choice(DISSATISFIED_NOTES) if satisfaction == Satisfaction.DISSATISFIED else ""
        community = self.communities[place.community_id]
        return PlainCase(
            reporter=actor,
            street_actor=self.street(plan),
            worker=self.grid_worker(plan),
            follow_up_by=self.hub if plan.source == Source.HOTLINE else self.community(plan),
            archive_by=self.hub,
            grid=plan.grid,
            district=self.d.district,
            street=self.streets[place.street_id],
            community=community,
            item=plan.item,
            source=plan.source,
            title=title,
            description=description,
            address=address,
            lat=lat,
            lng=lng,
            reporter_name=extra.get("reporter_name", ""),
            reporter_phone=extra.get("reporter_phone", ""),
            result=f"已处置：{plan.item.closing_condition or '问题已解决'}",
            satisfaction=satisfaction,
            satisfaction_note=note,
            times=times,
        )

    def case_script(self, plan: _Plan) -> Script:
        rng = self.rng
        t = plan.reported_at
        report_photos = None
        if plan.plain:
            spec = self.plain_case(plan)
            spec.report_photos = report_photos = self.photo(t, fixed=False)
            spec.result_photos = self.photo(spec.times[3], fixed=True)
            if self.bulk.add(spec):
                return
            # Not plain after all: the report's photo goes with the services' report (at the
            # same moment); the result, if any, comes at another, with a photo drawn then.
            self.photos.unused(spec.result_photos)
        plan.plain = False
        place = self.place_of[plan.grid.pk]
        lat, lng = self.point_in(place)
        actor, extra = self.submitter(plan)
        title, description, address = self.report(plan, extra)
        case = self.call(
            services.case_submit,
            actor=actor,
            title=title,
            description=description,
            source=plan.source,
            lat=lat,
            lng=lng,
            address=address,
            files=(
                report_photos
                if report_photos is not None
                else self.photo(t, fixed=False, always=actor is self.resident)
            ),
            now=t,
            **extra,
        )
        plan.case_id = cid = case.pk
        if actor is self.resident:
            self.residents_cases.add(cid)
        street = self.street(plan)
        major = plan.kind == "major"
        t = yield (self.minutes(t, 3, 15) if major else self.after(t, 0.15, 3))
        if plan.kind == "reject":
            self.call(
                services.case_reject, actor=street, case_id=cid,
                reason=rng.choice(REJECT_REASONS), now=t,
            )  # fmt: skip
            return
        if plan.kind == "merge":
            assert plan.master is not None
            self.call(
                services.case_merge, actor=street, case_id=cid, master_id=plan.master.case_id,
                reason=f"与 {plan.master.case_id} 号事件反映同一问题", now=t,
            )  # fmt: skip
            return
        self.call(services.case_triage, actor=street, case_id=cid, item_id=plan.item.pk, now=t)
        t = yield from self.handle(plan, t, plan.item.default_level, first=True)
        t = yield from self.close(plan, t)

    def handle(self, plan: _Plan, t: datetime, level: int, *, first: bool) -> Sub:
        """From triaged to verifying, by the route the level calls for."""
        if level == Level.SIMPLE:
            return (yield from self.self_handle(plan, t, first=first))
        cid, rng, street = plan.case_id, self.rng, self.street(plan)
        if level == Level.MAJOR:
            t = yield self.minutes(t, 3, 15)
            co = self.co[plan.item.pk]
            made = self.call(
                services.case_leader_dispatch, actor=self.leader, case_id=cid,
                co_department_ids=co, note="区领导逆向派单，请立即到场处置", now=t,
            )  # fmt: skip
            if rng.random() < 0.5:
                t = yield self.minutes(t, 5, 30)
                self._supervise(cid, self.leader, "区领导督办：务必尽快处置到位", t)
            return (yield from self.departments(plan, t, made, major=True, first=first))
        if level == Level.GENERAL and (plan.kind == "general" or not first):
            t = yield self.minutes(t, 2, 30)
            unit = self._call_target(plan)
            made = self.call(
                services.case_call, actor=street, case_id=cid,
                department_id=unit, note="对口呼叫", now=t,
            )  # fmt: skip
            return (yield from self.departments(plan, t, made, first=first))
        # L3, or an L1 that the sweep escalated to the hub (now L3): 呼应办两次派单.
        t = yield self.after(t, 0.3, 3)
        co = self.co[plan.item.pk] if level == Level.COMPLEX else []
        at_once = rng.random() < P_L3_CO_AT_ONCE or not first
        made = self.call(
            services.case_hub_dispatch, actor=self.hub, case_id=cid,
            lead_department_id=plan.item.lead_department_id,
            co_department_ids=co if at_once else [], note="呼应办派单", now=t,
        )  # fmt: skip
        if co and not at_once:
            t = yield self.after(t, 1, 20, workday=True)
            made += self.call(
                services.case_add_co_handler, actor=self.hub, case_id=cid,
                department_ids=co, note="二次派单：增派协办部门联动处置", now=t,
            )  # fmt: skip
        return (yield from self.departments(plan, t, made, first=first))

    def _call_target(self, plan: _Plan) -> int:
        lead = cast(int, plan.item.lead_department_id)
        if lead == self.d.departments["cg"].pk:
            unit = self.cg_unit_of.get(self.place_of[plan.grid.pk].street_id)
            if unit is not None:
                return unit.pk
        return lead

    def self_handle(self, plan: _Plan, t: datetime, *, first: bool) -> Sub:
        rng, cid = self.rng, plan.case_id
        street = self.street(plan)
        t = yield self.minutes(t, 1, 20)
        self.call(services.case_self_handle, actor=street, case_id=cid, note="小事不出网格", now=t)
        worker = self.grid_worker(plan)
        roll = self._draw(plan, "route") if first else 1.0
        if roll < P_L1_ESCALATE:
            t = yield self.after(t, 1, 8)
            self.call(
                services.case_escalate, actor=worker, case_id=cid,
                reason="涉及多户居民及物业，需社区统筹协调", now=t,
            )  # fmt: skip
            worker = self.community(plan)
        elif roll < P_L1_ESCALATE + P_L1_SUSPEND:
            t = yield self.after(t, 2, 10)
            self.call(
                services.case_suspend, actor=self.hub, case_id=cid,
                reason=rng.choice(SUSPEND_REASONS), now=t,
            )  # fmt: skip
            t = yield self.after(t, 48, 200)
            self.call(services.case_resume, actor=self.hub, case_id=cid, note="条件具备", now=t)
        elif roll < P_L1_ESCALATE + P_L1_SUSPEND + P_L1_URGE:
            t = yield self.after(t, 3, 20)
            self.call(
                services.case_urge, actor=self.hub, case_id=cid, note="群众再次来电，请加快处置",
                now=t,
            )  # fmt: skip
        late = first and self._draw(plan, "late") < P_L1_LATE
        t = yield (self.after(t, 100, 180) if late else self.after(t, 1, 30))
        if late:
            state, tier = Case.objects.filter(pk=cid).values_list("state", "tier").get()
            if state == S.TRIAGED:  # the sweep escalated it all the way to the hub
                return (yield from self.handle(plan, t, Level.COMPLEX, first=False))
            if state != S.SELF_HANDLING:
                plan.verifying = False
                return t
            if tier == "community":
                worker = self.community(plan)
            elif tier == "street":
                worker = street
        self.call(
            services.case_complete_self, actor=worker, case_id=cid,
            result=f"已处置：{plan.item.closing_condition or '问题已解决'}",
            files=self.photo(t, fixed=True, always=cid in self.residents_cases), now=t,
        )  # fmt: skip
        plan.verifying, plan.self_route = True, True
        return t

    def departments(
        self, plan: _Plan, t: datetime, made: list[Assignment], *, major: bool = False,
        first: bool = True,
    ) -> Sub:  # fmt: skip
        """Each department reports in, accepts, reports progress and feeds back."""
        rng, cid = self.rng, plan.case_id
        live: list[Assignment] = []
        if plan.stuck:  # nobody reports in: the sweep flags it and puts it under supervision
            return t
        returned = first and plan.kind == "general" and rng.random() < P_RETURN
        for a in made:
            actor = self.dept(a.department_id)
            late = rng.random() < (0.1 if major else P_DEPT_LATE_REPORT)
            if major:
                t = yield self.minutes(t, 35, 70) if late else self.minutes(t, 3, 12)
            elif late:
                t = yield self.daytime(
                    a.report_in_due_at + timedelta(hours=rng.uniform(2, 40)), workday=True
                )
            else:
                t = yield self.after(t, 0.3, 6, workday=True)
            a = self.call(services.assignment_report_in, actor=actor, assignment_id=a.pk, now=t)
            if returned and a.role == "lead":
                t = yield self.after(t, 1, 6, workday=True)
                self.call(
                    services.assignment_request_return, actor=actor, assignment_id=a.pk,
                    reason=rng.choice(RETURN_REASONS), now=t,
                )  # fmt: skip
                t = yield self.after(t, 1, 8, workday=True)
                uphold = rng.random() < P_RETURN_UPHELD
                a = self.call(
                    services.assignment_rule_return, actor=self.hub, assignment_id=a.pk,
                    uphold=uphold, reason="经核实，同意退回" if uphold else "经核实属本部门职责，请继续办理",
                    now=t,
                )  # fmt: skip
                if uphold:  # the case goes back to the hub for a new lead department
                    t = yield self.after(t, 0.5, 4)
                    target = self.co[plan.item.pk] or [
                        d for d in self.dept_ids if d != plan.item.lead_department_id
                    ]
                    again = self.call(
                        services.case_hub_dispatch, actor=self.hub, case_id=cid,
                        lead_department_id=rng.choice(target), note="退回后重新派单", now=t,
                    )  # fmt: skip
                    return (yield from self.departments(plan, t, again, first=False))
                # Refused: back to where it was (reported in), so it still has to accept.
            t = yield (self.minutes(t, 1, 10) if major else self.after(t, 0, 2, workday=True))
            a = self.call(services.assignment_accept, actor=actor, assignment_id=a.pk, now=t)
            live.append(a)
        roll = rng.random() if first else 1.0
        if roll < P_DEPT_SUSPEND and not major:
            t = yield self.after(t, 4, 30)
            self.call(
                services.case_suspend, actor=self.hub, case_id=cid,
                reason=rng.choice(SUSPEND_REASONS), now=t,
            )  # fmt: skip
            t = yield self.after(t, 48, 240)
            self.call(
                services.case_resume, actor=self.hub, case_id=cid, note="条件具备，恢复办理", now=t
            )
            live = list(Assignment.objects.filter(pk__in=[a.pk for a in live]))
        elif roll < P_DEPT_SUSPEND + P_URGE:
            t = yield (self.minutes(t, 30, 240) if major else self.after(t, 4, 48))
            self.call(services.case_urge, actor=self.hub, case_id=cid, note="请加快办理进度", now=t)
        if first and not major and rng.random() < P_SUPERVISE:
            t = yield self.after(t, 2, 30)
            self._supervise(cid, self.hubsup, "群众反映强烈，列入督办", t)
        for a in live:
            actor = self.dept(a.department_id)
            if first and not major and rng.random() < P_EXTENSION and a.handle_due_at:
                t = yield self.after(t, 2, 24, workday=True)
                until = a.handle_due_at + timedelta(days=rng.choice((3, 5, 7)))
                self.call(
                    services.assignment_request_extension, actor=actor, assignment_id=a.pk,
                    until=until, reason=rng.choice(EXTENSION_REASONS), now=t,
                )  # fmt: skip
                t = yield self.after(t, 1, 8, workday=True)
                approve = rng.random() < P_EXTENSION_APPROVED
                a = self.call(
                    services.assignment_rule_extension, actor=self.hub, assignment_id=a.pk,
                    approve=approve, reason="" if approve else "理由不充分，请按原时限办结", now=t,
                )  # fmt: skip
            t = yield (self.minutes(t, 20, 240) if major else self.after(t, 2, 30, workday=True))
            self.call(
                services.assignment_post_progress, actor=actor, assignment_id=a.pk,
                note=rng.choice(PROGRESS_NOTES), now=t,
            )  # fmt: skip
        for a in live:
            actor = self.dept(a.department_id)
            due = a.handle_due_at or t
            if major:
                t = yield self.minutes(t, 60, 36 * 60)
            elif rng.random() < P_DEPT_LATE_RESULT:
                t = yield self.daytime(max(t, due) + timedelta(hours=rng.uniform(4, 72)))
            else:
                span = max(1.0, min(72.0, (due - t).total_seconds() / 3600 * 0.6))
                t = yield self.after(t, 0.5, span, workday=True)
            self.call(
                services.assignment_submit_result, actor=actor, assignment_id=a.pk,
                result=f"办理完毕：{plan.item.closing_condition or '问题已解决'}",
                files=self.photo(t, fixed=True, always=plan.case_id in self.residents_cases),
                now=t,
            )  # fmt: skip
        self.live[plan.case_id] = [(a.pk, a.department_id) for a in live]
        plan.verifying, plan.self_route = True, False
        return t

    def _supervise(self, cid: int, actor: Actor, note: str, t: datetime) -> None:
        with contextlib.suppress(RuleViolation):  # the sweep may have put it under supervision
            self.call(services.case_supervise, actor=actor, case_id=cid, note=note, now=t)

    def rate(self, plan: _Plan, street: Actor, t: datetime) -> None:
        """逆向评议: the street scores each unit that answered — a department, or the
        street's stationed 综合执法中队 on its own — mostly well; a late or reworked answer
        scores lower, and a low score is now and then appealed (by the department's leader,
        for a field unit too)."""
        rng, cid = self.rng, plan.case_id
        case = Case.objects.get(pk=cid)
        plan.rated = True
        for dept_id, unit in responding_units(case).items():
            late = case.overdue or case.rework_count
            base = 14 if late else 18
            scores = Scores(*(max(8, min(20, base + rng.randint(-3, 2))) for _ in range(5)))
            reason = ""
            if scores.total < 60:
                reason = "报到和办理明显滞后，群众反映强烈"
            elif scores.total == 100:
                reason = "报到迅速，处置专业到位，群众满意"
            rating = self.call(
                rating_create, actor=street, case_id=cid, department_id=dept_id, scores=scores,
                reason=reason, now=t,
            )  # fmt: skip
            if scores.total < 80 and rng.random() < P_APPEAL:
                handler = self.actors.get(Role.DEPT_LEADER, department_of(unit).pk)
                t2 = t + timedelta(hours=rng.uniform(2, 24))
                self.call(
                    rating_appeal, actor=handler, rating_id=rating.pk,
                    reason="已按时到场处置，延误系产权单位配合不及时", now=t2,
                )  # fmt: skip
                upheld = rng.random() < P_APPEAL_UPHELD
                adjusted = Scores(*(min(20, v + 2) for v in astuple(scores))) if upheld else None
                t3 = t2 + timedelta(hours=rng.uniform(2, 24))
                if t3 > self.year_end - timedelta(days=APPEAL_PENDING_DAYS):
                    continue  # the hub has not ruled yet: 申诉待裁定
                self.call(
                    rating_rule_appeal, actor=self.hub, rating_id=rating.pk, uphold=upheld,
                    scores=adjusted, now=t3,
                    reason="经核实，申诉理由成立" if upheld else "经核实，评议符合实际",
                )  # fmt: skip

    def close(self, plan: _Plan, t: datetime) -> Sub:
        """核查 (with the odd rework), 回访, maybe 重启 once, and 备案 a month later."""
        rng, cid = self.rng, plan.case_id
        street = self.street(plan)
        if not plan.verifying:
            return t
        plan.verifying = False
        self_route = plan.self_route
        t = yield self.after(t, 1, 20)
        if self._draw(plan, "rework") < (P_L1_REWORK if self_route else P_DEPT_REWORK):
            self.call(
                services.case_verify, actor=street, case_id=cid, passed=False,
                reason=rng.choice(REWORK_REASONS), now=t,
            )  # fmt: skip
            if self_route:
                t = yield self.after(t, 2, 30)
                self.call(
                    services.case_complete_self, actor=self.grid_worker(plan), case_id=cid,
                    result="已按核查意见返工处置到位", now=t,
                )  # fmt: skip
            else:
                for pk, dept_id in self.live.get(cid, []):
                    t = yield self.after(t, 4, 48, workday=True)
                    self.call(
                        services.assignment_submit_result, actor=self.dept(dept_id),
                        assignment_id=pk, result="已按核查意见返工，问题整改到位", now=t,
                    )  # fmt: skip
            t = yield self.after(t, 1, 20)
        verified = self.call(services.case_verify, actor=street, case_id=cid, passed=True, now=t)
        waiting = t > self.year_end - timedelta(days=RATE_PENDING_DAYS)  # 待评议
        if not self_route and not plan.rated and not waiting:
            t = yield self.after(t, 1, 8)
            self.rate(plan, street, t)
        if verified.state == S.CLOSED:  # nobody to call back: closed as it passed the check
            t = yield self.daytime(
                t + timedelta(days=rng.uniform(*ARCHIVE_AFTER_DAYS)), workday=True
            )
            self.call(
                services.case_archive, actor=self.hub, case_id=cid, note="资料齐全，备案", now=t
            )
            return t
        t = yield self.after(t, 2, 30)
        hotline = plan.source == Source.HOTLINE
        caller = self.hub if hotline else self.community(plan)
        reopened = plan.reopened
        roll = self._draw(plan, "satisfaction")
        if roll < P_DISSATISFIED and not reopened:
            satisfaction = Satisfaction.DISSATISFIED
        elif roll < P_DISSATISFIED + P_BASIC:
            satisfaction = Satisfaction.BASIC
        else:
            satisfaction = Satisfaction.SATISFIED
        note = rng.choice(DISSATISFIED_NOTES) if satisfaction == Satisfaction.DISSATISFIED else ""
        self.call(
            services.case_follow_up, actor=caller, case_id=cid, satisfaction=satisfaction,
            note=note, now=t,
        )  # fmt: skip
        if satisfaction == Satisfaction.DISSATISFIED and self._draw(plan, "reopen") < P_REOPEN:
            t = yield self.after(t, 2, 48)
            again = self.call(
                services.case_reopen, actor=self.hub if hotline else street, case_id=cid,
                reason=f"群众不满意：{note}，重启办理", now=t,
            )  # fmt: skip
            plan.reopened = True
            level = again.level
            t = yield from self.handle(plan, t, level or Level.SIMPLE, first=False)
            t = yield from self.close(plan, t)
            return t
        t = yield self.daytime(t + timedelta(days=rng.uniform(*ARCHIVE_AFTER_DAYS)), workday=True)
        self.call(services.case_archive, actor=self.hub, case_id=cid, note="资料齐全，备案", now=t)
        return t


def demo_year(year_end: datetime) -> int:
    """The calendar year the annual evaluation is entered for: the one most of the simulated
    days fall in (the current year from July on, the previous one before)."""
    local = timezone.localtime(year_end)
    return local.year if local.month >= 7 else local.year - 1


class _AnnualInputs:
    """年度评议 and 群众评价 of the demo year, through the services: each street reviews every
    department, the hub types a few survey forms in and imports the rest, one XLSX per kind
    of respondent. A department's marks follow its year of ratings, with some noise."""

    def __init__(self, sim: _Simulation) -> None:
        self.sim, self.rng = sim, sim.rng
        self.year = demo_year(sim.year_end)
        self.at = sim.year_end - timedelta(days=3)
        self.departments = sorted(sim.d.departments.values(), key=lambda d: d.code)
        period = Rating.objects.filter(department__in=self.departments, verified_at__year=self.year)
        means = dict(
            period.values_list("department_id").annotate(m=Avg("effective_total")).order_by()
        )
        self.base = {d.pk: float(means.get(d.pk) or 85.0) for d in self.departments}

    def mark(self, department_id: int, spread: float, decimals: int) -> Decimal:
        value = self.base[department_id] + self.rng.gauss(0, spread)
        return Decimal(str(round(min(100.0, max(45.0, value)), decimals)))

    def reviews(self) -> None:
        for street in self.sim.d.streets:
            actor = self.sim.actors.get(Role.STREET_CALLER, street.pk)
            for d in self.departments:
                comment = self.rng.choice(ANNUAL_COMMENTS) if self.rng.random() < 0.3 else ""
                self.sim.call(
                    annual_review_set, actor=actor, year=self.year, department_id=d.pk,
                    score=self.mark(d.pk, 5, 0), comment=comment, now=self.at,
                )  # fmt: skip

    def surveys(self) -> None:
        kinds = [str(k) for k, _ in SURVEY_KINDS]
        weights = [w for _, w in SURVEY_KINDS]
        by_kind: dict[str, list[list[Any]]] = {k: [] for k in kinds}
        forms = max(SURVEY_FORMS_MIN, round(self.sim.n * SURVEY_FORMS_PER_CASE))
        for n in range(1, forms + 1):
            form_no = f"{self.year}-{n:04d}"
            kind = self.rng.choices(kinds, weights)[0]
            chosen = self.rng.sample(self.departments, self.rng.randint(*SURVEY_DEPARTMENTS))
            marks = {d.pk: self.mark(d.pk, 8, 1) for d in chosen}
            if n <= SURVEY_TYPED:
                self.sim.call(
                    survey_form_enter, actor=self.sim.hub, year=self.year, form_no=form_no,
                    respondent_type=kind, scores=marks, now=self.at,
                )  # fmt: skip
                continue
            for d in chosen:
                by_kind[kind].append(
                    [form_no, d.name, str(RespondentType(kind).label), marks[d.pk]]
                )
        for kind, rows in by_kind.items():
            book = Workbook(write_only=True)
            sheet = book.create_sheet("问卷")
            sheet.append(["问卷编号", "部门", "评价对象", "得分"])
            for row in rows:
                sheet.append([row[0], row[1], row[2], float(row[3])])
            out = io.BytesIO()
            book.save(out)
            out.seek(0)
            label = str(RespondentType(kind).label)
            self.sim.call(
                survey_import, actor=self.sim.hub, year=self.year, file=out,
                file_name=f"{self.year}年群众评价-{label}.xlsx", now=self.at,
            )  # fmt: skip


#: How far past the simulated present a deadline set in it can reach (the longest working-day
#: limits, an extension, a rework's new round), with room to spare.
DEADLINE_REACH = timedelta(days=120)
DEMO_CALENDAR_NOTE = "演示数据：按周一至周五"


def confirm_demo_calendar(start: datetime, end: datetime, *, now: datetime) -> list[int]:
    """Years between ``start`` and ``end`` that the calendar does not know (chinese_calendar
    has not caught up), confirmed through the calendar service as Monday–Friday demo data,
    so the demo keeps working after New Year; they show as such on 工作日历. A real
    district enters the State Council's holidays instead."""
    missing = [
        year for year in range(start.year, end.year + 1) if not calendar_year_status(year).known
    ]
    for year in missing:
        calendar_year_confirm(actor=None, year=year, note=DEMO_CALENDAR_NOTE, now=now)
    return missing


def simulate_year(
    district: DemoDistrict,
    *,
    year_end: datetime,
    cases: int,
    rng_seed: int = 2026,
    progress: Callable[[int, int], None] | None = None,
    photos: bool = False,
) -> YearStats:
    """Drive ``cases`` cases through the services over the 365 days before ``year_end``;
    with ``photos``, some reports and results carry a drawn photo (written to MEDIA_ROOT)."""
    if year_end.tzinfo is None:
        raise ValueError("year_end must be timezone-aware")
    started = time.perf_counter()
    confirmed = confirm_demo_calendar(
        year_end - timedelta(days=365), year_end + DEADLINE_REACH, now=year_end
    )
    sim = _Simulation(district, year_end, cases, random.Random(rng_seed))
    sim.photos = DemoPhotos(enabled=photos, seed=rng_seed)
    sim.stats.demo_calendar_years = confirmed
    # Tens of thousands of short-lived ORM objects: fewer full GC passes save ~10 %.
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        sim.run(progress)
        annual_started = time.perf_counter()
        with transaction.atomic():
            inputs = _AnnualInputs(sim)
            inputs.reviews()
            inputs.surveys()
        sim.stats.demo_year = inputs.year
        sim.stats.annual_seconds = time.perf_counter() - annual_started
    finally:
        gc.set_threshold(*thresholds)
    stats = sim.stats
    _collect(stats, district, year_end)
    stats.photos = sim.photos.count
    stats.seconds = time.perf_counter() - started
    return stats


def _counts(rows: Iterator[tuple[Any, int]], label: Callable[[Any], str]) -> dict[str, int]:
    return {label(k): n for k, n in sorted(rows, key=lambda r: -r[1])}


def _collect(stats: YearStats, district: DemoDistrict, year_end: datetime) -> None:
    cases = Case.objects.filter(district=district.district)

    def grouped(name: str) -> Iterator[tuple[Any, int]]:
        return iter(cases.values_list(name).annotate(n=Count("pk")).order_by())

    stats.cases = cases.count()
    stats.by_level = {
        (f"L{k}" if k else "—"): n for k, n in sorted(grouped("level"), key=lambda r: r[0] or 0)
    }
    stats.by_state = _counts(grouped("state"), lambda k: str(k))
    stats.by_route = _counts(grouped("route"), lambda k: str(k or "—"))
    stats.by_source = _counts(grouped("source"), lambda k: str(k))
    stats.by_satisfaction = _counts((r for r in grouped("satisfaction") if r[0]), lambda k: str(k))
    st = Counter(stats.by_state)
    accepted = stats.cases - st[S.REJECTED] - st[S.MERGED] - st[S.SPLIT]
    stats.completion_rate = (st[S.CLOSED] + st[S.ARCHIVED]) / accepted if accepted else 0.0
    sat = Counter(stats.by_satisfaction)
    answered = sum(sat.values())
    good = sat[Satisfaction.SATISFIED] + sat[Satisfaction.BASIC]
    stats.satisfaction_rate = good / answered if answered else 0.0
    stats.overdue_cases = cases.filter(overdue=True).count()
    assignments = Assignment.objects.filter(case__district=district.district)
    stats.assignments = assignments.count()
    stats.overdue_assignments = assignments.filter(overdue=True).count()
    stats.open_overdue = (
        cases.filter(state__in=OPEN_STATES).filter(currently_overdue(year_end)).distinct().count()
    )
    actions = Counter(
        dict(
            CaseEvent.objects.filter(case__district=district.district)
            .values_list("action")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    stats.events = sum(actions.values())
    stats.returns = actions["assignment.request_return"]
    stats.returns_upheld = actions["assignment.uphold_return"]
    stats.extensions = actions["assignment.request_extension"]
    stats.extensions_approved = actions["assignment.approve_extension"]
    stats.reworks = actions["rework"] + actions["rework_self"]
    stats.reopens = actions["reopen"]
    stats.escalations = actions["escalate"] + actions["escalate_to_hub"]
    stats.urges = actions["urge"]
    stats.supervisions = actions["supervise"]
    stats.suspensions = actions["suspend"]
    ratings = Rating.objects.filter(case__district=district.district)
    stats.ratings = ratings.count()
    stats.rating_mean = float(ratings.aggregate(m=Avg("effective_total"))["m"] or 0)
    appeals = RatingAppeal.objects.filter(rating__in=ratings)
    stats.appeals = appeals.count()
    stats.appeals_upheld = appeals.filter(state=AppealState.UPHELD).count()
    stats.appeals_pending = appeals.filter(state=AppealState.PENDING).count()
    rated = set(ratings.values_list("case_id", flat=True))
    verified = cases.filter(route__in=["call", "hub", "leader"], events__action="verify_pass")
    stats.ratings_waiting = len(set(verified.values_list("pk", flat=True)) - rated)
    year = stats.demo_year
    stats.annual_reviews = AnnualReview.objects.filter(year=year).count()
    stats.survey_forms = (
        SurveyResponse.objects.filter(year=year).values("form_no").distinct().count()
    )
    stats.survey_batches = SurveyBatch.objects.filter(year=year).count()
    scored = annual_scores(year=year, district=district.district)
    stats.annual_scored = sum(1 for a in scored if a.score is not None)
