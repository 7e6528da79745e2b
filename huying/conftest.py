"""Shared fixtures: a small district with every role, built through the org services.

The world (and any dataset declared with :func:`shared_fixture`) is built once per xdist
worker and committed in the test database; each test gets a deep copy of the objects and
rolls its own changes back as usual. See README.md, "Tests", and :class:`SharedData`.
"""

from __future__ import annotations

import atexit
import copy
import inspect
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection
from django.test import Client, override_settings
from django.utils import timezone, translation

from huying.cases import hooks
from huying.catalogue.models import CatalogueItem, Level, LimitUnit
from huying.catalogue.services import (
    catalogue_class_create,
    catalogue_create,
    catalogue_item_create,
    catalogue_publish,
)
from huying.catalogue.suggest import ItemSuggestion, Suggestion
from huying.core.models import CalendarYear
from huying.core.replicas import REPLICA_PREFIX, forget_lag_checks, replica_aliases
from huying.core.services import calendar_year_confirm
from huying.core.workcalendar import invalidate_calendar, package_covers
from huying.demo.district import DemoDistrict, build_district
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role
from huying.org.selectors import grants_changed, grid_index
from huying.org.services import grant_role, person_create, unit_create
from huying.triage.suggest import forget_active

# The trail's seal and anchors: a fixed test key (no key file written into the data
# directory) and anchor files in a scratch directory of this run, not the demo's
# (the environment too, for the server and worker processes some tests start).
_anchors = tempfile.mkdtemp(prefix="huying-anchors-")
atexit.register(shutil.rmtree, _anchors, ignore_errors=True)
os.environ["HUYING_TRAIL_KEY"] = settings.HUYING_TRAIL_KEY = "test-trail-key-" + "k" * 32
os.environ["HUYING_TRAIL_ANCHOR_DIR"] = _anchors
settings.HUYING_TRAIL_ANCHOR_DIR = _anchors

# The suite runs with a replica alias (unless HUYING_REPLICA_URLS gave some), a test mirror of
# the test database: the lagging-reads scope (huying.core.replicas) routes to it, and the
# router is exercised wherever the scope is. Inside a test's own transaction reads stay on
# the primary (the router's rule for any open transaction); transactional tests, which
# commit, are allowed the alias (see pytest_fixture_setup below).
if not replica_aliases():
    _mirror = copy.deepcopy(settings.DATABASES[DEFAULT_DB_ALIAS])
    _mirror["TEST"] = {**_mirror.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    settings.DATABASES[REPLICA_PREFIX + "1"] = _mirror

K = OrgUnit.Kind
SH = ZoneInfo("Asia/Shanghai")

#: A Tuesday morning with no holiday near it.
MONDAY_10AM = datetime(2026, 3, 10, 10, 0, tzinfo=SH)


def square(lng: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
        ],
    }


@dataclass
class World:
    district: OrgUnit
    hub: OrgUnit
    streets: list[OrgUnit]
    communities: list[OrgUnit]
    grids: list[OrgUnit]
    departments: dict[str, OrgUnit]
    items: dict[int, CatalogueItem]
    actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, name: str) -> Actor:
        return self.actors[name]

    def client(self, name: str) -> Client:
        """A browser signed in as ``name`` that has opened a page before: its acting role is
        remembered (``huying.org.authcache``), as for anyone using the site, so the queries
        of its next page are the page's own."""
        client = Client()
        client.force_login(self.actor(name).user)
        assert client.get("/api/v1/me").status_code == 200
        return client

    def point_in(self, grid_index: int) -> tuple[float, float]:
        """(lat, lng) at the centre of a grid."""
        ring = self.grids[grid_index].boundary["coordinates"][0]  # type: ignore[index]
        return ring[0][1] + 0.005, ring[0][0] + 0.005


