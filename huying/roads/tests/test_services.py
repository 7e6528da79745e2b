"""街长制 rules: a segment is a line inside its street with a unique code; its people are the
street's own chiefs and grid workers (a merchant chief with his shop) or named contacts; only
the admin and the street's staff keep them; refused input changes nothing."""

from __future__ import annotations

import math
from typing import Any

import pytest

from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.core.models import ChangeLog
from huying.roads import services
from huying.roads.models import Duty, Road, Segment, SegmentPerson
from huying.roads.selectors import feature, public_person, segments

NOW = MONDAY_10AM


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


#: Across both grids of street 0 (104.00–104.02, 30.60–30.61).
INSIDE = line((104.002, 30.605), (104.010, 30.605), (104.018, 30.606))
#: Runs from street 0 well into street 1.
ACROSS = line((104.015, 30.605), (104.030, 30.605))


def make_road(world: World, who: str = "street", name: str = "兴隆大街") -> Road:
    return services.road_create(
        actor=world.actor(who), street_id=world.streets[0].pk, name=name, now=NOW
    )


def make_segment(world: World, road: Road, code: str = "XL-01", **kw: Any) -> Segment:
    args: dict[str, Any] = {"name": "石油大街至兴隆大街段", "line": INSIDE} | kw
    return services.segment_create(
        actor=world.actor("street"), road=road, code=code, now=NOW, **args
    )


@pytest.mark.parametrize("who", ["street", "street_leader", "grid_centre", "admin"])
def test_the_admin_and_the_streets_staff_keep_its_roads(world: World, who: str) -> None:
    road = make_road(world, who)
    segment = services.segment_create(
        actor=world.actor(who), road=road, code="XL-01", name="一段", line=INSIDE, now=NOW
    )
    assert segment.road == road and segment.order == 1
    actions = list(ChangeLog.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["roads.road.create", "roads.segment.create"]


@pytest.mark.parametrize("who", ["street_b", "grid_worker", "street_chief", "resident", "hub"])
def test_no_one_else_does(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        make_road(world, who)
    road = make_road(world)
    with pytest.raises(PermissionDenied):
        services.segment_create(
            actor=world.actor(who), road=road, code="X", name="一段", line=INSIDE, now=NOW
        )
    assert not Segment.objects.exists()


def test_a_road_name_is_once_per_street(world: World) -> None:
    make_road(world)
    with pytest.raises(InvalidInput, match="已有道路"):
        make_road(world, "admin")
    services.road_create(
        actor=world.actor("admin"), street_id=world.streets[1].pk, name="兴隆大街", now=NOW
    )
    assert Road.objects.count() == 2


def test_a_segment_outside_its_street_is_refused_with_how_far(world: World) -> None:
    road = make_road(world)
    with pytest.raises(InvalidInput) as caught:
        make_segment(world, road, line=ACROSS)
    assert caught.value.details["field"] == "line"
    assert "超出街道「第1街道」的范围约" in caught.value.message
    # ~0.01° of longitude at 30.6°N, less the tolerance: about 950 m.
    metres = float(caught.value.message.split("约 ")[1].split(" 米")[0].replace(",", ""))
    assert 900 < metres < 1000
    assert (
        not Segment.objects.exists()
        and not ChangeLog.objects.filter(action__startswith="roads.segment").exists()
    )


def test_a_segment_along_the_streets_edge_is_inside(world: World) -> None:
    """Digitised along the street's northern edge, a metre or two off it."""
    road = make_road(world)
    edge = 30.61 + 2 / 110_574
    assert make_segment(world, road, line=line((104.001, edge), (104.019, edge)))


def test_a_street_without_grid_boundaries_cannot_place_a_segment(world: World) -> None:
    from huying.org.models import OrgUnit

    OrgUnit.objects.filter(parent__parent=world.streets[0]).update(boundary=None)
    road = make_road(world)
    with pytest.raises(InvalidInput, match="还没有网格边界"):
        make_segment(world, road)


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"type": "Polygon", "coordinates": []}, "LineString"),
        ("LINESTRING(104 30, 104.1 30)", "LineString"),
        (line((104.01, 30.605)), "至少需要两个"),
        (line((104.01, 30.605), (104.01, 30.605)), "长度为零"),
        (line((30.605, 104.01), (30.606, 104.02)), "超出经纬度范围"),
        ({"type": "LineString", "coordinates": [[104.01, "30.6"], [104.02, 30.6]]}, "数字"),
        ({"type": "LineString", "coordinates": [[104.01, math.nan], [104.02, 30.6]]}, "数字"),
        ({"type": "LineString", "coordinates": [[104.01], [104.02, 30.6]]}, "[经度, 纬度]"),
        (
            line((104.002, 30.602), (104.008, 30.608), (104.008, 30.602), (104.002, 30.608)),
            "自相交",
        ),
        ({"type": "LineString", "coordinates": [[104.01, 30.605]] * 2001}, "顶点过多"),
    ],
)
def test_a_line_that_is_no_line_is_refused(world: World, bad: Any, words: str) -> None:
    road = make_road(world)
    with pytest.raises(InvalidInput, match=words):
        make_segment(world, road, line=bad)
    assert not Segment.objects.exists()


