from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum

from huying.cases.models import Attachment, Case, CaseEvent, CaseState, Source
from huying.cases.trail import verify_trails
from huying.conftest import SharedData
from huying.core.models import ChangeLog, Notification
from huying.demo.district import DemoDistrict
from huying.demo.year import (
    OPEN_STATES,
    RATE_PENDING_DAYS,
    SURVEY_FORMS_PER_CASE,
    SURVEY_TYPED,
    YearStats,
    simulate_year,
)
from huying.evaluation.models import AnnualReview, Rating, SurveyBatch, SurveyResponse
from huying.evaluation.scores import annual_scores
from huying.grid.models import PatrolCompanion
from huying.org.models import OrgUnit
from huying.org.roles import DEPARTMENT_ROLES
from huying.reports.models import Dim, Grain, Tally
from huying.reports.tally import tally_rebuild, tally_refresh
from huying.roads.selectors import chief_grid_workers

S = CaseState
YEAR_END = datetime(2026, 11, 20, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="class")
def year(
    shared_data: SharedData, django_db_blocker: Any
) -> Iterator[tuple[Any, YearStats, list[int]]]:
    """300 cases on the shared small district, built once for the class and rolled back
    after it (the district stays committed for the next test that wants it)."""
    with django_db_blocker.unblock():
        district = shared_data.commit("small_district")
    with django_db_blocker.unblock(), transaction.atomic():
        days: list[int] = []
        stats = simulate_year(
            district, year_end=YEAR_END, cases=300, progress=lambda d, n: days.append(d)
        )
        yield district, stats, days
        transaction.set_rollback(True)


