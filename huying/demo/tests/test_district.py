from __future__ import annotations

import io
import random
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.db import transaction
from django.utils import timezone
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from huying.catalogue.models import CatalogueItem, Level
from huying.catalogue.selectors import current_catalogue, current_items
from huying.catalogue.xlsx import catalogue_export, catalogue_import, export_filename
from huying.conftest import DEMO_PASSWORD
from huying.core.errors import InvalidInput
from huying.demo.district import (
    DEMO_RESIDENT_PHONE,
    DISTRICT_CODE,
    MAX_LAT,
    MAX_LNG,
    MIN_LAT,
    MIN_LNG,
    DemoDistrict,
    build_district,
)
from huying.org.models import OrgUnit, PhoneAccount, Role, RoleGrant
from huying.org.selectors import grid_at

K = OrgUnit.Kind
PASSWORD = DEMO_PASSWORD  # the small district is the shared `small_district`
KEY_USERNAMES = {
    "hub": Role.HUB_DISPATCHER,
    "hubsup": Role.HUB_SUPERVISOR,
    "leader": Role.DISTRICT_LEADER,
    "admin": Role.ADMIN,
    "street1": Role.STREET_CALLER,
    "streetlead1": Role.STREET_LEADER,
    "community1": Role.COMMUNITY_STAFF,
    "grid1": Role.GRID_WORKER,
    "gridlead1": Role.GRID_LEADER,
    "dept_cg": Role.DEPT_HANDLER,
    "deptlead_cg": Role.DEPT_LEADER,
    "dept_sw": Role.DEPT_HANDLER,
    "dept_hb": Role.DEPT_HANDLER,
    "resident1": Role.RESIDENT,
}


@pytest.fixture(scope="module")
def full(shared_data, django_db_blocker):
    """The full district, built once for the module and rolled back afterwards (on an empty
    database: the shared world, if committed, is flushed first)."""
    with django_db_blocker.unblock():
        shared_data.require(None)
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_district(size="full", password=PASSWORD)
        transaction.set_rollback(True)


def _grid_shapes(demo: DemoDistrict):
    return [shape(g.boundary) for g in demo.grids]


def _check_tiling(demo: DemoDistrict) -> None:
    """Grids are valid, inside their street and community, and tile the district exactly."""
    polys = _grid_shapes(demo)
    district_poly = shape(demo.boundaries[DISTRICT_CODE])
    assert district_poly.is_valid
    for grid, poly in zip(demo.grids, polys, strict=True):
        assert poly.is_valid and poly.geom_type == "Polygon", grid.code
        street_code, community_code = grid.code[:9], grid.code[:12]
        assert poly.covered_by(shape(demo.boundaries[street_code]).buffer(1e-9)), grid.code
        assert poly.covered_by(shape(demo.boundaries[community_code]).buffer(1e-9)), grid.code
        min_lng, min_lat, max_lng, max_lat = poly.bounds
        assert (grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat) == pytest.approx(
            (min_lng, min_lat, max_lng, max_lat)
        )
        assert 104.0 < min_lng < max_lng < 104.2 and 30.6 < min_lat < max_lat < 30.7
    # No overlaps: every pair of touching grids shares only a border.
    tree = STRtree(polys)
    for i, poly in enumerate(polys):
        for j in tree.query(poly):
            if j > i:
                assert poly.intersection(polys[j]).area < 1e-12, (
                    demo.grids[i].code,
                    demo.grids[j].code,
                )
    # No gaps: the grids' areas add up to the district's, and their union is the district.
    assert sum(p.area for p in polys) == pytest.approx(district_poly.area, rel=1e-9)
    assert unary_union(polys).symmetric_difference(district_poly).area < 1e-10
    # Streets and communities tile the district too.
    for street in demo.streets:
        street_poly = shape(demo.boundaries[street.code])
        own = [p for g, p in zip(demo.grids, polys, strict=True) if g.code.startswith(street.code)]
        assert sum(p.area for p in own) == pytest.approx(street_poly.area, rel=1e-9)


