"""``huying demo``: build the demo district 锦城区 and a year of cases in an empty database.

The default password ``demo12345`` is for demos only: never use this command's accounts on a
server that anyone else can reach.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from huying.core.errors import InvalidInput
from huying.core.models import ApiToken, Notification
from huying.demo.access import build_access
from huying.demo.city import NEIGHBOUR_NAME, build_city
from huying.demo.coordination import build_coordination
from huying.demo.deliberation import build_deliberation
from huying.demo.district import (
    DEMO_RESIDENT_PHONE,
    DISTRICT_CODE,
    DISTRICT_NAME,
    SIZES,
    build_district,
)
from huying.demo.gazetteer import build_gazetteer, sample_export
from huying.demo.ladder import build_ladder
from huying.demo.lifecircle import build_lifecircle
from huying.demo.onewindow import build_onewindow
from huying.demo.patrols import build_patrols
from huying.demo.roads import build_roads
from huying.demo.volunteers import build_volunteers
from huying.demo.year import simulate_year
from huying.integrations.sink import demo_sink_subscribe
from huying.org.api_auth import token_create
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.reports.tally import tally_rebuild
from huying.triage.services import train

#: Demo-only default password of every demo account.
DEFAULT_PASSWORD = "demo12345"
#: Cases per size. A real year of the reference district is ≈ 11,000 (``--cases 11000``). The
#: plain cases are written in bulk (``huying.demo.bulk``), the rest through the services; the
#: measured times of the defaults on SQLite and PostgreSQL are in docs/performance.md §2.
DEFAULT_CASES = {"full": 4_500, "small": 300}
#: The memorable accounts build_district creates first (shown when the district exists).
KEY_USERNAMES = (
    "admin",
    "leader",
    "hub",
    "hubsup",
    "street1",
    "streetlead1",
    "street2",
    "community1",
    "gridlead1",
    "grid1",
    "dept_cg",
    "deptlead_cg",
    "dept_sw",
    "deptlead_sw",
    "dept_hb",
    "deptlead_hb",
    "resident1",
    # The city (a hub supervisor and an administrator reading every district) and the
    # second district's people, who see only 青城区 (``huying.demo.city``).
    "city",
    "cityadmin",
    "qc_hub",
    "qc_street",
    "qc_dept_cg",
)
#: Printed under the accounts, after the site's address (``--url``).
URLS = (
    ("接口文档 API docs", "api/v1/docs"),
    ("Open311 GeoReport v2", "open311/v2/discovery.json"),
    ("管理后台 Admin", "admin/"),
)
#: The Open311 api_key printed with the accounts: the hub's, as a 311 app's would be (cases
#: it reports wait in the hub's 待研判, and it reads the whole district).
OPEN311_HOLDER = "hub"
OPEN311_TOKEN_NAME = "Open311 演示 demo"


def default_url() -> str:
    """Where ``bin/demo`` serves the site: ``HUYING_HOST`` (an address a local browser can
    open in place of 0.0.0.0 or ::) and ``HUYING_PORT``, as bin/demo reads them."""
    host = os.environ.get("HUYING_HOST") or "127.0.0.1"
    port = os.environ.get("HUYING_PORT") or "8000"
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def defaults_text() -> str:
    return ", ".join(f"{n} for --size {size}" for size, n in DEFAULT_CASES.items())


class Command(BaseCommand):
    url = "http://127.0.0.1:8000/"
    help = (
        "建立演示区「锦城区」及一年的事件 / build the demo district and a year of cases "
        f"(demo-only default password {DEFAULT_PASSWORD})"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            choices=SIZES,
            default="full",
            help="full：8 个街道、274 个网格 / 8 streets, 274 grids; small：2 个街道、8 个网格 / "
            "2 streets, 8 grids (default full)",
        )
        parser.add_argument(
            "--cases",
            type=int,
            default=None,
            help=f"一年的事件数 / cases in the year (default {defaults_text()})",
        )
        parser.add_argument(
            "--url",
            default=None,
            help="打印的网址的前缀 / the site's address in the printed links (default "
            "http://$HUYING_HOST:$HUYING_PORT/, i.e. http://127.0.0.1:8000/)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="演示区已存在时只列出账号 / if the district exists, only list the accounts",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"所有演示账号的密码，仅供演示 / password of every demo account, demo only "
            f"(default {DEFAULT_PASSWORD})",
        )
        parser.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        size: str = options["size"]
        cases: int = options["cases"] if options["cases"] is not None else DEFAULT_CASES[size]
        password: str = options["password"]
        self.url = (options["url"] or default_url()).rstrip("/") + "/"
        if cases < 0:
            raise CommandError("--cases 不能为负数 / must not be negative")
        if OrgUnit.objects.filter(code=DISTRICT_CODE).exists():
            if not options["if_empty"]:
                raise CommandError(
                    f"演示区「{DISTRICT_NAME}」已存在，未做任何改动；请使用空数据库，或加 --if-empty "
                    "/ the demo district already exists; nothing was changed"
                )
            self.stdout.write(
                f"演示区「{DISTRICT_NAME}」已存在，未新建数据 / demo district exists, nothing built."
            )
            self._accounts(_key_accounts(), password=None, api_key=open311_token())
            self._webhook_sink()
            return

        started, cpu_started = time.perf_counter(), time.process_time()
        year_end = timezone.localtime().replace(minute=0, second=0, microsecond=0)

        def progress(day: int, days: int) -> None:
            if options["verbosity"] >= 1 and (day % 30 == 0 or day == days):
                elapsed = time.perf_counter() - started
                self.stdout.write(f"  第 {day}/{days} 天 day  ({elapsed:.0f} s)")

        # All or nothing: a failed run leaves the database empty, ready for another try.
        phase = _Phases()
        with transaction.atomic(), ExitStack() as on_exit:
            self.stdout.write(f"建立演示区 building the district ({size}) …")
            with phase("district"):
                district = build_district(
                    size=size, password=password, rng_seed=options["seed"], hash_later=True
                )
                assert district.passwords is not None
                on_exit.callback(district.passwords.cancel)  # a failed build stops hashing
            self.stdout.write(f"  {district.seconds:.1f} s")
            self.stdout.write(
                f"模拟一年的事件 simulating {cases} cases up to {year_end:%Y-%m-%d %H:%M} …"
            )
            with phase("year"):
                stats = simulate_year(
                    district,
                    year_end=year_end,
                    cases=cases,
                    rng_seed=options["seed"],
                    progress=progress,
                    photos=True,
                )
            with phase("ladder"):
                ladder = build_ladder(district, year_end=year_end, rng_seed=options["seed"])
            self.stdout.write(
                f"  网格信息员 informants {ladder.informants}, 信息员和街长上报 ladder cases {ladder.reports + ladder.fixed}"
            )
            # The triage suggestion learns from the year, as the worker's nightly run would.
            try:
                with phase("triage model"):
                    model = train(now=year_end)
            except InvalidInput as exc:
                self.stdout.write(f"  研判建议模型 triage model: {exc.message}")
            else:
                self.stdout.write(
                    f"  研判建议模型 triage model v{model.version}: {model.examples} 件 cases, "
                    f"留出集首位 held-out top-1 {model.top1:.0%} ({model.seconds:.1f} s)"
                )
            with phase("roads"):
                roads = build_roads(district, password=password, rng_seed=options["seed"])
            self.stdout.write(f"  街长制 road segments: {roads}")
            began = time.perf_counter()
            with phase("patrols"):
                walked = build_patrols(district, year_end=year_end, rng_seed=options["seed"])
            self.stdout.write(f"  巡查 patrols: {walked} ({time.perf_counter() - began:.1f} s)")
            # The gazetteer a district keeps, and a 12345 export to import against it.
            began = time.perf_counter()
            data_dir = Path(settings.DATA_DIR)
            data_dir.mkdir(parents=True, exist_ok=True)
            with phase("gazetteer"):
                _, entries, placeable = build_gazetteer(
                    district, data_dir, rng_seed=options["seed"]
                )
                sample = sample_export(
                    data_dir, placeable, year_end=year_end, rng_seed=options["seed"]
                )
            self.stdout.write(
                f"  地址库 gazetteer: {entries} 条 entries, 12345 工单样例 sample tickets: "
                f"{sample[2]} ({time.perf_counter() - began:.1f} s)"
            )
            community_apps: list[tuple[str, str, Callable[[Any], object]]] = [
                (
                    "coordination",
                    "会商与联合执法 meetings and joint operations",
                    build_coordination,
                ),
                ("onewindow", "一口受理 one-window services", build_onewindow),
                ("access", "社区工作准入 access lists and community tasks", build_access),
                (
                    "volunteers",
                    "志愿服务 volunteers and service orders",
                    partial(build_volunteers, password=password, rng_seed=options["seed"]),
                ),
                ("deliberation", "众人议事 resident deliberation", build_deliberation),
                ("lifecircle", "十五分钟生活圈 service points", build_lifecircle),
            ]
            for name, label, build in community_apps:
                with phase(name):
                    made = build(district)
                self.stdout.write(f"  {label}: {made}")
            # Last, once the demo district's own builders have run (they pick its people by
            # role): the city and a second district beside it.
            with phase("city"):
                city = build_city(password=password, now=year_end, rng_seed=options["seed"])
            self.stdout.write(
                f"  市与第二个区 the city and {NEIGHBOUR_NAME}: {city.cases} 件 cases, "
                f"{len(city.accounts)} 个账号 accounts"
            )
            # The dashboards' rollups, counted once here (every case made) rather than by the worker's first run.
            with phase("rollups"):
                rollup = tally_rebuild()
            self.stdout.write(f"  统计汇总 dashboard rollups: {rollup.days} days")
            # The simulated year's notifications (the meetings' decisions' too) are history:
            # they went out when they were made. Left unsent, the worker would replay a year
            # of them on its first run.
            with phase("passwords"):
                district.passwords.write()
            with phase("commit"):
                Notification.objects.filter(sent_at__isnull=True).update(sent_at=F("created_at"))
        total = time.perf_counter() - started

        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"演示区「{DISTRICT_NAME}」已建成 / demo district ready")
        )
        self.stdout.write(
            f"街道 streets {len(district.streets)}  社区 communities {len(district.communities)}  "
            f"网格 grids {len(district.grids)}  部门 departments {len(district.departments)}  "
            f"事项 items {len(district.items)}  账号 accounts {len(district.accounts)}"
        )
        for line in stats.lines():
            self.stdout.write(line)
        if stats.refusals:
            self.stdout.write(self.style.WARNING("被规则拒绝的步骤 refused steps:"))
            for message in stats.refusals:
                self.stdout.write(f"  {message}")
        self.stdout.write(
            f"用时 time: 建区 district {district.seconds:.1f} s + 一年 year {stats.seconds:.1f} s"
            f" = 合计 total {total:.1f} s"
        )
        self.stdout.write(
            f"分段用时 phases (wall / CPU): {phase}; "
            f"total {total:.1f}/{time.process_time() - cpu_started:.1f} s"
        )
        self._accounts(_key_accounts(), password=password, api_key=open311_token())
        self._webhook_sink()

    def _webhook_sink(self) -> None:
        """A webhook subscription back to this server's demo receiver, made after the year
        is built (so only what happens from now on is delivered), shown in the server log."""
        sink = demo_sink_subscribe(url=f"{self.url}api/v1/webhooks/demo-sink")
        if sink is not None:
            self.stdout.write(
                f"Webhook 演示订阅 demo subscription: {sink.url}（worker 推送，服务日志里可见"
                " “webhook demo sink received …” / delivered by the worker, logged by the server）"
            )

    def _accounts(
        self, accounts: list[tuple[str, str, str]], *, password: str | None, api_key: str | None
    ) -> None:
        self.stdout.write("")
        self.stdout.write("演示账号 demo accounts:")
        width = max((len(u) for u, _, _ in accounts), default=8) + 2
        self.stdout.write(f"  {'用户名 username':<{width + 4}}角色 role / 单位 unit")
        for username, role, unit in accounts:
            self.stdout.write(f"  {username:<{width + 4}}{role} / {unit}")
        self.stdout.write(
            "  其他账号 more: sc_<街道编码> 街道呼叫员, gw_<网格编码> 网格员, cs_<社区编码> 社区工作人员, "
            "dh_<部门> 部门经办人, dl_<部门> 部门负责人 …"
        )
        if password is None:
            self.stdout.write(
                f"  密码 password: 建库时设定的密码（默认 {DEFAULT_PASSWORD}）/ as set when built "
                f"(default {DEFAULT_PASSWORD})"
            )
        else:
            self.stdout.write(f"  密码 password: {password}")
        self.stdout.write(
            f"  居民 resident1 也可在 /m/login 用手机号 {DEMO_RESIDENT_PHONE} 和短信验证码登录，"
            "验证码在服务日志里（sms to=…）/ or at /m/login with that number and the texted code, "
            "which the demo writes to the server log"
        )
        if api_key is not None:
            self.stdout.write(
                f"  Open311 接口令牌 api_key（{OPEN311_HOLDER} 的，每次运行换新 / "
                f"{OPEN311_HOLDER}'s, new each run）: {api_key}"
            )
        self._samples()
        self.stdout.write("  ⚠ 仅供演示，勿用于生产 / demo only, never in production")
        self.stdout.write("")
        for label, path in URLS:
            self.stdout.write(f"{label}: {self.url}{path}")
            if path.startswith("open311/") and api_key is not None:
                self.stdout.write(
                    f'  curl "{self.url}open311/v2/requests.json?api_key={api_key}&status=open"'
                )

    def _samples(self) -> None:
        """Where the demo's gazetteer and its sample 12345 export are, and how to import it."""
        data_dir = Path(settings.DATA_DIR)
        book = data_dir / "演示区地址库.xlsx"
        samples = sorted(data_dir.glob("12345工单样例-*.csv"))
        if not book.exists() and not samples:
            return
        self.stdout.write(f"  地址库 gazetteer (已导入 imported): {book}")
        if samples:
            csv = samples[-1]
            self.stdout.write(
                f"  12345 工单样例 sample export (GBK CSV, XLSX): {csv}, {csv.with_suffix('.xlsx')}"
            )
            self.stdout.write(
                f'    导入 import: .venv/bin/huying hotline-import "{csv}" --as {OPEN311_HOLDER} '
                "（无法落格的进“待定位” / the unplaced wait in 待定位）"
            )


