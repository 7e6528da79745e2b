"""Department scores and rankings: 一月一考评 and the annual score (docs/glossary.md §4).

- **Period score** (the monthly score is the period score of a calendar month): the mean
  effective total of the department's ratings whose case passed verification in the
  period, with the count of rated cases.
- **Field units (派驻机构)** are rated by the streets on their own and have their own period
  score and ranking, the same way, among the district's field units (``unit_scores``), and
  per street among the units that street rated (where they are stationed: the org tree
  hangs a field unit under its department, not under a street, so the ratings say where it
  worked).
- **Roll-up**: a department's score is the mean over its own ratings *and* its field units'
  — every rating weighs one, so each unit weighs in by its number of rated cases (a unit
  with 12 rated cases counts four times one with 3). Its case count is the distinct cases
  among them: a case where the department and one of its units were both rated is one case
  with two ratings. The verification date decides the month, not
  the date the street got round to rating: a department's work of March is March's, and a
  rating entered on 2 April for a case verified on 30 March changes March's score (the
  circular published earlier keeps the figures it was generated with).
- **Annual score** = process evaluation × HUYING_SCORE_PROCESS_WEIGHT (0.7) + annual
  evaluation × HUYING_SCORE_ANNUAL_WEIGHT (0.3). The process evaluation is the period score
  of the calendar year (the year's ratings, each case weighing the same, so a month with
  one rated case does not count as much as a month with thirty). The annual evaluation is
  the mean of the streets' annual reviews × HUYING_ANNUAL_REVIEW_WEIGHT + the mean of the
  public survey forms × HUYING_ANNUAL_SURVEY_WEIGHT; missing either part, there is no
  annual evaluation and no annual score (the gap shows rather than a partial figure).
- **Ranking guard**: a department with fewer than HUYING_RANKING_MIN_CASES rated cases in
  the period is listed with its figures but not ranked. Equal scores share a rank (1, 2,
  2, 4). Every active department of the district is listed, rated or not.

Rankings are published to everyone in the district (一月一通报), so these reads take no
actor; they read org units and ratings, never a case.

The rating street's 核查通过 date decides the month for units as for departments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Count, QuerySet, Sum

from huying.evaluation.models import AnnualReview, Rating, SurveyResponse
from huying.evaluation.periods import Period
from huying.org.models import OrgUnit

K = OrgUnit.Kind
R = TypeVar("R")


@dataclass(frozen=True)
class DepartmentScore:
    department_id: int
    name: str
    cases: int  # rated cases in the period
    score: Decimal | None  # mean effective total; None without a rated case
    rank: int | None = None  # None: not ranked (too few cases)


@dataclass(frozen=True)
class AnnualScore:
    department_id: int
    name: str
    process: Decimal | None
    cases: int  # rated cases in the year (the ranking guard reads this)
    street_review: Decimal | None
    reviews: int
    survey: Decimal | None
    survey_forms: int
    annual: Decimal | None
    score: Decimal | None
    rank: int | None = None


def departments(district: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.filter(kind=K.DEPARTMENT, is_active=True).defer("boundary")
    return qs.filter(path__startswith=district.path) if district else qs


@dataclass(frozen=True)
class UnitScore:
    """A field unit's period score; ``street`` set when it is one street's ratings only."""

    unit_id: int
    name: str
    department_id: int
    department: str
    cases: int
    score: Decimal | None
    street_id: int | None = None
    rank: int | None = None


def _in(period: Period) -> QuerySet[Rating]:
    return Rating.objects.filter(verified_at__gte=period.start, verified_at__lt=period.end)


def _mean(n: int, points: int) -> Decimal:
    return Decimal(points) / n


def _rating_sums(period: Period) -> dict[int, tuple[int, int, int]]:
    """By department (its field units' ratings rolled up): (ratings, points, cases)."""
    rows = (
        _in(period)
        .values("department_id")
        .annotate(
            n=Count("pk"), points=Sum("effective_total"), cases=Count("case_id", distinct=True)
        )
        .order_by()
    )
    return {r["department_id"]: (r["n"], r["points"], r["cases"]) for r in rows}


def department_scores(*, period: Period, district: OrgUnit | None = None) -> list[DepartmentScore]:
    """The period score of every department, ranked under the guard."""
    sums = _rating_sums(period)
    listed = [
        DepartmentScore(
            department_id=d.pk,
            name=d.name,
            cases=sums[d.pk][2] if d.pk in sums else 0,
            score=_mean(*sums[d.pk][:2]) if d.pk in sums else None,
        )
        for d in departments(district)
    ]
    return rank(listed, score=lambda s: s.score, cases=lambda s: s.cases)


def monthly_department_scores(
    *, year: int, month: int, district: OrgUnit | None = None
) -> list[DepartmentScore]:
    """一月一考评."""
    return department_scores(period=Period.month(year, month), district=district)


def field_units(district: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    qs = (
        OrgUnit.objects.filter(kind=K.FIELD_UNIT, is_active=True, parent__is_active=True)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
        .order_by("path")
    )
    return qs.filter(path__startswith=district.path) if district else qs


def unit_scores(
    *, period: Period, district: OrgUnit | None = None, street: OrgUnit | None = None
) -> list[UnitScore]:
    """The period score of the district's field units, ranked under the guard: every
    active unit; with ``street``, that street's ratings only and the units it rated."""
    rated = _in(period).filter(unit__kind=K.FIELD_UNIT)
    if street is not None:
        rated = rated.filter(street=street)
    rows = rated.values("unit_id").annotate(n=Count("pk"), points=Sum("effective_total"))
    sums = {r["unit_id"]: (r["n"], r["points"]) for r in rows.order_by()}
    listed = [
        UnitScore(
            unit_id=u.pk,
            name=u.name,
            department_id=u.parent_id or u.pk,
            department=u.parent.name if u.parent else "",
            cases=sums[u.pk][0] if u.pk in sums else 0,
            score=_mean(*sums[u.pk]) if u.pk in sums else None,
            street_id=street.pk if street else None,
        )
        for u in field_units(district)
        if street is None or u.pk in sums
    ]
    return rank(listed, score=lambda s: s.score, cases=lambda s: s.cases)


def monthly_unit_scores(
    *, year: int, month: int, district: OrgUnit | None = None, street: OrgUnit | None = None
) -> list[UnitScore]:
    """派驻机构一月一考评."""
    return unit_scores(period=Period.month(year, month), district=district, street=street)


def _means(
    model: type[AnnualReview] | type[SurveyResponse], year: int
) -> dict[int, tuple[int, Decimal]]:
    rows = (
        model.objects.filter(year=year)
        .values("department_id")
        .annotate(n=Count("pk"), points=Sum("score"))
        .order_by()
    )
    return {r["department_id"]: (r["n"], Decimal(r["points"])) for r in rows}


def annual_scores(*, year: int, district: OrgUnit | None = None) -> list[AnnualScore]:
    """The year's score of every department, ranked under the guard."""
    process = _rating_sums(Period.year(year))
    reviews = _means(AnnualReview, year)
    surveys = _means(SurveyResponse, year)
    w_process: Decimal = settings.HUYING_SCORE_PROCESS_WEIGHT
    w_annual: Decimal = settings.HUYING_SCORE_ANNUAL_WEIGHT
    w_review: Decimal = settings.HUYING_ANNUAL_REVIEW_WEIGHT
    w_survey: Decimal = settings.HUYING_ANNUAL_SURVEY_WEIGHT
    listed = []
    for d in departments(district):
        n, points, cases = process.get(d.pk, (0, 0, 0))
        p = _mean(n, points) if n else None
        n_reviews, review_sum = reviews.get(d.pk, (0, Decimal(0)))
        n_forms, survey_sum = surveys.get(d.pk, (0, Decimal(0)))
        review = review_sum / n_reviews if n_reviews else None
        survey = survey_sum / n_forms if n_forms else None
        annual = (
            w_review * review + w_survey * survey
            if review is not None and survey is not None
            else None
        )
        score = w_process * p + w_annual * annual if p is not None and annual is not None else None
        listed.append(
            AnnualScore(
                department_id=d.pk,
                name=d.name,
                process=p,
                cases=cases,
                street_review=review,
                reviews=n_reviews,
                survey=survey,
                survey_forms=n_forms,
                annual=annual,
                score=score,
            )
        )
    return rank(listed, score=lambda s: s.score, cases=lambda s: s.cases)


def rank(
    items: Sequence[R],
    *,
    score: Callable[[R], Decimal | None],
    cases: Callable[[R], int],
    min_cases: int | None = None,
) -> list[R]:
    """Ranked items first (best score first, equal scores sharing a rank), then the
    unranked — too few cases or no score — by case count, as they came otherwise."""
    least: int = settings.HUYING_RANKING_MIN_CASES if min_cases is None else min_cases
    eligible = [i for i in items if score(i) is not None and cases(i) >= least]
    chosen = {id(i) for i in eligible}
    others = [i for i in items if id(i) not in chosen]
    eligible.sort(key=lambda i: _desc(score(i)))
    ranked: list[Any] = []
    previous: Decimal | None = None
    position = 0
    for index, item in enumerate(eligible, start=1):
        value = score(item)
        if value != previous:
            position, previous = index, value
        ranked.append(replace(item, rank=position))  # type: ignore[type-var]
    others.sort(key=lambda i: -cases(i))
    return ranked + [replace(i, rank=None) for i in others]  # type: ignore[type-var]


def _desc(value: Decimal | None) -> Decimal:
    assert value is not None
    return -value