def test_segment_codes_are_unique_across_roads(world: World) -> None:
    make_segment(world, make_road(world))
    other = make_road(world, name="石油大街")
    with pytest.raises(InvalidInput, match="「XL-01」已被使用"):
        make_segment(world, other)
    assert Segment.objects.count() == 1


def test_a_segment_is_redrawn_inside_only(world: World) -> None:
    road = make_road(world)
    segment = make_segment(world, road)
    moved = line((104.003, 30.603), (104.017, 30.603))
    services.segment_update(
        actor=world.actor("grid_centre"),
        segment=segment,
        code="XL-01",
        name="石油大街至兴隆大街段",
        line=moved,
        patrol_range="道路两侧及人行道",
        now=NOW,
    )
    segment.refresh_from_db()
    assert segment.line == moved and segment.patrol_range == "道路两侧及人行道"
    record = ChangeLog.objects.get(action="roads.segment.update")
    assert set(record.after or {}) == {"line", "patrol_range"}
    with pytest.raises(InvalidInput, match="超出街道"):
        services.segment_update(
            actor=world.actor("street"),
            segment=segment,
            code="XL-02",
            name="改名",
            line=ACROSS,
            now=NOW,
        )
    segment.refresh_from_db()
    assert (segment.code, segment.line) == ("XL-01", moved)
    with pytest.raises(PermissionDenied):
        services.segment_update(
            actor=world.actor("street_b"), segment=segment, code="X", name="X", line=moved, now=NOW
        )


# --- people ---------------------------------------------------------------------------------


def add(world: World, segment: Segment, duty: str, who: str | None = None, **kw: Any) -> Any:
    user_id = world.actor(who).user.pk if who else None
    return services.person_add(
        actor=world.actor("street"), segment=segment, duty=duty, user_id=user_id, now=NOW, **kw
    )


def test_a_segment_gets_its_three_colours_and_its_contacts(world: World) -> None:
    segment = make_segment(world, make_road(world))
    add(world, segment, Duty.GRID_WORKER, "grid_worker", public_phone="0427-2800001")
    add(world, segment, Duty.PARTY_CHIEF, "street_chief", public_phone="0427-2800002")
    add(
        world,
        segment,
        Duty.MERCHANT_CHIEF,
        "street_chief",
        shop_name="老王五金店",
        shop_address="兴隆大街 18 号",
    )
    add(world, segment, Duty.ENFORCEMENT, name="李队长", unit_id=world.departments["cg_unit"].pk)
    add(world, segment, Duty.GREENING, name="园林所值班室", public_phone="0427-2800009")
    people = {p.duty: p for p in segment.people.all()}
    assert set(people) == set(Duty.values)
    assert people[Duty.PARTY_CHIEF].name == "测试street_chief"
    assert people[Duty.MERCHANT_CHIEF].shop_name == "老王五金店"
    assert people[Duty.ENFORCEMENT].unit == world.departments["cg_unit"]
    assert ChangeLog.objects.filter(action="roads.person.create").count() == 5


@pytest.mark.parametrize(
    ("duty", "who", "kw", "words"),
    [
        (Duty.PARTY_CHIEF, "grid_worker", {}, "不是本街道的街长"),
        (Duty.PARTY_CHIEF, None, {"name": "张三"}, "请选择人员"),
        (Duty.GRID_WORKER, "grid_worker_b", {}, "不是本街道的网格员"),
        (Duty.GRID_WORKER, "street_chief", {}, "不是本街道的网格员"),
        (Duty.MERCHANT_CHIEF, "street_chief", {}, "请填写店铺名称"),
        (Duty.ENFORCEMENT, None, {}, "请填写姓名"),
        (Duty.ENFORCEMENT, None, {"name": "李", "unit_id": -1}, "区级部门或派驻机构"),
        (Duty.GREENING, None, {"name": "园林所", "public_phone": "call me"}, "公示电话格式"),
        ("chef", None, {"name": "X"}, "职责无效"),
    ],
)
def test_people_who_do_not_fit_are_refused(
    world: World, duty: str, who: str | None, kw: dict[str, Any], words: str
) -> None:
    segment = make_segment(world, make_road(world))
    with pytest.raises(InvalidInput, match=words):
        add(world, segment, duty, who, **kw)
    assert not SegmentPerson.objects.exists()


