"""The reads behind the evaluation pages: what is due for rating, and what a person may do
with a rating — which must be exactly what the services then allow."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from django.db import transaction

from huying.cases.models import Case, CaseState
from huying.cases.tests.helpers import case_in_state
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import DomainError
from huying.evaluation import rules, selectors
from huying.evaluation.models import Rating
from huying.evaluation.services import (
    rating_appeal,
    rating_correct,
    rating_create,
    rating_rule_appeal,
)
from huying.org.models import DataScope

from .helpers import at, scores, verified_case

pytestmark = pytest.mark.django_db

LATER = MONDAY_10AM + timedelta(days=1)
PEOPLE = [
    "street",
    "street_leader",
    "street_b",
    "hub",
    "hub_sup",
    "dept_cg",
    "dept_cg_leader",
    "dept_cg_unit",
    "dept_sw",
    "leader",
    "admin",
    "grid_worker",
    "community",
    "resident",
]


class _Undo(Exception):
    pass


def _allowed(write: Callable[[], object]) -> bool:
    """Would the service take this write? Tried, then rolled back."""
    try:
        with transaction.atomic():
            write()
            raise _Undo
    except _Undo:
        return True
    except DomainError:
        return False


def _rating_in(world: World, stage: str) -> Rating:
    case = verified_case(world, verified=at(3, 2))
    rating = rating_create(
        actor=world.actor("street"),
        case_id=case.pk,
        department_id=world.departments["cg"].pk,
        scores=scores(12),
        now=LATER,
    )
    if stage in ("corrected", "appealed", "ruled"):
        if stage == "corrected":
            rating_correct(
                actor=world.actor("street"), rating_id=rating.pk, scores=scores(13), reason="改"
            )
        else:
            rating_appeal(actor=world.actor("dept_cg"), rating_id=rating.pk, reason="不服")
        if stage == "ruled":
            rating_rule_appeal(
                actor=world.actor("hub"), rating_id=rating.pk, uphold=False, reason="维持"
            )
    rating.refresh_from_db()
    return rating


@pytest.mark.parametrize("stage", ["fresh", "corrected", "appealed", "ruled"])
def test_what_a_page_offers_is_exactly_what_the_services_allow(world: World, stage: str) -> None:
    rating = _rating_in(world, stage)
    for who in PEOPLE:
        actor = world.actor(who)
        visible = selectors.ratings_visible_to(actor).filter(pk=rating.pk).first()
        if visible is None:
            continue  # out of scope: the pages answer 404 before asking
        appeal = getattr(visible, "appeal", None)
        offered = rules.rating_offers(
            role=actor.role,
            unit_id=actor.unit.pk,
            district_id=actor.district_id,
            street_id=visible.street_id,
            revision=visible.revision,
            appeal_state=appeal.state if appeal else None,
        )
        allowed = {
            rules.CORRECT: _allowed(
                partial(
                    rating_correct,
                    actor=actor,
                    rating_id=rating.pk,
                    scores=scores(19),
                    reason="更正",
                )
            ),
            rules.APPEAL: _allowed(
                partial(rating_appeal, actor=actor, rating_id=rating.pk, reason="申诉")
            ),
            rules.RULE: _allowed(
                partial(
                    rating_rule_appeal,
                    actor=actor,
                    rating_id=rating.pk,
                    uphold=False,
                    reason="驳回",
                )
            ),
        }
        assert offered == {name for name, ok in allowed.items() if ok}, (stage, who)


def test_due_rows_are_the_unrated_responding_departments_of_the_streets_cases(
    world: World,
) -> None:
    both = verified_case(world, departments=("sw", "hb"), verified=at(3, 2))
    single = verified_case(world, verified=at(3, 1))
    verified_case(world, verified=at(3, 1), grid=2)  # another street's
    case_in_state(world, CaseState.VERIFYING)  # not yet verified
    street = world.actor("street")
    rows = list(selectors.ratings_due(street))
    expected = [
        (single.pk, world.departments["cg"].pk),
        (both.pk, world.departments["sw"].pk),
        (both.pk, world.departments["hb"].pk),
    ]
    assert sorted((r["case_id"], r["rated"]) for r in rows) == sorted(expected)
    assert selectors.ratings_due_count(street) == 3
    assert rows[0]["case_id"] == single.pk  # verified first, listed first
    rating_create(
        actor=street, case_id=both.pk, department_id=world.departments["hb"].pk,
        scores=scores(17), now=LATER,
    )  # fmt: skip
    assert selectors.ratings_due_count(street) == len(selectors.ratings_due(street)) == 2
    assert [d.name for d in selectors.rating_targets(street, both)] == ["水务局"]
    assert selectors.rating_targets(world.actor("street_b"), both) == []
    assert selectors.rating_targets(world.actor("hub"), both) == []
    for who in ("hub", "dept_cg", "leader", "resident", "grid_worker"):
        assert selectors.ratings_due_count(world.actor(who)) == 0, who


def test_a_narrowed_street_grant_has_only_its_own_scope_due(world: World) -> None:
    """A street role whose grant was narrowed (to its own reports) rates only what it sees."""
    mine = verified_case(world, verified=at(3, 1))
    street = world.actor("street")
    assert selectors.ratings_due_count(street) == 1
    own = dataclasses.replace(street, scope=DataScope.SELF)
    assert selectors.ratings_due_count(own) == len(selectors.ratings_due(own)) == 0
    Case.objects.filter(pk=mine.pk).update(reporter=street.user)
    assert [r["case_id"] for r in selectors.ratings_due(own)] == [mine.pk]
    assert selectors.ratings_due_count(own) == 1


def test_a_withdrawn_department_is_not_due(world: World) -> None:
    """A department the hub took the case back from did not answer it: nothing to rate."""
    case = case_in_state(world, CaseState.CLOSED)
    street = world.actor("street")
    assert selectors.ratings_due_count(street) == len(selectors.ratings_due(street)) == 1
    from huying.cases.models import Assignment

    Assignment.objects.filter(case=case).update(state="withdrawn")
    assert selectors.ratings_due_count(street) == len(selectors.ratings_due(street)) == 0