def build_world() -> World:
    district = unit_create(kind=K.DISTRICT, code="510199", name="锦城区", abbr="JJ")
    hub = unit_create(kind=K.HUB, code="HUB", name="呼应办", parent=district)
    streets, communities, grids = [], [], []
    for s in range(2):
        street = unit_create(
            kind=K.STREET, code=f"510199{s + 1:03d}", name=f"第{s + 1}街道", parent=district
        )
        streets.append(street)
        community = unit_create(
            kind=K.COMMUNITY, code=f"{street.code}001", name=f"第{s + 1}社区", parent=street
        )
        communities.append(community)
        for g in range(2):
            grids.append(
                unit_create(
                    kind=K.GRID,
                    code=f"{community.code}{g + 1:03d}",
                    name=f"网格{s + 1}-{g + 1}",
                    parent=community,
                    boundary=square(104.0 + 0.01 * (2 * s + g), 30.6),
                )
            )
    departments = {
        key: unit_create(kind=K.DEPARTMENT, code=f"D-{key}", name=name, parent=district)
        for key, name in [
            ("cg", "城管局"),
            ("sw", "水务局"),
            ("hb", "生态环境局"),
            ("jt", "交通局"),
        ]
    }
    departments["cg_unit"] = unit_create(
        kind=K.FIELD_UNIT, code="D-cg-1", name="城管执法一中队", parent=departments["cg"]
    )
    cat = catalogue_create(district=district, version=1, name="测试清单")
    klass = catalogue_class_create(catalogue=cat, code="A", name="综合执法")
    specs = {
        Level.SIMPLE: ("占道经营", None, (), 1, 3),
        Level.GENERAL: ("路灯不亮", "cg", (), 1, 5),
        Level.COMPLEX: ("排水口水质污染", "sw", ("hb",), 1, 10),
        Level.MAJOR: ("燃气泄漏", "cg", ("jt",), 30, 72),
    }
    items: dict[int, CatalogueItem] = {}
    for level, (name, lead, co, rin, handle) in specs.items():
        major = level == Level.MAJOR
        items[level] = catalogue_item_create(
            klass=klass,
            code=f"A{level}",
            name=name,
            default_level=level,
            lead_department=departments[lead] if lead else None,
            co_departments=[departments[c] for c in co],
            report_in_limit=rin,
            report_in_unit=LimitUnit.MINUTES if major else LimitUnit.WORKING_DAYS,
            handle_limit=handle,
            handle_unit=LimitUnit.HOURS if major else LimitUnit.WORKING_DAYS,
        )
    catalogue_publish(catalogue=cat, now=MONDAY_10AM)
    world = World(district, hub, streets, communities, grids, departments, items)
    placements = {
        "resident": (Role.RESIDENT, communities[0]),
        "resident2": (Role.RESIDENT, communities[0]),
        "grid_worker": (Role.GRID_WORKER, grids[0]),
        "grid_worker_b": (Role.GRID_WORKER, grids[2]),
        "grid_leader": (Role.GRID_LEADER, communities[0]),
        "community": (Role.COMMUNITY_STAFF, communities[0]),
        "street": (Role.STREET_CALLER, streets[0]),
        "street_leader": (Role.STREET_LEADER, streets[0]),
        "street_b": (Role.STREET_CALLER, streets[1]),
        "hub": (Role.HUB_DISPATCHER, hub),
        "hub_sup": (Role.HUB_SUPERVISOR, hub),
        "dept_cg": (Role.DEPT_HANDLER, departments["cg"]),
        "dept_cg_unit": (Role.DEPT_HANDLER, departments["cg_unit"]),
        "dept_cg_leader": (Role.DEPT_LEADER, departments["cg"]),
        "dept_sw": (Role.DEPT_HANDLER, departments["sw"]),
        "dept_hb": (Role.DEPT_HANDLER, departments["hb"]),
        "dept_jt": (Role.DEPT_HANDLER, departments["jt"]),
        "leader": (Role.DISTRICT_LEADER, district),
        "admin": (Role.ADMIN, district),
        "informant": (Role.GRID_INFORMANT, grids[0]),
        "street_chief": (Role.STREET_CHIEF, grids[0]),
        "grid_centre": (Role.GRID_CENTRE, streets[0]),
    }
    for name, (role, unit) in placements.items():
        user = person_create(username=name, full_name=f"测试{name}")
        world.actors[name] = Actor.from_grant(grant_role(user=user, role=role, unit=unit))
    # Like a district that keeps its calendar entered, the test district has confirmed every
    # year the wall clock's deadlines can reach (tests through HTTP run at the real "now").
    # A test of a missing year asks for `calendar_gap`.
    # Installed like the rest of the district (not through the admin page's service, whose
    # change log entries the back-office tests count).
    for year in range(2026, timezone.localdate().year + 2):
        if not package_covers(year):
            CalendarYear.objects.create(
                year=year, confirmed_at=MONDAY_10AM, note="测试数据：按周一至周五"
            )
    return world


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher() -> Iterator[None]:
    """Tests hash passwords with MD5 first: the demo district hashes ~460 of them, and the
    production Argon2 would add ~10 s to each build. The real list (Argon2id, then PBKDF2)
    stays behind it so that their hashes verify; ``org/tests/test_passwords.py`` tests it."""
    fast = "django.contrib.auth.hashers.MD5PasswordHasher"
    with override_settings(PASSWORD_HASHERS=[fast, *settings.PASSWORD_HASHERS]):
        yield


