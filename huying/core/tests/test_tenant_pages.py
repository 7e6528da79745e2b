"""Every page of the top bar opens for the roles of a city of two districts: the city's
(hub supervisor and admin at the city node, district none) and the second district's."""

from __future__ import annotations

import pytest

from huying.conftest import Neighbour, World
from huying.core.navigation import Menu, Shown, bar_for


def _urls(world: World, who: str) -> list[str]:
    urls = []
    for entry in bar_for(world.actor(who)):
        links = entry.links if isinstance(entry, Menu) else [entry]
        urls += [link.url for link in links if isinstance(link, Shown)]
    return urls


@pytest.mark.parametrize("who", ["city_sup", "city_admin", "hub_q", "admin_q", "leader_q"])
def test_each_page_of_the_bar_opens(world: World, neighbour: Neighbour, who: str) -> None:
    client = world.client(who)
    urls = _urls(world, who)
    assert urls
    broken = {}
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code != 200:
            broken[url] = response.status_code
    assert not broken, broken
