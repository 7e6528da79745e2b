"""Scope matrix: every role against cases in and out of its scope. Out of scope is 404 on
every read and write, and nothing changes."""

from __future__ import annotations

import pytest
from django.test import Client

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseEvent
from huying.conftest import World

from .helpers import submit

#: who → (sees the street-1 grid-0 case, sees the street-2 case)
MATRIX = {
    "resident": (True, False),  # reporter of the first only
    "resident2": (False, False),
    "grid_worker": (True, False),
    "grid_worker_b": (False, True),
    "grid_leader": (True, False),
    "community": (True, False),
    "street": (True, False),
    "street_leader": (True, False),
    "street_b": (False, True),
    "hub": (True, True),
    "hub_sup": (True, True),
    "leader": (True, True),
    "admin": (True, True),
    "dept_cg": (True, False),  # assigned the first only
    "dept_cg_leader": (True, False),
    "dept_cg_unit": (False, False),  # a field unit does not see its parent's assignments
    "dept_sw": (False, False),
    "informant": (False, False),  # an informant sees only his own reports
    "street_chief": (False, False),
    "grid_centre": (True, False),  # the street's grid centre: the street's cases
}


@pytest.fixture
def two_cases(world: World) -> tuple[Case, Case]:
    mine = submit(world, who="resident", grid=0)
    services.case_triage(actor=world.actor("street"), case_id=mine.pk, item_id=world.items[2].pk)
    services.case_call(actor=world.actor("street"), case_id=mine.pk)
    other = submit(world, who="grid_worker_b", grid=2, title="井盖缺失")
    return Case.objects.get(pk=mine.pk), other


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_scope_matrix(world: World, two_cases: tuple[Case, Case], who: str) -> None:
    client = Client()
    client.force_login(world.actor(who).user)
    listed = {c["id"] for c in client.get("/api/v1/cases").json()["items"]}
    for case, visible in zip(two_cases, MATRIX[who], strict=True):
        before = (Case.objects.get(pk=case.pk).version, CaseEvent.objects.filter(case=case).count())
        detail = client.get(f"/api/v1/cases/{case.pk}")
        by_number = client.get(f"/api/v1/cases/by-number/{case.number}")
        assert (case.pk in listed) == visible, who
        assert detail.status_code == (200 if visible else 404), who
        assert by_number.status_code == (200 if visible else 404), who
        if not visible:
            for action, body in (
                ("triage", {"item_id": world.items[1].pk}),
                ("urge", {}),
                ("reject", {"reason": "x"}),
                ("follow-up", {"satisfaction": "satisfied"}),
            ):
                r = client.post(
                    f"/api/v1/cases/{case.pk}/{action}", body, content_type="application/json"
                )
                assert r.status_code == 404, (who, action, r.content)
                assert r.json()["error"]["code"] == "not_found"
            after = (
                Case.objects.get(pk=case.pk).version,
                CaseEvent.objects.filter(case=case).count(),
            )
            assert after == before


def test_department_cannot_act_on_another_departments_assignment(
    world: World, two_cases: tuple[Case, Case]
) -> None:
    a = Assignment.objects.get(case=two_cases[0])
    client = Client()
    client.force_login(world.actor("dept_sw").user)
    r = client.post(f"/api/v1/assignments/{a.pk}/report-in", {}, content_type="application/json")
    assert r.status_code == 404
    assert Assignment.objects.get(pk=a.pk).state == "awaiting_report_in"


def test_street_sees_but_may_not_report_in(world: World, two_cases: tuple[Case, Case]) -> None:
    a = Assignment.objects.get(case=two_cases[0])
    client = Client()
    client.force_login(world.actor("street").user)
    r = client.post(f"/api/v1/assignments/{a.pk}/report-in", {}, content_type="application/json")
    # Visible to the street, so the refusal is about the role: 403, and nothing changes.
    assert r.status_code == 403
    assert Assignment.objects.get(pk=a.pk).state == "awaiting_report_in"
    r = client.post(f"/api/v1/cases/{two_cases[0].pk}/urge", {}, content_type="application/json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_acting_grant_header(world: World, two_cases: tuple[Case, Case]) -> None:
    from huying.org.models import Role
    from huying.org.services import grant_role

    user = world.actor("street_b").user
    extra = grant_role(user=user, role=Role.STREET_CALLER, unit=world.streets[0])
    client = Client()
    client.force_login(user)
    assert client.get(f"/api/v1/cases/{two_cases[0].pk}").status_code == 404
    r = client.get(f"/api/v1/cases/{two_cases[0].pk}", HTTP_X_HUYING_GRANT=str(extra.pk))
    assert r.status_code == 200
    # Someone else's grant id is no way in.
    other = world.actor("hub").grant_id
    assert client.get("/api/v1/cases", HTTP_X_HUYING_GRANT=str(other)).status_code == 403


@pytest.mark.parametrize(
    ("who", "source"), [("informant", "informant"), ("street_chief", "street_chief")]
)
def test_informants_and_street_chiefs_report_for_themselves(
    world: World, who: str, source: str
) -> None:
    """They report like residents: credited to them, their channel as the source, and the
    report is theirs to follow; a resident's report is not theirs to see."""
    theirs = submit(world, who=who, grid=0, title="路边井盖松动")
    residents = submit(world, who="resident", grid=0, title="楼道灯坏了")
    assert (theirs.source, theirs.reporter_id) == (source, world.actor(who).user.pk)
    client = Client()
    client.force_login(world.actor(who).user)
    listed = {c["id"] for c in client.get("/api/v1/cases").json()["items"]}
    assert listed == {theirs.pk}
    assert client.get(f"/api/v1/cases/{residents.pk}").status_code == 404