def test_a_unit_must_be_on_the_department_side(world: World) -> None:
    segment = make_segment(world, make_road(world))
    with pytest.raises(InvalidInput, match="区级部门或派驻机构"):
        add(world, segment, Duty.ENFORCEMENT, name="李", unit_id=world.streets[0].pk)


def test_a_person_holds_a_duty_on_a_segment_once(world: World) -> None:
    segment = make_segment(world, make_road(world))
    add(world, segment, Duty.PARTY_CHIEF, "street_chief")
    with pytest.raises(InvalidInput, match="已是本路段"):
        add(world, segment, Duty.PARTY_CHIEF, "street_chief")
    assert SegmentPerson.objects.count() == 1


def test_removing_a_person_is_kept_in_the_log_and_scoped(world: World) -> None:
    segment = make_segment(world, make_road(world))
    person = add(world, segment, Duty.PARTY_CHIEF, "street_chief")
    with pytest.raises(PermissionDenied):
        services.person_remove(actor=world.actor("street_b"), person_id=person.pk, now=NOW)
    services.person_remove(actor=world.actor("grid_centre"), person_id=person.pk, now=NOW)
    assert not SegmentPerson.objects.exists()
    record = ChangeLog.objects.get(action="roads.person.delete")
    assert record.before and record.before["duty"] == Duty.PARTY_CHIEF
    with pytest.raises(NotFound):
        services.person_remove(actor=world.actor("street"), person_id=person.pk, now=NOW)


def test_what_a_board_shows_of_a_person_is_the_public_number_only(world: World) -> None:
    from huying.org.models import PhoneAccount

    chief = world.actor("street_chief").user
    PhoneAccount.objects.create(user=chief, phone="13900000001", created_at=NOW)
    segment = make_segment(world, make_road(world))
    add(world, segment, Duty.PARTY_CHIEF, "street_chief", public_phone="0427-2800002")
    shown = feature(segments().get(pk=segment.pk))
    assert "13900000001" not in str(shown)
    assert shown["properties"]["people"] == [
        public_person(SegmentPerson.objects.get()),
    ]
    assert shown["properties"]["people"][0]["public_phone"] == "0427-2800002"
    assert 1500 < shown["properties"]["length_m"] < 1600


# --- import ---------------------------------------------------------------------------------


def collection(*features: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"road": road, "code": code, "name": f"{code}段"},
            }
            for road, code, geometry in features
        ],
    }


def test_an_import_makes_roads_and_segments_and_redraws_known_codes(world: World) -> None:
    road = make_road(world)
    make_segment(world, road)
    moved = line((104.003, 30.603), (104.017, 30.603))
    created, redrawn = services.segments_import(
        actor=world.actor("grid_centre"),
        street_id=world.streets[0].pk,
        collection=collection(
            ("兴隆大街", "XL-01", moved),
            ("石油大街", "SY-01", line((104.005, 30.601), (104.005, 30.609))),
            ("石油大街", "SY-02", line((104.015, 30.601), (104.015, 30.609))),
        ),
        now=NOW,
    )
    assert (created, redrawn) == (2, 1)
    assert Segment.objects.get(code="XL-01").line == moved
    assert list(Road.objects.get(name="石油大街").segments.values_list("code", flat=True)) == [
        "SY-01",
        "SY-02",
    ]


def test_an_import_with_a_bad_feature_imports_nothing_and_lists_each_fault(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.segments_import(
            actor=world.actor("street"),
            street_id=world.streets[0].pk,
            collection=collection(
                ("石油大街", "SY-01", INSIDE),
                ("石油大街", "SY-02", ACROSS),
                ("石油大街", "SY-01", INSIDE),
                ("", "SY-03", INSIDE),
            ),
            now=NOW,
        )
    assert caught.value.code == "import_rejected"
    rows = [(e["row"], e["column"]) for e in caught.value.details["errors"]]
    assert rows == [(2, "line"), (3, "code"), (4, "road")]
    assert "超出街道" in caught.value.details["errors"][0]["message"]
    assert not Road.objects.exists() and not Segment.objects.exists()
    assert not ChangeLog.objects.exists()


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"type": "Feature"}, "FeatureCollection"),
        ({"type": "FeatureCollection", "features": []}, "没有路段"),
        ({"type": "FeatureCollection", "features": [{}] * 501}, "路段过多"),
    ],
)
def test_an_import_that_is_no_collection_is_refused(world: World, bad: Any, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        services.segments_import(
            actor=world.actor("street"), street_id=world.streets[0].pk, collection=bad, now=NOW
        )


def test_an_import_into_another_street_is_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.segments_import(
            actor=world.actor("street_b"),
            street_id=world.streets[0].pk,
            collection=collection(("石油大街", "SY-01", INSIDE)),
            now=NOW,
        )