#: Tables a flush leaves alone on PostgreSQL: post_migrate would write the same rows back.
_KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


def _flush_by_delete(
    self: Any,
    style: Any,
    tables: Sequence[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    """PostgreSQL's flush as DELETEs: a test's rows are few, and TRUNCATE of ~110 tables
    makes a new file for each table and index (1.6–3 s a flush on a disk that syncs; DELETE
    takes milliseconds). The foreign keys are checked at the end of the flush's transaction,
    when every table is empty."""
    emptied = [t for t in tables if t not in _KEPT_BY_FLUSH]
    sql = ["SET CONSTRAINTS ALL DEFERRED"]
    sql += [f"DELETE FROM {self.quote_name(table)}" for table in emptied]
    if reset_sequences and emptied:
        names = ", ".join(f"'{table}'" for table in emptied)
        sql.append(
            "SELECT setval(s.oid::regclass, 1, false) FROM pg_class s"
            " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid"
            f" WHERE s.relkind = 'S' AND t.relname IN ({names})"
        )
    return sql


@pytest.fixture(autouse=True, scope="session")
def _quick_flush() -> Iterator[None]:
    """Flushes (after each transactional test, at each switch of shared dataset) by DELETE
    on PostgreSQL (``_flush_by_delete``)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", _flush_by_delete)
        yield


def forget_process_caches() -> None:
    """Everything a process keeps from the database between requests: ids repeat across
    tests and a test's rows are rolled back, so nothing kept in one may reach the next."""
    grid_index.invalidate()
    grants_changed()
    cache.clear()
    invalidate_calendar()  # overrides and confirmed years
    forget_active()  # the active triage model (the demo's build trains one)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    forget_process_caches()
    yield
    forget_process_caches()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request in English leaves English active in this thread (LocaleMiddleware activates
    a language per request and never deactivates it): later tests start in the default."""
    yield
    translation.deactivate()


#: The text messages sent while the ``texts`` fixture is on, oldest first: (phone, message).
SENT_TEXTS: list[tuple[str, str]] = []


def collect_text(phone: str, message: str) -> None:
    SENT_TEXTS.append((phone, message))


@pytest.fixture
def texts(settings: Any) -> Iterator[list[tuple[str, str]]]:
    """Text messages (residents' sign-in codes) kept here instead of sent."""
    settings.HUYING_SMS_BACKEND = "huying.conftest.collect_text"
    SENT_TEXTS.clear()
    yield SENT_TEXTS
    SENT_TEXTS.clear()


def texted_code(texts: list[tuple[str, str]], phone: str | None = None) -> str:
    """The 6-digit code of the last text (to ``phone``, when given)."""
    to, message = texts[-1]
    assert phone is None or to == phone, (to, phone)
    found = re.search(r"\d{6}", message)
    assert found is not None, message
    return found.group()


def confirm_calendar_years(*years: int) -> None:
    """Confirm years chinese_calendar does not cover (Monday–Friday, nothing entered), for a
    test whose deadlines reach past 2026 (the pinned package's last year)."""
    for year in years:
        if not CalendarYear.objects.filter(year=year, confirmed_at__isnull=False).exists():
            calendar_year_confirm(
                actor=None, year=year, note="测试数据：按周一至周五", now=MONDAY_10AM
            )


@pytest.fixture
def calendar_gap(db: Any) -> None:
    """No year past the package's is confirmed (the world confirms the wall clock's next year):
    for tests of what a missing year does."""
    CalendarYear.objects.all().delete()
    invalidate_calendar()


# --------------------------------------------------------------------------- shared data
#
# Building the world through the services costs 0.4-0.9 s; most of the suite's tests want it.
# So it is built once per worker, *committed*, and each test runs in pytest-django's usual
# transaction on top of it (rolled back at the end). A dataset is "world" or a module's
# shared fixture (world + march, say); the database holds at most one committed dataset at a
# time, and a test that wants another one (or none: a test that does not ask for `world` sees
# an empty database, as before) has it flushed and the right one built before the test's
# transaction starts (the hook below runs just before pytest-django's `_django_db_helper`).
# Transactional tests (transaction=True, live_server) flush the database after themselves:
# the state is then unknown and is probed before the next test.

T = Any
WORLD = "world"


@dataclass
class _Dataset:
    key: str
    build: Callable[[], tuple[World | None, Any]]
    #: Built on top of the world (a test may ask for `world` too); else a dataset of its own.
    on_world: bool = True


#: fixture function -> dataset, filled by shared_fixture().
_SHARED: dict[Callable[..., Any], _Dataset] = {}


class SharedData:
    """The committed dataset of this worker's test database."""

    UNKNOWN = "?"

    def __init__(self) -> None:
        self.key: str | None = self.UNKNOWN  # None: empty; "?": not known, probe first
        self.value: tuple[World | None, Any] | None = None
        #: (pk, code) of the dataset's first unit: still there means the dataset is.
        self.probe: tuple[int, str] | None = None
        self.builds = 0
        self.flushes = 0
        self.restores = 0
        #: SQLite only: dataset key -> (copy of the database, value, probe), oldest first.
        self._snapshots: dict[str, tuple[sqlite3.Connection, Any, Any]] = {}

    def require(self, dataset: _Dataset | None) -> None:
        """Commit `dataset` (None: an empty database), unless it is already there. Must be
        called outside any transaction, with the database unblocked."""
        want = dataset.key if dataset else None
        if self.key == want and (want is None or self._present()):
            return
        if self.key == self.UNKNOWN and want is None and not self._any_rows():
            self.key = None
            return
        if dataset is not None and connection.in_atomic_block:
            # Inside a module fixture's own transaction: it would not stay committed.
            raise pytest.UsageError(
                f"shared dataset {dataset.key} wanted inside an open transaction "
                "(a module/class fixture holding one cannot be mixed with `world`)"
            )
        if dataset is not None and dataset.key in self._snapshots:
            self._restore(dataset.key)
            return
        if self.key not in (None, self.UNKNOWN) or self._any_rows():
            self.flush()
        if dataset is not None:
            # Fresh ids: whatever was cached for the old rows must go.
            _clear_caches()
            self.value = dataset.build()
            self.probe = OrgUnit.objects.order_by("pk").values_list("pk", "code").first()
            self.key = dataset.key
            self.builds += 1
            self._snapshot()

    #: SQLite: how many built datasets are kept as in-memory copies of the whole database.
    KEEP = 4

    def _snapshot(self) -> None:
        """SQLite: keep a copy of the database as the dataset left it (a few MB, milliseconds
        with SQLite's backup API), so that the next time it is wanted (after a transactional
        test's flush, or another module's dataset) it is copied back instead of rebuilt:
        the same rows and ids, so the kept objects stay right. The last `KEEP` are kept."""
        if connection.vendor != "sqlite" or self.key is None:
            return
        saved = sqlite3.connect(":memory:", check_same_thread=False)
        connection.ensure_connection()
        connection.connection.backup(saved)
        self._snapshots[self.key] = (saved, self.value, self.probe)
        while len(self._snapshots) > self.KEEP:
            oldest = next(iter(self._snapshots))
            self._snapshots.pop(oldest)[0].close()

    def _restore(self, key: str) -> None:
        """Copy a kept dataset back over the whole database (no flush needed before)."""
        saved, value, probe = self._snapshots.pop(key)
        self._snapshots[key] = (saved, value, probe)  # the most recently used goes last
        connection.ensure_connection()
        saved.backup(connection.connection)
        # After the copy: a flush's post_migrate may have cached the content types it remade.
        _clear_caches()
        self.key, self.value, self.probe = key, value, probe
        self.restores += 1

    def commit(self, name: str) -> Any:
        """For a module- or class-scoped fixture that builds on a shared dataset inside its own
        transaction: commit the dataset of the `@shared_fixture` called `name` (database
        unblocked, outside any transaction) and return a copy of its value."""
        (dataset,) = (d for f, d in _SHARED.items() if f.__name__ == name)
        self.require(dataset)
        return self.copy()[1]

    def copy(self) -> tuple[World | None, Any]:
        """The committed objects, deep-copied: a test's in-memory changes never leak."""
        assert self.value is not None, "no shared dataset committed"
        return copy.deepcopy(self.value)

    def forget(self) -> None:
        """A transactional test flushes (or may have committed anything): probe next time."""
        self.key, self.value, self.probe = self.UNKNOWN, None, None

    def flush(self) -> None:
        # What TransactionTestCase does after each test (post_migrate included).
        call_command(
            "flush", verbosity=0, interactive=False, database=DEFAULT_DB_ALIAS,
            reset_sequences=False, allow_cascade=False, inhibit_post_migrate=False,
        )  # fmt: skip
        self.key, self.value, self.probe = None, None, None
        self.flushes += 1

    def _present(self) -> bool:
        """The committed dataset is still there (one indexed query)."""
        if self.probe is None:
            return False
        pk, code = self.probe
        return OrgUnit.objects.filter(pk=pk, code=code).exists()

    @staticmethod
    def _any_rows() -> bool:
        return OrgUnit.objects.exists() or get_user_model().objects.exists()


_shared_data = SharedData()


def _clear_caches() -> None:
    grid_index.invalidate()
    grants_changed()
    cache.clear()
    ContentType.objects.clear_cache()  # ids of the rows a flush remade


def _world_dataset() -> _Dataset:
    def build() -> tuple[World | None, Any]:
        world = build_world()
        return world, world

    return _Dataset(WORLD, build)


def shared_fixture(build: Callable[[World], T] | Callable[[], T]) -> Any:
    """A fixture built once per worker on top of the world and committed, like `world`:

        @shared_fixture
        def march(world: World) -> March:
            return build_march(world)

    Tests that ask for it (or for a fixture that does) get a deep copy; `world` in the same
    test is the copy's world. Only one shared dataset per test. The builder may take only
    `world`; give it times explicitly (no `settings`, `monkeypatch` or clock fixtures).
    A builder that takes nothing builds on an empty database instead (`small_district`, the
    demo's own district, which cannot live beside the world); its tests cannot ask for `world`."""
    key = f"{build.__module__}.{build.__qualname__}"
    on_world = bool(inspect.signature(build).parameters)

    def run() -> tuple[World | None, Any]:
        if not on_world:
            return None, build()  # type: ignore[call-arg]
        world = build_world()
        return world, build(world)  # type: ignore[call-arg]

    def fixture(_shared_copy: tuple[World | None, Any]) -> Any:
        return _shared_copy[1]

    fixture.__name__ = build.__name__
    fixture.__doc__ = build.__doc__
    _SHARED[fixture] = _Dataset(key, run, on_world)
    return pytest.fixture(name=build.__name__)(fixture)


def _dataset_for(item: Any) -> _Dataset | None:
    """Which shared dataset the test item needs, from its fixture closure."""
    found: dict[str, _Dataset] = {}
    for name in item.fixturenames:
        defs = item._fixtureinfo.name2fixturedefs.get(name)
        if defs and (dataset := _SHARED.get(defs[-1].func)) is not None:
            found[dataset.key] = dataset
    if len(found) > 1:
        raise pytest.UsageError(f"{item.nodeid}: more than one shared dataset: {sorted(found)}")
    if found:
        dataset = next(iter(found.values()))
        if not dataset.on_world and WORLD in item.fixturenames:
            raise pytest.UsageError(f"{item.nodeid}: {dataset.key} has no world beside it")
        return dataset
    return _world_dataset() if WORLD in item.fixturenames else None


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    return bool(
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or {"transactional_db", "live_server", "django_db_reset_sequences"} & set(names)
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Within each run of one module's tests (as pytest-django ordered them), tests that
    want the same dataset run together: fewer flushes and rebuilds. Tests under a module- or
    class-scoped fixture that holds its own transaction (it asks for `shared_data`: `full`,
    `year`) run last, once no test of the module needs a committed dataset any more."""
    runs: list[list[pytest.Item]] = []
    for item in items:
        if runs and runs[-1][0].path == item.path:
            runs[-1].append(item)
        else:
            runs.append([item])

    def key(item: pytest.Item) -> tuple[bool, str]:
        if not hasattr(item, "_fixtureinfo"):
            return False, ""
        dataset = _dataset_for(item)
        return "shared_data" in getattr(item, "fixturenames", ()), dataset.key if dataset else ""

    items[:] = [item for run in runs for item in sorted(run, key=key)]
    for item in items:
        if item.get_closest_marker("once") and _uses_database(item):
            raise pytest.UsageError(
                f"{item.nodeid} is marked `once` (CI runs it on SQLite only) but uses the "
                "database: remove the mark, or move the test"
            )
    # The longest single test first: xdist hands each worker its first chunk of tests in this
    # order, so it runs while the other worker gets through the rest, instead of starting
    # halfway and holding the run open alone at the end.
    items.sort(key=lambda item: item.path.name not in RUN_FIRST)


#: Fixtures through which a test reaches the database.
_DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "_django_db_helper", "live_server", "shared_data"}
)


def _uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db") or names & _DATABASE_FIXTURES)


#: Modules of one long test each (about a minute of one worker on a quiet machine).
RUN_FIRST = frozenset({"test_lifecycle_machine.py"})


def _allow_replicas(request: pytest.FixtureRequest) -> None:
    """A transactional test (a live server's requests too) has no transaction of its own on
    the primary, so its lagging reads go to the replica alias: allow it, beside whatever
    databases the test's marker names."""
    marker = request.node.get_closest_marker("django_db")
    kwargs = dict(marker.kwargs) if marker else {}
    databases = kwargs.get("databases") or [DEFAULT_DB_ALIAS]
    if databases == "__all__":
        return
    kwargs["databases"] = [*databases, *(a for a in replica_aliases() if a not in databases)]
    request.node.add_marker(
        pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False
    )
    forget_lag_checks()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Any:
    """Before a test's database transaction begins, commit the dataset it needs."""
    if fixturedef.argname == "_django_db_helper":
        blocker = request.getfixturevalue("django_db_blocker")
        with blocker.unblock():
            _shared_data.require(_dataset_for(request.node))
        if _is_transactional(request):
            _allow_replicas(request)
            # It sees the committed data (a live server too) and flushes it afterwards.
            request.addfinalizer(_shared_data.forget)
    return (yield)


@pytest.fixture(scope="session")
def shared_data(django_db_setup: Any) -> SharedData:
    """For module- or class-scoped fixtures that build their own data outside the tests'
    transactions: call ``shared_data.require(None)`` first (database unblocked)."""
    return _shared_data


@pytest.fixture
def _shared_copy(db: Any) -> tuple[World | None, Any]:
    return _shared_data.copy()


@pytest.fixture
def world(_shared_copy: tuple[World | None, Any]) -> World:
    """The small district, committed once per worker (see SharedData); a copy per test."""
    assert _shared_copy[0] is not None
    return _shared_copy[0]


#: The demo accounts' password in `small_district`.
DEMO_PASSWORD = "demo-test"


@shared_fixture
def small_district() -> DemoDistrict:
    """The demo's small district (2 streets, 4 communities, 8 grids, ~100 accounts), as
    ``huying demo --size small`` builds it: ~5 s on SQLite, ~10 s on PostgreSQL, so it is
    built once per worker like `world` (not beside it) and each demo test gets a copy."""
    return build_district(size="small", password=DEMO_PASSWORD)


@dataclass
class Neighbour:
    """A second district beside the world's (a city of two tenants) and a city node above
    them both, each with its own people and cases: what no role of the world's district may
    see or touch, and what the city's roles read across."""

    city: OrgUnit
    district: OrgUnit
    hub: OrgUnit
    street: OrgUnit
    community: OrgUnit
    grid: OrgUnit
    department: OrgUnit
    #: A resident's report (submitted) and a street's own case (自行处置, in progress).
    case: Any
    handled: Any
    #: The district's own published catalogue (v1, its codes the world's): by level, a simple
    #: item (no department) and a general one led by its ``department``.
    items: dict[int, CatalogueItem]
    #: A case triaged with its general item and called to its department (in progress).
    called: Any


@shared_fixture
def neighbour(world: World) -> Neighbour:
    """The world and 青城区 (QC) beside it, and 成都市 above. Their people join
    ``world.actors`` (``hub_q``, ``sup_q``, ``street_q``, ``dept_q``, ``leader_q``,
    ``admin_q``, ``resident_q``; the city's ``city_sup`` and ``city_admin``)."""
    from huying.cases import services as case_services

    city = unit_create(kind=K.CITY, code="510100", name="成都市")
    district = unit_create(kind=K.DISTRICT, code="510198", name="青城区", abbr="QC")
    hub = unit_create(kind=K.HUB, code="HUB-QC", name="青城区呼应办", parent=district)
    street = unit_create(kind=K.STREET, code="510198001", name="青城街道", parent=district)
    community = unit_create(kind=K.COMMUNITY, code="510198001001", name="青城社区", parent=street)
    grid = unit_create(
        kind=K.GRID,
        code="510198001001001",
        name="青城网格",
        parent=community,
        boundary=square(104.3, 30.6),
    )
    department = unit_create(kind=K.DEPARTMENT, code="Q-cg", name="青城区城管局", parent=district)
    catalogue = catalogue_create(district=district, version=1, name="青城区清单")
    klass = catalogue_class_create(catalogue=catalogue, code="A", name="综合执法")
    items: dict[int, CatalogueItem] = {
        level: catalogue_item_create(
            klass=klass,
            code=f"A{level}",
            name=name,
            default_level=level,
            lead_department=lead,
            report_in_limit=1,
            report_in_unit=LimitUnit.WORKING_DAYS,
            handle_limit=5,
            handle_unit=LimitUnit.WORKING_DAYS,
        )
        for level, name, lead in [
            (Level.SIMPLE, "占道经营", None),
            (Level.GENERAL, "路灯不亮", department),
        ]
    }
    catalogue_publish(catalogue=catalogue, now=MONDAY_10AM)
    placements = {
        "hub_q": (Role.HUB_DISPATCHER, hub),
        "sup_q": (Role.HUB_SUPERVISOR, hub),
        "street_q": (Role.STREET_CALLER, street),
        "dept_q": (Role.DEPT_HANDLER, department),
        "leader_q": (Role.DISTRICT_LEADER, district),
        "admin_q": (Role.ADMIN, district),
        "resident_q": (Role.RESIDENT, community),
        "city_sup": (Role.HUB_SUPERVISOR, city),
        "city_admin": (Role.ADMIN, city),
    }
    for name, (role, unit) in placements.items():
        user = person_create(username=name, full_name=f"测试{name}")
        world.actors[name] = Actor.from_grant(grant_role(user=user, role=role, unit=unit))
    lat, lng = 30.605, 104.305
    case = case_services.case_submit(
        actor=world.actor("resident_q"), title="青城路灯不亮", lat=lat, lng=lng, now=MONDAY_10AM
    )
    handled = case_services.case_submit(
        actor=world.actor("street_q"), title="青城占道经营", lat=lat, lng=lng, now=MONDAY_10AM
    )
    street_q = world.actor("street_q")
    case_services.case_triage(
        actor=street_q, case_id=handled.pk, item_id=items[Level.SIMPLE].pk, now=MONDAY_10AM
    )
    case_services.case_self_handle(actor=street_q, case_id=handled.pk, now=MONDAY_10AM)
    handled.refresh_from_db()
    called = case_services.case_submit(
        actor=street_q, title="青城路灯又不亮了", lat=lat, lng=lng, now=MONDAY_10AM
    )
    case_services.case_triage(
        actor=street_q, case_id=called.pk, item_id=items[Level.GENERAL].pk, now=MONDAY_10AM
    )
    case_services.case_call(actor=street_q, case_id=called.pk, now=MONDAY_10AM)
    called.refresh_from_db()
    return Neighbour(
        city, district, hub, street, community, grid, department, case, handled, items, called
    )


Ranked = list[tuple[CatalogueItem, float, tuple[str, ...]]]


@pytest.fixture
def suggesting(world: World) -> Iterator[Callable[..., Suggestion]]:
    """``suggesting([(item, confidence, why), …], level=…, level_why=…, model=…)``: whatever
    the text, the triage suggestion is this one (the level defaults to the top item's; the
    departments are the top item's), so that a test does not depend on the scorer or the
    model. The suggester registered before comes back after the test."""
    registered = hooks._suggester

    def fixed(
        ranked: Ranked,
        *,
        level: int | None = None,
        level_why: tuple[str, ...] = (),
        model: int | None = None,
    ) -> Suggestion:
        items = [ItemSuggestion(item, p, why) for item, p, why in ranked]
        top = items[0].item if items else None
        suggestion = Suggestion(
            items=items,
            level=level if level is not None else (top.default_level if top else None),
            level_why=level_why,
            lead=top.lead_department if top else None,
            co=list(top.co_departments.all()) if top else [],
            model=model,
        )
        hooks.register_suggester(lambda title, description, district_id: suggestion)
        return suggestion

    yield fixed
    hooks._suggester = registered


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
