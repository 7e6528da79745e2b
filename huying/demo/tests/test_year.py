from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Sum

from huying.cases.models import Case, CaseEvent, CaseState
from huying.cases.trail import verify_trails
from huying.core.models import Notification
from huying.demo.district import build_district
from huying.demo.year import OPEN_STATES, YearStats, simulate_year
from huying.org.models import OrgUnit
from huying.org.roles import DEPARTMENT_ROLES
from huying.reports.models import Dim, Grain, Tally
from huying.reports.tally import tally_rebuild, tally_refresh

S = CaseState
YEAR_END = datetime(2026, 11, 20, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="class")
def year(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[tuple[Any, YearStats, list[int]]]:
    """A small district and 300 cases, built once for the class and rolled back after it (so
    the command test below starts from an empty database)."""
    with django_db_blocker.unblock(), transaction.atomic():
        district = build_district(size="small", password="demo-test")
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
        assert stats.seconds > 0

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
        from huying.evaluation.models import Rating

        _, stats, _ = year
        assert stats.ratings >= 2
        assert 60 <= stats.rating_mean <= 100
        rated = set(Rating.objects.values_list("case_id", flat=True))
        verified_calls = set(
            Case.objects.filter(route__in=["call", "hub", "leader"])
            .filter(events__action="verify_pass")
            .values_list("pk", flat=True)
        )
        assert rated == verified_calls
        assert CaseEvent.objects.filter(action="rating.create").count() == stats.ratings

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
def test_demo_command_builds_once() -> None:
    out = StringIO()
    call_command("demo", "--size", "small", "--cases", "200", stdout=out)
    text = out.getvalue()
    assert "demo12345" in text and "http://127.0.0.1:8000/api/v1/docs" in text
    assert "办结率 completion" in text and "street1" in text
    cases, units = Case.objects.count(), OrgUnit.objects.count()
    assert cases == 200
    assert list(verify_trails()) == []
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