class _Phases:
    """Wall and CPU seconds of each step of the build, printed at the end: the CPU time
    (all threads, this process) is the steadier figure on a machine others share, and the
    one docs/performance.md §2 compares."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.rows.append((name, time.perf_counter() - wall, time.process_time() - cpu))

    def __str__(self) -> str:
        return ", ".join(f"{name} {wall:.1f}/{cpu:.1f} s" for name, wall, cpu in self.rows)


def open311_token() -> str | None:
    """A new demo api_key for the hub. Only a token's hash is kept, so the last one cannot be
    printed again: it is revoked instead, and one demo key lives at a time."""
    user = get_user_model().objects.filter(username=OPEN311_HOLDER, is_active=True).first()
    if user is None:
        return None
    ApiToken.objects.filter(user=user, name=OPEN311_TOKEN_NAME, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return token_create(user=user, name=OPEN311_TOKEN_NAME, days=365)[1]


def _key_accounts() -> list[tuple[str, str, str]]:
    grants = (
        RoleGrant.objects.select_related("user", "unit")
        .filter(user__username__in=KEY_USERNAMES, is_active=True)
        .order_by("pk")
    )
    rows = {
        g.user.username: (g.user.username, str(Role(g.role).label), g.unit.name) for g in grants
    }
    return [rows[u] for u in KEY_USERNAMES if u in rows]
