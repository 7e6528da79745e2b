"""Districts as tenants in the public survey (群众评价): a hub lists and counts its own
district's survey forms only; the city's supervisor, every district's."""

from __future__ import annotations

from huying.conftest import Neighbour, World
from huying.evaluation import selectors
from huying.evaluation.services.survey import survey_form_enter


def test_a_hub_reads_only_its_districts_survey_forms(world: World, neighbour: Neighbour) -> None:
    theirs = survey_form_enter(
        actor=world.actor("hub_q"),
        year=2026,
        form_no="Q-0001",
        respondent_type="resident",
        scores={neighbour.department.pk: 95},
    )
    ours = survey_form_enter(
        actor=world.actor("hub"),
        year=2026,
        form_no="J-0001",
        respondent_type="resident",
        scores={world.departments["cg"].pk: 80, world.departments["sw"].pk: 85},
    )
    seen = {
        who: (list(selectors.survey_batches(world.actor(who))), n)
        for who, n in (("hub", 1), ("hub_q", 1), ("city_sup", 2))
    }
    assert seen["hub"][0] == [ours]
    assert seen["hub_q"][0] == [theirs]
    assert set(seen["city_sup"][0]) == {ours, theirs}
    for who, (_batches, n) in seen.items():
        assert selectors.survey_form_count(world.actor(who), 2026) == n, who
