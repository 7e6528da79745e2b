"""一口受理·二级代办 in the domain: what a window accepts and refuses (with nothing
written), the due date in working days, the way to the back office and the resident's
lookup, the proxy's hand-overs, and who sees what."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huying.conftest import MONDAY_10AM, SH, World
from huying.core.audit import GENESIS, chain_hash
from huying.core.errors import (
    CalendarYearMissing,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from huying.core.models import WorkdayOverride
from huying.core.tests.images import png
from huying.core.workcalendar import invalidate_calendar
from huying.onewindow import selectors, services
from huying.onewindow.models import (
    Application,
    ApplicationPhoto,
    ApplicationState,
    Qualification,
    ServiceItem,
)
from huying.onewindow.tests.helpers import MATERIALS, accept, item
from huying.org.models import Role
from huying.org.services import grant_role, person_create

pytestmark = pytest.mark.django_db


def _steps(app: Application) -> list[tuple[str, str]]:
    return list(app.steps.order_by("seq").values_list("action", "note"))


def _nothing_written() -> None:
    assert not Application.objects.exists()
    assert not ApplicationPhoto.objects.exists()


# --- the catalogue ---------------------------------------------------------------------------


def test_an_item_is_created_unpublished_and_residents_see_it_once_published(world: World) -> None:
    made = item(world, published=False, fee="12.5")
    assert made.fee == Decimal("12.50")
    assert made.materials == MATERIALS
    assert list(selectors.published_items()) == []
    services.item_publish(
        actor=world.actor("admin"), item_id=made.pk, version=made.version, published=True
    )
    assert [i.code for i in selectors.published_items("优待")] == ["FW001"]
    assert [i.code for i in selectors.published_items("60 周岁")] == ["FW001"]
    assert list(selectors.published_items("居住证")) == []


def test_only_the_district_edits_the_catalogue(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.item_create(
            actor=world.actor("community"),
            code="X",
            name="低保",
            time_limit=20,
            department_id=world.departments["cg"].pk,
        )
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": " "}, "name"),
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": 251}, "time_limit"),
        ({"fee": "-1"}, "fee"),
        ({"fee": "abc"}, "fee"),
        ({"fee": "NaN"}, "fee"),
        ({"materials": ["身份证", "身份证 "]}, "materials"),
        ({"department_id": -1}, "department_id"),
    ],
)
def test_a_bad_item_is_refused_with_its_field(
    world: World, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        item(world, published=False, **change)
    assert refused.value.details["field"] == field
    assert not ServiceItem.objects.exists()


def test_an_item_handled_by_a_community_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="区级部门"):
        item(world, department_id=world.communities[0].pk)


def test_a_duplicate_code_and_a_stale_edit_are_refused(world: World) -> None:
    made = item(world)
    with pytest.raises(InvalidInput, match="已存在"):
        item(world)
    edited = services.item_update(
        actor=world.actor("admin"),
        item_id=made.pk,
        version=made.version,
        name="老年人优待证",
        time_limit=3,
        department_id=world.departments["sw"].pk,
        materials=["身份证"],
    )
    assert (edited.name, edited.time_limit, edited.department.name) == ("老年人优待证", 3, "水务局")
    with pytest.raises(Conflict):
        services.item_publish(
            actor=world.actor("admin"), item_id=made.pk, version=made.version, published=False
        )
    assert ServiceItem.objects.get().published


# --- accepting at the window -----------------------------------------------------------------


def test_any_window_accepts_a_published_item_with_its_number_and_due_date(world: World) -> None:
    app = accept(world, item(world), resident_phone="138 0000 1234")
    assert app.number == "JJ-FW20260310-00001"
    assert app.state == ApplicationState.RECEIVED
    assert app.station == world.communities[0]
    assert app.resident_phone == "13800001234"
    assert app.materials_checked == MATERIALS
    # Five working days from Tuesday 10 March: Tuesday 17 March, at close of business.
    assert app.due_at.astimezone(SH).date() == datetime(2026, 3, 17).date()
    assert _steps(app) == [("accept", "")]
    second = accept(world, Application.objects.get().item)
    assert second.number == "JJ-FW20260310-00002"


def test_the_due_date_skips_the_districts_holidays(world: World) -> None:
    WorkdayOverride.objects.create(date=datetime(2026, 3, 11).date(), is_workday=False)
    invalidate_calendar()
    app = accept(world, item(world, time_limit=1))
    assert app.due_at.astimezone(SH).date() == datetime(2026, 3, 12).date()


def test_a_year_the_calendar_does_not_know_refuses_and_writes_nothing(world: World) -> None:
    made = item(world)
    with pytest.raises(CalendarYearMissing):
        accept(world, made, now=datetime(2099, 12, 30, 10, tzinfo=SH))
    _nothing_written()


def test_an_unpublished_item_is_refused_in_chinese_and_nothing_is_created(world: World) -> None:
    with pytest.raises(InvalidInput, match="事项「老年优待证」未发布，不能受理"):
        accept(world, item(world, published=False))
    _nothing_written()


def test_an_item_a_station_may_not_take_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="服务站不能受理"):
        accept(world, item(world, station_accepts=False))
    _nothing_written()


def test_missing_materials_are_all_told_at_once(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        accept(world, item(world), materials_checked=["户口簿"])
    assert "身份证、1 寸照片" in refused.value.message
    with pytest.raises(InvalidInput, match="不是该事项的材料：房产证"):
        accept(world, item(world, code="FW002"), materials_checked=[*MATERIALS, "房产证"])
    _nothing_written()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"resident_name": ""}, "resident_name"),
        ({"resident_phone": "12345"}, "resident_phone"),
        ({"proxy_reason": "高" * 201}, "proxy_reason"),
    ],
)
def test_bad_resident_details_are_refused(world: World, change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        accept(world, item(world), **change)
    assert refused.value.details["field"] == field
    _nothing_written()


@pytest.mark.parametrize("who", ["street", "grid_worker", "dept_cg", "resident", "hub", "admin"])
def test_only_station_staff_accept(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        accept(world, item(world), who=who)
    _nothing_written()


def test_photos_of_documents_are_kept_and_a_refused_file_leaves_nothing(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    made = item(world)
    photo = SimpleUploadedFile("身份证.png", png(), content_type="image/png")
    app = accept(world, made, files=[photo])
    kept = app.photos.get()
    assert kept.name == "身份证.png" and kept.content_type == "image/png"
    assert (tmp_path / str(kept.file.name)).exists()
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(InvalidInput):
        accept(world, made, files=[bad])
    assert Application.objects.count() == 1
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [Path(str(kept.file.name)).name]


# --- to the back office and back ------------------------------------------------------------


def _passed(world: World, **kw: Any) -> Application:
    app = accept(world, item(world), **kw)
    return services.application_pass(
        actor=world.actor("community"), application_id=app.pk, version=app.version
    )


def test_the_station_passes_it_and_the_department_settles_it(world: World) -> None:
    app = _passed(world)
    assert app.state == ApplicationState.PASSED
    done = services.application_decide(
        actor=world.actor("dept_cg"),
        application_id=app.pk,
        version=app.version,
        granted=True,
        reason="已制证，请到服务站领取",
        now=MONDAY_10AM + timedelta(days=1),
    )
    assert done.state == ApplicationState.DONE
    assert [a for a, _ in _steps(done)] == ["accept", "pass", "done"]


def test_a_refusal_needs_its_reason_and_records_it(world: World) -> None:
    app = _passed(world)
    with pytest.raises(InvalidInput):
        services.application_decide(
            actor=world.actor("dept_cg"), application_id=app.pk, version=app.version, granted=False
        )
    refused = services.application_decide(
        actor=world.actor("dept_cg"),
        application_id=app.pk,
        version=app.version,
        granted=False,
        reason="未满 60 周岁",
    )
    assert (refused.state, refused.reason) == (ApplicationState.REFUSED, "未满 60 周岁")
    assert Application.objects.get().reason == "未满 60 周岁"


def test_steps_out_of_order_and_stale_versions_change_nothing(world: World) -> None:
    app = accept(world, item(world))
    with pytest.raises(NotFound):  # not passed yet: the department does not see it
        services.application_decide(
            actor=world.actor("dept_cg"), application_id=app.pk, version=app.version, granted=True
        )
    passed = services.application_pass(
        actor=world.actor("community"), application_id=app.pk, version=app.version
    )
    with pytest.raises(Conflict):
        services.application_pass(
            actor=world.actor("community"), application_id=app.pk, version=app.version
        )
    with pytest.raises(InvalidTransition, match="已转后台办理"):
        services.application_pass(
            actor=world.actor("community"), application_id=app.pk, version=passed.version
        )
    stored = Application.objects.get()
    assert (stored.state, stored.version) == (ApplicationState.PASSED, passed.version)
    assert [a for a, _ in _steps(stored)] == ["accept", "pass"]


def test_another_department_cannot_settle_it(world: World) -> None:
    app = _passed(world)
    for who in ("dept_sw", "community", "hub"):
        with pytest.raises((NotFound, PermissionDenied)):
            services.application_decide(
                actor=world.actor(who), application_id=app.pk, version=app.version, granted=True
            )
    assert Application.objects.get().state == ApplicationState.PASSED


# --- proxy handling (二级代办) ------------------------------------------------------------------


def test_a_proxy_is_recorded_with_its_hand_over_points(world: World) -> None:
    app = accept(world, item(world), proxy_reason="高龄独居，行动不便")
    assert app.proxy_by == world.actor("community").user
    later = MONDAY_10AM + timedelta(hours=2)
    app = services.application_handover(
        actor=world.actor("community"),
        application_id=app.pk,
        version=app.version,
        note="材料已交服务站窗口",
        now=later,
    )
    steps = list(app.steps.order_by("seq"))
    assert [(s.action, s.note) for s in steps] == [
        ("proxy_take", "高龄独居，行动不便"),
        ("handover", "材料已交服务站窗口"),
    ]
    assert steps[1].at == later
    # The trail is chained: each step seals the one before it.
    assert steps[0].prev_hash == GENESIS and steps[1].prev_hash == steps[0].hash
    payload = {
        "application": app.pk,
        "seq": 2,
        "action": "handover",
        "at": later,
        "actor": world.actor("community").user.pk,
        "note": "材料已交服务站窗口",
    }
    assert steps[1].hash == chain_hash(steps[0].hash, payload, steps[1].hash_version)


def test_hand_overs_only_for_a_proxy_by_its_cadre_while_open(world: World) -> None:
    plain = accept(world, item(world))
    with pytest.raises(InvalidTransition, match="不是代办件"):
        services.application_handover(
            actor=world.actor("community"), application_id=plain.pk, version=plain.version, note="x"
        )
    with pytest.raises(InvalidInput):
        services.application_handover(
            actor=world.actor("community"), application_id=plain.pk, version=plain.version, note=""
        )
    assert _steps(Application.objects.get()) == [("accept", "")]


# --- who sees what ----------------------------------------------------------------------------


def test_scope_station_department_district(world: World) -> None:
    app = accept(world, item(world))

    def sees(who: str) -> bool:
        return selectors.applications_visible_to(world.actor(who)).filter(pk=app.pk).exists()

    assert sees("community") and sees("street") and sees("hub") and sees("leader")
    assert not sees("dept_cg")  # not yet passed to it
    assert not sees("resident") and not sees("grid_worker") and not sees("street_b")
    services.application_pass(
        actor=world.actor("community"), application_id=app.pk, version=app.version
    )
    assert sees("dept_cg") and sees("dept_cg_unit") and sees("dept_cg_leader")
    assert not sees("dept_sw")


# --- the resident's lookup --------------------------------------------------------------------


def test_the_resident_finds_it_by_number_code_and_phone(world: World) -> None:
    app = accept(world, item(world))
    found = services.application_for_resident(
        number=app.number.lower(),
        code=app.track_code.lower(),
        tail="1234",
        ip="1.2.3.4",
        now=MONDAY_10AM,
    )
    assert found.pk == app.pk


def test_wrong_tries_are_not_told_apart_and_pause_the_number(world: World, settings: Any) -> None:
    settings.HUYING_TRACK_MAX_FAILURES = 3
    settings.HUYING_TRACK_IP_MAX_FAILURES = 100
    app = accept(world, item(world))
    for tail, code in [("9999", app.track_code), ("1234", "AAAAAA")]:
        with pytest.raises(NotFound, match="未找到该申请"):
            services.application_for_resident(
                number=app.number, code=code, tail=tail, ip="1.2.3.4", now=MONDAY_10AM
            )
    with pytest.raises(TooManyAttempts):
        services.application_for_resident(
            number=app.number, code="AAAAAA", tail="1234", ip="1.2.3.4", now=MONDAY_10AM
        )
    with pytest.raises(TooManyAttempts):  # even the right answer waits now
        services.application_for_resident(
            number=app.number, code=app.track_code, tail="1234", ip="5.6.7.8", now=MONDAY_10AM
        )


# --- 全岗位通 -----------------------------------------------------------------------------------


def _qualify(world: World, who: str = "street_leader", **kw: Any) -> Any:
    made = ServiceItem.objects.filter(code="FW001").first() or item(world)
    values: dict[str, Any] = {
        "person_id": world.actor("community").user.pk,
        "item_id": made.pk,
        "passed_on": MONDAY_10AM.date(),
        **kw,
    }
    return services.qualification_record(actor=world.actor(who), now=MONDAY_10AM, **values)


def test_a_qualification_is_recorded_and_a_retest_moves_its_day(world: World) -> None:
    first = _qualify(world, passed_on=MONDAY_10AM.date() - timedelta(days=30))
    again = _qualify(world, who="admin")
    assert Qualification.objects.get().passed_on == again.passed_on == MONDAY_10AM.date()
    assert first.pk == again.pk
    skills = selectors.station_skills(world.communities[0], MONDAY_10AM.date())
    assert [(s.person.username, [i.code for i in s.items]) for s in skills.staff] == [
        ("community", ["FW001"])
    ]
    assert skills.uncovered == []


def test_qualifications_are_refused_outside_the_rules(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _qualify(world, who="community")
    with pytest.raises(InvalidInput) as future:
        _qualify(world, passed_on=MONDAY_10AM.date() + timedelta(days=1))
    assert future.value.details["field"] == "passed_on"
    with pytest.raises(InvalidInput) as not_staff:  # a grid worker keeps no window
        _qualify(world, person_id=world.actor("grid_worker").user.pk)
    assert not_staff.value.details["field"] == "person_id"
    # A street's leader records for his own stations only.
    other = person_create(username="window_b", full_name="第2社区窗口")
    grant_role(user=other, role=Role.COMMUNITY_STAFF, unit=world.communities[1])
    with pytest.raises(InvalidInput):
        _qualify(world, person_id=other.pk)
    assert not Qualification.objects.exists()
    assert _qualify(world, who="admin", person_id=other.pk).person == other


def test_an_item_no_one_at_the_station_passed_is_listed_uncovered(world: World) -> None:
    item(world, code="FW009", name="就业登记")
    skills = selectors.station_skills(world.communities[0], MONDAY_10AM.date())
    assert [i.name for i in skills.uncovered] == ["就业登记"]
    assert [s.items for s in skills.staff] == [[]]


def test_photos_are_added_only_while_open(world: World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    app = _passed(world)
    services.application_decide(
        actor=world.actor("dept_cg"), application_id=app.pk, version=app.version, granted=True
    )
    photo = SimpleUploadedFile("身份证.png", png(), content_type="image/png")
    with pytest.raises(InvalidTransition, match="已办结"):
        services.application_add_photos(
            actor=world.actor("community"), application_id=app.pk, files=[photo]
        )
    with pytest.raises(InvalidInput):
        services.application_add_photos(
            actor=world.actor("community"), application_id=app.pk, files=[]
        )
    assert not ApplicationPhoto.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_figures_per_station_in_the_readers_scope(world: World) -> None:
    done = _passed(world)
    services.application_decide(
        actor=world.actor("dept_cg"), application_id=done.pk, version=done.version, granted=True
    )
    accept(world, done.item, proxy_reason="高龄")
    later = MONDAY_10AM + timedelta(days=30)  # past the 5 working days
    [row] = selectors.station_figures(world.actor("street"), later)
    assert row == {
        "station": "第1社区",
        "total": 2,
        "open": 1,
        "overdue": 1,
        "done": 1,
        "refused": 0,
        "proxies": 1,
    }
    assert selectors.station_figures(world.actor("street"), MONDAY_10AM)[0]["overdue"] == 0
    assert selectors.station_figures(world.actor("street_b"), later) == []
