"""The demo's city: 青城区 beside the demo district, its cases through the services, its
people seeing only it, the city's seeing both."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from huying.cases.models import Assignment, Case, CaseState
from huying.cases.selectors import cases_visible_to
from huying.conftest import DEMO_PASSWORD
from huying.demo.city import REPORTS, build_city
from huying.demo.district import DemoDistrict
from huying.org.actors import actor_for
from huying.org.models import OrgUnit

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_second_district_keeps_to_itself_and_the_city_reads_both(
    small_district: DemoDistrict,
) -> None:
    from django.contrib.auth import get_user_model

    city = build_city(password=DEMO_PASSWORD, now=NOW)
    theirs = Case.objects.filter(district=city.district)
    assert theirs.count() == city.cases == len(REPORTS)
    states = sorted(theirs.values_list("state", flat=True))
    assert states.count(CaseState.CLOSED) == 4 and states.count(CaseState.SUBMITTED) == 3
    # Called to 青城区's own departments, never 锦城区's.
    called = Assignment.objects.filter(case__district=city.district)
    assert called.count() == 7
    assert all(a.department_path.startswith(city.district.path) for a in called)
    users = get_user_model().objects
    qc_hub = actor_for(users.get(username="qc_hub"))
    hub = actor_for(users.get(username="hub"))
    city_sup = actor_for(users.get(username="city"))
    assert set(cases_visible_to(qc_hub)) == set(theirs)
    assert not cases_visible_to(hub).filter(district=city.district).exists()
    assert cases_visible_to(city_sup).count() == Case.objects.count()
    assert users.get(username="qc_hub").check_password(DEMO_PASSWORD)
    assert OrgUnit.objects.get(kind=OrgUnit.Kind.CITY) == city.city