class TestYear:
    def test_runs_through_the_services_without_refusals(self, year: Any) -> None:
        _, stats, days = year
        assert isinstance(stats, YearStats)
        assert stats.refused_steps == 0, stats.refusals
        assert stats.cases == 300
        assert days[-1] == 365
        assert stats.sweeps >= 365

    def test_dashboard_rollups_add_up_to_the_cases(self, year: Any) -> None:
        """A rebuild after a year of lifecycle, and a refresh with nothing new, count every
        case once: the district's month rows sum to the case table's totals."""
        district, _, _ = year
        tally_rebuild()
        assert tally_refresh().events == 0
        months = Tally.objects.filter(
            grain=Grain.MONTH, scope_id=district.district.pk, dim=Dim.TOTAL
        ).aggregate(reported=Sum("reported"), closed=Sum("closed"), overdue=Sum("overdue"))
        assert months["reported"] == Case.objects.count()
        closed = Case.objects.filter(state__in=[S.CLOSED, S.ARCHIVED], closed_at__isnull=False)
        assert months["closed"] == closed.count()
        assert months["overdue"] == Case.objects.filter(first_overdue_at__isnull=False).count()
        assert months["overdue"] == Case.objects.filter(overdue=True).count() > 0

    def test_every_trail_verifies(self, year: Any) -> None:
        assert list(verify_trails()) == []
        firsts = CaseEvent.objects.filter(seq=1).values_list("action", flat=True)
        assert set(firsts) == {"submit"}

    def test_times_spread_over_the_year(self, year: Any) -> None:
        reported = list(Case.objects.values_list("reported_at", flat=True))
        assert max(reported) <= YEAR_END
        assert (YEAR_END - min(reported)).days >= 300
        months = Counter((r.year, r.month) for r in reported)
        assert len(months) >= 12
        assert CaseEvent.objects.filter(at__gt=YEAR_END).count() == 0

    def test_distribution(self, year: Any) -> None:
        _, stats, _ = year
        levels = stats.by_level
        leveled = sum(v for k, v in levels.items() if k != "—")
        assert levels["L1"] / leveled > 0.85
        assert levels.get("L2", 0) >= 2 and levels.get("L3", 0) >= 2
        assert stats.by_route.get("self", 0) > 0.85 * leveled
        assert {"call", "hub", "leader"} <= set(stats.by_route)
        assert 0.95 <= stats.completion_rate <= 1.0
        assert 0.92 <= stats.satisfaction_rate < 1.0
        assert stats.by_satisfaction.get("dissatisfied", 0) >= 1
        assert stats.assignments >= levels.get("L2", 0) + levels.get("L3", 0)

    def test_states_include_closed_and_open(self, year: Any) -> None:
        _, stats, _ = year
        states = set(stats.by_state)
        assert {S.ARCHIVED, S.CLOSED, S.REJECTED, S.MERGED} <= states
        assert states & OPEN_STATES
        assert stats.open_overdue >= 1 and stats.overdue_assignments >= 1
        # Cases from the last month are closed but not yet archived.
        assert not Case.objects.filter(
            state=S.ARCHIVED, reported_at__gt=YEAR_END.replace(day=1)
        ).exists()

    def test_streets_rate_the_departments_that_answered(self, year: Any) -> None:
        """Every department-handled case that passed verification carries a rating per
        responding department, entered by its street, in the case's trail."""
        _, stats, _ = year
        assert stats.ratings >= 2
        assert 60 <= stats.rating_mean <= 100
        rated = set(Rating.objects.values_list("case_id", flat=True))
        verified_calls = set(
            Case.objects.filter(route__in=["call", "hub", "leader"])
            .filter(events__action="verify_pass")
            .values_list("pk", flat=True)
        )
        assert rated <= verified_calls
        # Only cases verified in the year's last days still wait for their rating (待评议).
        waiting = verified_calls - rated
        assert stats.ratings_waiting == len(waiting)
        last_verified = CaseEvent.objects.filter(case__in=waiting, action="verify_pass")
        cutoff = YEAR_END - timedelta(days=RATE_PENDING_DAYS)
        assert all(at > cutoff for at in last_verified.values_list("at", flat=True))
        assert CaseEvent.objects.filter(action="rating.create").count() == stats.ratings
        # The streets' 综合执法中队 are rated on their own, and count for 城管局.
        by_units = Rating.objects.filter(unit__kind=OrgUnit.Kind.FIELD_UNIT)
        assert by_units.exists()
        assert all(r.department_id == r.unit.parent_id for r in by_units.select_related("unit"))

    def test_annual_inputs_give_the_rated_departments_an_annual_score(self, year: Any) -> None:
        """Every street reviews every department, the hub enters the public survey (a few
        forms by hand, the rest imported per kind of respondent), all through the services:
        every department rated in the year gets an annual score, and it took little time."""
        district, stats, _ = year
        departments = list(district.departments.values())
        assert stats.demo_year == 2026
        assert stats.annual_reviews == len(district.streets) * len(departments)
        reviews = AnnualReview.objects.filter(year=2026)
        assert set(reviews.values_list("street_id", "department_id")) == {
            (s.pk, d.pk) for s in district.streets for d in departments
        }
        assert stats.survey_forms == round(300 * SURVEY_FORMS_PER_CASE)
        batches = SurveyBatch.objects.filter(year=2026)
        assert batches.filter(file_name="").count() == SURVEY_TYPED
        assert batches.exclude(file_name="").count() == 3  # one file per kind of respondent
        assert stats.survey_batches == SURVEY_TYPED + 3
        surveyed = set(SurveyResponse.objects.values_list("department_id", flat=True))
        assert surveyed == {d.pk for d in departments}
        rated = set(
            Rating.objects.filter(verified_at__year=2026).values_list("department_id", flat=True)
        )
        scored = {
            a.department_id
            for a in annual_scores(year=2026, district=district.district)
            if a.score is not None
        }
        assert scored == rated and stats.annual_scored == len(rated) >= 2
        assert ChangeLog.objects.filter(action="evaluation.annual_review.create").count() == (
            stats.annual_reviews
        )

    def test_departments_act_as_departments(self, year: Any) -> None:
        roles = set(
            CaseEvent.objects.filter(action="assignment.report_in").values_list(
                "actor_role", flat=True
            )
        )
        assert roles and roles <= DEPARTMENT_ROLES
        verifiers = set(
            CaseEvent.objects.filter(action="verify_pass").values_list("actor_role", flat=True)
        )
        assert verifiers == {"street_caller"}