def _check_points(demo: DemoDistrict, n: int) -> None:
    """Random points in the district fall in exactly one grid, and grid_at finds it."""
    rng = random.Random(7)
    polys = _grid_shapes(demo)
    district_poly = shape(demo.boundaries[DISTRICT_CODE])
    inside = outside = 0
    while inside < n:
        lng, lat = (
            rng.uniform(MIN_LNG - 0.003, MAX_LNG + 0.003),
            rng.uniform(MIN_LAT - 0.003, MAX_LAT + 0.003),
        )
        point = Point(lng, lat)
        hits = [g for g, p in zip(demo.grids, polys, strict=True) if p.covers(point)]
        found = grid_at(lat, lng)
        if district_poly.contains(point):
            inside += 1
            assert len(hits) == 1, (lng, lat, [g.code for g in hits])
            assert found is not None and found.pk == hits[0].pk
        elif district_poly.distance(point) > 1e-7:
            outside += 1
            assert hits == [] and found is None
    assert outside > 0


def _check_codes(demo: DemoDistrict) -> None:
    assert demo.district.code == DISTRICT_CODE and demo.district.abbr == "JJ"
    for street in demo.streets:
        assert (
            len(street.code) == 9
            and street.code.isdigit()
            and street.code.startswith(DISTRICT_CODE)
        )
        assert street.parent_id == demo.district.pk
    for community in demo.communities:
        assert len(community.code) == 12 and community.code.isdigit()
        assert community.parent is not None
        assert community.code.startswith(community.parent.code)
    for grid in demo.grids:
        assert len(grid.code) == 15 and grid.code.isdigit()
        assert grid.parent is not None and grid.code.startswith(grid.parent.code)
        assert grid.path.startswith(demo.district.path)


def _check_accounts(demo: DemoDistrict) -> None:
    User = get_user_model()
    granted_roles = set(RoleGrant.objects.values_list("role", flat=True))
    assert granted_roles == set(Role.values)
    for username, role in KEY_USERNAMES.items():
        user = User.objects.get(username=username)
        assert RoleGrant.objects.filter(user=user, role=role).exists(), username
    assert {u for u, _, _ in demo.key_accounts} >= set(KEY_USERNAMES)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    street1 = demo.streets[0]
    assert RoleGrant.objects.get(user__username="street1").unit_id == street1.pk
    grid1 = RoleGrant.objects.get(user__username="grid1").unit
    assert grid1.path.startswith(street1.path)
    assert RoleGrant.objects.get(user__username="dept_cg").unit.name.endswith("（城管局）")
    assert RoleGrant.objects.get(user__username="dept_sw").unit_id == demo.departments["sw"].pk
    assert RoleGrant.objects.get(user__username="dept_hb").unit_id == demo.departments["hb"].pk
    # Every grid has its worker, every community its staff, every street its caller,
    # every department its handler.
    for kind, role in [
        (K.GRID, Role.GRID_WORKER),
        (K.COMMUNITY, Role.COMMUNITY_STAFF),
        (K.STREET, Role.STREET_CALLER),
        (K.DEPARTMENT, Role.DEPT_HANDLER),
    ]:
        units = OrgUnit.objects.filter(kind=kind)
        staffed = set(
            RoleGrant.objects.filter(role=role, unit__kind=kind).values_list("unit_id", flat=True)
        )
        assert set(units.values_list("pk", flat=True)) <= staffed, kind
    assert len({u for u, _, _ in demo.accounts}) == len(demo.accounts) == User.objects.count()
    # All demo users share the password, each hashed with a salt of its own.
    assert admin.check_password(PASSWORD)
    assert User.objects.get(username=f"gw_{demo.grids[-1].code}").check_password(PASSWORD)


