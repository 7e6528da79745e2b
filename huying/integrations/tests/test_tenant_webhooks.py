"""Districts as tenants in the webhooks: a district's subscription is told of its own
district's cases only; a city role's, of every district's."""

from __future__ import annotations

from huying.cases.tests.helpers import submit
from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.integrations.models import WebhookDelivery

from .test_webhooks import subscribe


def test_a_districts_subscription_hears_only_its_districts_cases(
    world: World, neighbour: Neighbour
) -> None:
    subs = {
        who: subscribe(world, f"http://127.0.0.1:9/{who}", owner=who, name=who)
        for who in ("hub", "hub_q", "city_sup")
    }
    ours = submit(world, now=MONDAY_10AM)
    theirs = submit(world, who="resident_q", point=(30.605, 104.305), now=MONDAY_10AM)
    assert theirs.district_id == neighbour.district.pk

    def told(who: str) -> set[int]:
        rows = WebhookDelivery.objects.filter(subscription=subs[who])
        return set(rows.values_list("case_id", flat=True))

    assert told("hub") == {ours.pk}
    assert told("hub_q") == {theirs.pk}
    assert told("city_sup") == {ours.pk, theirs.pk}
