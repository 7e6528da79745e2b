"""Districts as tenants at the two doors where a place or a department is named by hand:
staff report only within their district and a case goes only to its district's departments.
A refusal writes nothing; a resident's report still goes wherever its point is."""

from __future__ import annotations

import pytest

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseEvent
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.core.errors import InvalidInput

from .helpers import case_in_state, submit

QC_POINT = (30.605, 104.305)  # in the neighbour's grid


def _written() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), Assignment.objects.count()


@pytest.mark.parametrize("who", ["street", "hub", "leader", "grid_worker"])
def test_staff_cannot_report_a_place_in_the_next_district(
    world: World, neighbour: Neighbour, who: str
) -> None:
    before = _written()
    with pytest.raises(InvalidInput) as by_point:
        submit(world, who=who, point=QC_POINT)
    assert by_point.value.details == {"field": "lat"}
    assert by_point.value.message == "该位置不在本区范围内"
    for unit in (neighbour.community, neighbour.grid, neighbour.district):
        with pytest.raises(InvalidInput) as by_unit:
            services.case_submit(
                actor=world.actor(who), title="占道经营", unit_id=unit.pk, now=MONDAY_10AM
            )
        assert by_unit.value.details == {"field": "unit_id"}
    assert _written() == before
    # Within the district, as before; and a resident's report goes where its point is.
    case = submit(world, who=who, grid=0)
    assert case.district_id == world.district.pk
    theirs = submit(world, who="resident", point=QC_POINT)
    assert (theirs.district_id, theirs.grid_id) == (neighbour.district.pk, neighbour.grid.pk)


def test_a_city_role_names_the_district_it_reports_for(world: World, neighbour: Neighbour) -> None:
    city = world.actor("city_sup")
    before = _written()
    with pytest.raises(InvalidInput) as nowhere:
        services.case_submit(actor=city, title="燃气味道", now=MONDAY_10AM)
    assert nowhere.value.details == {"field": "unit_id"}
    assert _written() == before
    ours = services.case_submit(actor=city, title="燃气味道", lat=QC_POINT[0], lng=QC_POINT[1])
    theirs = services.case_submit(actor=city, title="路灯", unit_id=world.communities[1].pk)
    assert (ours.district_id, theirs.district_id) == (neighbour.district.pk, world.district.pk)


def test_a_case_goes_only_to_its_districts_departments(world: World, neighbour: Neighbour) -> None:
    hub, street = world.actor("hub"), world.actor("street")
    triaged = case_in_state(world, "triaged", level=Level.COMPLEX)
    general = case_in_state(world, "triaged")
    foreign = neighbour.department.pk
    before = _written()
    tries = [
        lambda: services.case_hub_dispatch(
            actor=hub, case_id=triaged.pk, lead_department_id=foreign
        ),
        lambda: services.case_hub_dispatch(
            actor=hub, case_id=triaged.pk, co_department_ids=[foreign]
        ),
        lambda: services.case_call(actor=street, case_id=general.pk, department_id=foreign),
    ]
    for attempt in tries:
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.message == "承办部门不属于本区"
    assert _written() == before
    # Nor is one added later as a co-handler (增派协办).
    made = services.case_hub_dispatch(actor=hub, case_id=triaged.pk, now=MONDAY_10AM)
    assert {a.department_id for a in made} == {world.departments["sw"].pk}
    before = _written()
    version = Case.objects.get(pk=triaged.pk).version
    with pytest.raises(InvalidInput):
        services.case_add_co_handler(actor=hub, case_id=triaged.pk, department_ids=[foreign])
    assert _written() == before
    assert Case.objects.get(pk=triaged.pk).version == version


def test_the_dispatch_form_offers_only_the_districts_departments(
    world: World, neighbour: Neighbour
) -> None:
    triaged = case_in_state(world, "triaged", level=Level.COMPLEX)
    page = world.client("hub").get(f"/cases/{triaged.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.departments["sw"].name in html
    assert neighbour.department.name not in html


def test_a_case_is_not_located_in_another_districts_grid(
    world: World, neighbour: Neighbour
) -> None:
    """定位 (the hub's 待定位 queue) keeps a case in its district: its grid, street and
    community are its district's, as its number and its hub are."""
    hub = world.actor("hub")
    case = services.case_submit(actor=hub, title="路灯不亮", address="青城路口", now=MONDAY_10AM)
    before = _written()
    with pytest.raises(InvalidInput) as by_grid:
        services.case_locate(actor=hub, case_id=case.pk, grid_id=neighbour.grid.pk)
    assert by_grid.value.details == {"field": "grid_id"}
    with pytest.raises(InvalidInput) as by_point:
        services.case_locate(actor=hub, case_id=case.pk, lat=QC_POINT[0], lng=QC_POINT[1])
    assert by_point.value.details == {"field": "lat"}
    assert _written() == before
    again = Case.objects.get(pk=case.pk)
    assert (again.version, again.grid_id, again.territory_path) == (1, None, world.district.path)


def test_the_case_lists_filters_name_only_the_districts_units(
    world: World, neighbour: Neighbour
) -> None:
    hub = world.client("hub")
    html = hub.get("/cases/").content.decode()
    assert world.streets[1].name in html and world.departments["sw"].name in html
    assert neighbour.street.name not in html and neighbour.department.name not in html
    # Another district's street is no filter of this list: refused, not an empty list.
    assert hub.get("/cases/", {"street": neighbour.street.pk}).status_code == 400
    city = world.client("city_sup").get("/cases/").content.decode()
    assert neighbour.street.name in city and world.streets[1].name in city