@pytest.mark.django_db
def test_demo_command_builds_once(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("demo", "--size", "small", "--cases", "200", stdout=out)
    text = out.getvalue()
    assert "demo12345" in text and "/api/v1/docs" in text
    assert "办结率 completion" in text and "street1" in text
    # Each phase's wall and CPU seconds, for docs/performance.md §2 (values not asserted).
    phases = re.search(r"phases \(wall / CPU\): (.*); total [\d.]+/[\d.]+ s", text)
    assert phases is not None, text
    names = re.findall(r"([a-z ]+) [\d.]+/[\d.]+ s", phases.group(1))
    names = [n.strip() for n in names]
    assert names[:3] == ["district", "year", "ladder"]
    # The second district comes after the demo district's own builders, the rollups after
    # every case is made.
    assert names[-4:] == ["city", "rollups", "passwords", "commit"] and "volunteers" in names
    # The accounts' hashes, made on a thread beside the build, were written before it ended.
    for username in ("hub", "street1"):
        assert get_user_model().objects.get(username=username).check_password("demo12345")
    cases, units = Case.objects.count(), OrgUnit.objects.count()
    # the year's 200, the grid ladder's recent informant and chief reports, and the 12349
    # calls the one-window demo sent on as cases
    ladder = re.search(r"ladder cases (\d+)", text)
    assert ladder is not None and int(ladder.group(1)) > 0
    elder_calls = Case.objects.filter(source=Source.ELDER_HOTLINE).count()
    assert 0 < elder_calls < 10
    city = re.search(r"the city and 青城区: (\d+) 件 cases", text)
    assert city is not None and int(city.group(1)) > 0
    assert Case.objects.filter(district__name="青城区").count() == int(city.group(1))
    assert cases == 200 + int(ladder.group(1)) + elder_calls + int(city.group(1))
    assert list(verify_trails()) == []
    # Recent reports and results have photos to show, stored with their thumbnails.
    photos = list(Attachment.objects.all())
    # the year's, besides the photos before and after of the chiefs' own fixes
    year = [p for p in photos if not p.case.events.filter(action="self_fixed").exists()]
    assert year and f"照片 photos: {len(year)}" in text
    for photo in photos:
        assert (tmp_path / (photo.file.name or "")).is_file()
        assert (tmp_path / photo.thumbnail_name).is_file()
    # 三陪同: every companion the demo records is one the service would take.
    stationed = OrgUnit.stationed_in.through.objects.filter(
        from_orgunit=OuterRef("unit_id"), to_orgunit=OuterRef("patrol__grid__parent__parent_id")
    )
    officers = PatrolCompanion.objects.filter(kind=PatrolCompanion.Kind.ENFORCEMENT)
    assert officers.exists() and not officers.exclude(Exists(stationed)).exists()
    walks = PatrolCompanion.objects.filter(kind=PatrolCompanion.Kind.GRID_WORKER)
    pairs = set(walks.values_list("patrol__worker_id", "user_id"))
    assert pairs and all(user in chief_grid_workers(chief) for chief, user in pairs)
    # The simulated year's notifications count as delivered: the worker must not replay them.
    assert (
        Notification.objects.exists()
        and not Notification.objects.filter(sent_at__isnull=True).exists()
    )

    again = StringIO()
    call_command("demo", "--if-empty", stdout=again)
    assert "已存在" in again.getvalue() and "hub" in again.getvalue()
    assert (Case.objects.count(), OrgUnit.objects.count()) == (cases, units)
    with pytest.raises(CommandError):
        call_command("demo", "--size", "small", "--cases", "10", stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize("cases", [0, 3])
def test_a_year_of_no_or_few_cases(small_district: DemoDistrict, cases: int) -> None:
    """``--cases 0`` builds the district alone (the bench loads its own cases); a handful
    still runs (the last days' open cases were forced into a list too short for them)."""
    stats = simulate_year(small_district, year_end=YEAR_END, cases=cases)
    assert stats.cases == Case.objects.count() >= cases