def _check_catalogue(demo: DemoDistrict) -> None:
    assert current_catalogue(demo.district.pk) == demo.catalogue
    assert demo.catalogue.version == 1 and demo.catalogue.published_at is not None
    items = list(current_items(demo.district.pk))
    assert len(items) == len(demo.items) == 36
    assert Counter(i.klass.name for i in items) == {"综合执法": 12, "管理服务": 12, "应急处置": 12}
    levels = Counter(i.default_level for i in items)
    assert levels[Level.SIMPLE] + levels[Level.GENERAL] > 20 and 0 < levels[Level.MAJOR] <= 6
    for item in items:
        assert item.lead_department is not None
        co = list(item.co_departments.all())
        assert len(co) <= 2 and item.lead_department not in co
        assert item.handling_standard and item.closing_condition and item.keywords
        if item.default_level == Level.MAJOR:
            assert (item.report_in_limit, item.report_in_unit) == (30, "minutes")
            assert (item.handle_limit, item.handle_unit) == (72, "hours")
            assert item.klass.name == "应急处置"
        else:
            expected = {1: 3, 2: 5, 3: 10}[item.default_level]
            assert (item.handle_limit, item.handle_unit) == (expected, "working_days")
    assert {i.name for i in items} >= {
        "占道经营",
        "违章搭建",
        "河道水质污染",
        "路灯不亮",
        "燃气泄漏",
    }
    assert CatalogueItem.objects.count() == 36


def _check_departments(demo: DemoDistrict) -> None:
    assert OrgUnit.objects.filter(kind=K.DEPARTMENT).count() == len(demo.departments) == 26
    assert {"cg", "sw", "hb", "zj", "sj", "ga", "xf"} <= set(demo.departments)
    assert OrgUnit.objects.filter(kind=K.HUB).get() == demo.hub
    assert demo.hub.name == "锦城区街道呼·部门应办公室"
    # One 城管 squad per street, and field units under their department.
    assert len(demo.field_units["cg"]) == len(demo.streets)
    for key, units in demo.field_units.items():
        for unit in units:
            assert unit.kind == K.FIELD_UNIT and unit.parent_id == demo.departments[key].pk


# --- small ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_small_district_counts_and_geometry(small_district):
    demo = small_district
    assert (len(demo.streets), len(demo.communities), len(demo.grids)) == (2, 4, 8)
    assert OrgUnit.objects.filter(kind=K.GRID).count() == 8
    _check_codes(demo)
    _check_tiling(demo)
    _check_points(demo, 60)


@pytest.mark.django_db
def test_small_district_people_departments_catalogue(small_district):
    demo = small_district
    _check_departments(demo)
    _check_catalogue(demo)
    _check_accounts(demo)


@pytest.mark.django_db
def test_build_is_deterministic_per_seed():
    def snapshot(seed: int) -> tuple:
        sid = transaction.savepoint()
        demo = build_district(size="small", password=PASSWORD, rng_seed=seed)
        result = (
            [g.boundary for g in demo.grids],
            [(u, label) for u, label, _ in demo.accounts],
            [get_user_model().objects.get(username=u).first_name for u, _, _ in demo.accounts[:5]],
        )
        transaction.savepoint_rollback(sid)
        return result

    assert snapshot(1) == snapshot(1)
    assert snapshot(1) != snapshot(2)


@pytest.mark.django_db
def test_refuses_to_build_twice_and_bad_arguments(small_district):
    with pytest.raises(InvalidInput):
        build_district(size="small", password=PASSWORD)
    with pytest.raises(InvalidInput):
        build_district(size="huge", password=PASSWORD)
    with pytest.raises(InvalidInput):
        build_district(size="small", password="")


# --- full -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_counts(full: DemoDistrict):
    assert (len(full.streets), len(full.communities), len(full.grids)) == (8, 40, 274)
    assert OrgUnit.objects.filter(kind=K.STREET).count() == 8
    assert OrgUnit.objects.filter(kind=K.COMMUNITY).count() == 40
    assert OrgUnit.objects.filter(kind=K.GRID).count() == 274
    reference = full.reference_street
    assert OrgUnit.objects.filter(kind=K.COMMUNITY, parent=reference).count() == 12
    assert OrgUnit.objects.filter(kind=K.GRID, path__startswith=reference.path).count() == 64
    assert {s.subtype for s in full.streets} == {"街道", "乡镇"}
    assert Counter(c.subtype for c in full.communities)["村"] >= 1
    _check_codes(full)
    _check_departments(full)
    _check_catalogue(full)


