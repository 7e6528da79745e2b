"""The station's duty roster and 全岗位通 at the window: who is on duty on a day (a day with
no roster counts all the staff); a staff member without a valid qualification for an item
cannot accept it while someone qualified is on duty (a clear message, nothing made), and
may when no one qualified is (accepted and marked); the department's decision reaches who
took the application and the proxy cadre."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, PermissionDenied, RuleViolation
from huying.core.models import Notification
from huying.onewindow import rules, selectors, services
from huying.onewindow.models import Application, DutyShift
from huying.onewindow.tests.helpers import accept, item
from huying.org.models import Role
from huying.org.services import grant_role, person_create

pytestmark = pytest.mark.django_db

DAY = MONDAY_10AM.date()


def _colleague(world: World, name: str = "window_2") -> User:
    other = person_create(username=name, full_name="李窗口")
    grant_role(user=other, role=Role.COMMUNITY_STAFF, unit=world.communities[0])
    return other


def _qualify(world: World, person_id: int, item_id: int, passed_on: date = DAY) -> None:
    services.qualification_record(
        actor=world.actor("street_leader"),
        person_id=person_id,
        item_id=item_id,
        passed_on=passed_on,
        now=MONDAY_10AM,
    )


def test_the_roster_names_who_is_on_duty(world: World) -> None:
    other = _colleague(world)
    station = world.communities[0]
    people, rostered = selectors.on_duty(station, DAY)
    assert not rostered and len(people) == 2  # no roster: everyone
    services.duty_set(
        actor=world.actor("street_leader"),
        station_id=station.pk,
        day=DAY,
        person_ids=[other.pk],
    )
    people, rostered = selectors.on_duty(station, DAY)
    assert rostered and people == [other]
    assert selectors.on_duty(station, DAY + timedelta(days=1))[1] is False
    # Replacing the day's roster; an empty one clears it.
    me = world.actor("community")
    services.duty_set(actor=me, station_id=station.pk, day=DAY, person_ids=[me.user.pk])
    assert [s.person for s in DutyShift.objects.filter(day=DAY)] == [me.user]
    services.duty_set(actor=me, station_id=station.pk, day=DAY, person_ids=[])
    assert not DutyShift.objects.exists()


def test_the_roster_is_kept_in_scope(world: World) -> None:
    station = world.communities[0]
    with pytest.raises(PermissionDenied):
        services.duty_set(
            actor=world.actor("dept_cg"), station_id=station.pk, day=DAY, person_ids=[]
        )
    with pytest.raises(InvalidInput):  # another street's station
        services.duty_set(
            actor=world.actor("street_leader"),
            station_id=world.communities[-1].pk
            if world.communities[-1].path.find(world.streets[0].path)
            else 0,
            day=DAY,
            person_ids=[],
        )
    with pytest.raises(InvalidInput):  # not the station's staff
        services.duty_set(
            actor=world.actor("street_leader"),
            station_id=station.pk,
            day=DAY,
            person_ids=[world.actor("grid_worker").user.pk],
        )
    assert not DutyShift.objects.exists()


def test_an_unqualified_accept_is_refused_while_someone_qualified_is_on_duty(world: World) -> None:
    of = item(world)
    other = _colleague(world)
    _qualify(world, other.pk, of.pk)
    with pytest.raises(RuleViolation) as refused:
        accept(world, of)
    assert "老年优待证" in refused.value.message and "李窗口" in refused.value.message
    assert not Application.objects.exists()
    # The qualified colleague is not on duty today: the window may accept, marked.
    me = world.actor("community")
    services.duty_set(actor=me, station_id=me.unit.pk, day=DAY, person_ids=[me.user.pk])
    app = accept(world, of)
    assert app.unqualified


def test_a_qualified_accept_is_not_marked_and_an_old_qualification_has_lapsed(world: World) -> None:
    of = item(world)
    me = world.actor("community")
    _qualify(world, me.user.pk, of.pk)
    assert not accept(world, of).unqualified
    lapsed = DAY - timedelta(days=rules.QUALIFICATION_VALID_DAYS)
    _qualify(world, me.user.pk, of.pk, passed_on=lapsed)
    assert accept(world, of).unqualified
    skills = selectors.station_skills(me.unit, DAY)
    assert [s.items for s in skills.staff] == [[]]


def test_the_window_page_shows_who_on_duty_can_do_what(world: World) -> None:
    of = item(world)
    other = _colleague(world)
    _qualify(world, other.pk, of.pk)
    client = Client()
    client.force_login(world.actor("community").user)
    page = client.get("/onewindow/").content.decode()
    assert "今日未排班" in page and "李窗口" in page
    me = world.actor("community")
    client.post(
        "/onewindow/roster/",
        {
            "station_id": me.unit.pk,
            "day": str(timezone.localdate()),
            "person_ids": [me.user.pk],
        },
    )
    page = client.get("/onewindow/").content.decode()
    assert (
        "按今日值班表" in page
        and "李窗口" not in page.split("今日在岗谁能办什么")[1].split("</section>")[0]
    )
    roster = client.get("/onewindow/roster/").content.decode()
    assert "值班表" in roster


def test_the_api_reads_and_sets_the_roster(world: World) -> None:
    of = item(world)
    me = world.actor("community")
    _qualify(world, me.user.pk, of.pk)
    client = Client()
    client.force_login(me.user)
    body = {"station_id": me.unit.pk, "day": str(DAY), "person_ids": [me.user.pk]}
    answer = client.put("/api/v1/service-roster", json.dumps(body), content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["rostered"] is True
    assert answer.json()["people"] == [
        {"id": me.user.pk, "name": me.user.get_full_name() or me.user.username, "item_ids": [of.pk]}
    ]
    read = client.get(f"/api/v1/service-roster?station_id={me.unit.pk}&day={DAY}")
    assert read.json() == answer.json()
    other = Client()
    other.force_login(world.actor("dept_cg").user)
    assert other.get(f"/api/v1/service-roster?station_id={me.unit.pk}&day={DAY}").status_code == 404
    bad = client.put(
        "/api/v1/service-roster",
        json.dumps({**body, "person_ids": [world.actor("grid_worker").user.pk]}),
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_the_decision_reaches_the_station_and_the_proxy(world: World) -> None:
    of = item(world)
    app = accept(world, of, proxy_reason="高龄独居")
    app = services.application_pass(
        actor=world.actor("community"), application_id=app.pk, version=app.version, now=MONDAY_10AM
    )
    before = Notification.objects.count()
    services.application_decide(
        actor=world.actor("dept_cg"),
        application_id=app.pk,
        version=app.version,
        granted=True,
        reason="请到服务站领取",
        now=MONDAY_10AM,
    )
    told = Notification.objects.filter(kind="onewindow_decided")
    assert Notification.objects.count() == before + 1
    note = told.get()
    assert note.recipient_id == world.actor("community").user.pk
    assert app.number in note.message and "已办结" in note.message
    assert note.url.endswith(f"/onewindow/applications/{app.pk}/")
