"""Districts as tenants in reverse evaluation: an appeal is ruled by its own district's hub.
The city's supervisor reads every district's ratings but rules on none; the next district's
hub does not see them at all."""

from __future__ import annotations

import pytest

from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.core.errors import NotFound, PermissionDenied
from huying.evaluation import selectors
from huying.evaluation.models import AppealState
from huying.evaluation.services.ratings import rating_appeal, rating_create, rating_rule_appeal

from .helpers import footprint, scores


def test_only_the_districts_hub_rules_on_its_appeals(world: World, neighbour: Neighbour) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    rating = rating_create(
        actor=world.actor("street"),
        case_id=case.pk,
        department_id=world.departments["cg"].pk,
        scores=scores(10),
        reason="未按时到场",
        now=MONDAY_10AM,
    )
    rating_appeal(actor=world.actor("dept_cg"), rating_id=rating.pk, reason="按时报到")
    city = world.actor("city_sup")
    assert rating in selectors.ratings_visible_to(city)  # it reads them
    assert not selectors.rules_on_appeals(city)
    assert list(selectors.appeals_pending(city)) == []
    assert [r.pk for r in selectors.appeals_pending(world.actor("hub"))] == [rating.pk]
    before = footprint(case)
    for who, refused in (("city_sup", PermissionDenied), ("sup_q", NotFound)):
        with pytest.raises(refused):
            rating_rule_appeal(
                actor=world.actor(who), rating_id=rating.pk, uphold=False, reason="不成立"
            )
    assert footprint(case) == before
    ruled = rating_rule_appeal(
        actor=world.actor("hub_sup"), rating_id=rating.pk, uphold=False, reason="记录显示迟到"
    )
    assert ruled.state == AppealState.REFUSED