@pytest.mark.django_db
def test_full_grids_tile_the_district(full: DemoDistrict):
    _check_tiling(full)
    _check_points(full, 300)
    # The dense old-town street has smaller grids than the township.
    area = {s.code: shape(full.boundaries[s.code]).area for s in full.streets}
    per_grid = {
        s.code: area[s.code] / sum(1 for g in full.grids if g.code.startswith(s.code))
        for s in full.streets
    }
    town = next(s for s in full.streets if s.subtype == "乡镇")
    assert per_grid[full.reference_street.code] < per_grid[town.code]


@pytest.mark.django_db
def test_full_accounts(full: DemoDistrict):
    """How long the build takes is measured by bench/demo_build.py, not asserted here."""
    _check_accounts(full)
    assert len(full.accounts) > 400
    # The demo resident signs in at /m/login with this number and a texted code.
    account = PhoneAccount.objects.get(phone=DEMO_RESIDENT_PHONE)
    assert account.user.username == "resident1"


@pytest.mark.django_db
def test_every_demo_account_has_its_own_salt(full: DemoDistrict):
    """One hash copied to every account (as before) showed anyone reading the table that
    they all share a password; each is hashed on its own now, and each one signs in."""
    User = get_user_model()
    hashes = list(User.objects.values_list("password", flat=True))
    assert len(hashes) == len(full.accounts)
    assert len(set(hashes)) == len(hashes)
    salts = {identify_hasher(h).decode(h)["salt"] for h in hashes}
    assert len(salts) == len(hashes)
    for username in ("hub", "gw_" + full.grids[-1].code):
        assert User.objects.get(username=username).check_password(PASSWORD)


@pytest.mark.django_db
def test_the_demo_catalogue_reads_back_from_its_export_unchanged(full: DemoDistrict):
    """Export → import (huying.catalogue.xlsx): the new draft's classes and items equal the
    demo catalogue's in every field, order included."""
    source = full.catalogue
    result = catalogue_import(
        actor=None,
        district=full.district,
        file=io.BytesIO(catalogue_export(source)),
        now=timezone.now(),
        file_name=export_filename(source),
    )
    draft = result.catalogue
    assert draft is not None and draft.is_draft
    assert (draft.version, draft.name) == (source.version + 1, source.name)
    assert _catalogue_fields(draft) == _catalogue_fields(source)
    assert (
        len(_catalogue_fields(source))
        == CatalogueItem.objects.filter(klass__catalogue=source).count()
    )


def _catalogue_fields(catalogue) -> list[tuple]:
    columns = [
        f.attname for f in CatalogueItem._meta.concrete_fields if f.name not in {"id", "klass"}
    ]
    items = (
        CatalogueItem.objects.filter(klass__catalogue=catalogue)
        .select_related("klass")
        .prefetch_related("co_departments")
        .order_by("klass__order", "order")
    )
    return [
        (
            (i.klass.code, i.klass.name, i.klass.order),
            tuple(getattr(i, c) for c in columns),
            sorted(u.pk for u in i.co_departments.all()),
        )
        for i in items
    ]


@pytest.mark.django_db  # with the other `full` tests: pytest-django runs unmarked ones last
def test_some_demo_items_ask_questions(full: DemoDistrict):
    """Open311 clients of the demo see services with questions (``metadata: true``)."""
    from huying.catalogue.models import ItemAttribute

    asked = {
        (a.item.name, a.code, a.required)
        for a in ItemAttribute.objects.select_related("item").filter(
            item__klass__catalogue__is_current=True
        )
    }
    assert ("城市内涝积水", "depth", True) in asked
    assert ("路灯不亮", "since", False) in asked
