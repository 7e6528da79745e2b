"""The top bar's links. Each app declares its own in a ``nav`` module (found at start-up,
as the admin finds ``admin`` modules): who sees the link and where it leads them. Core draws
what an actor may see, so the base template carries no role lists and a lower layer never
names a higher one's pages.

Links of one group (the community's affairs: 一口受理, 社区准入, 志愿服务, 居民议事, 生活圈)
fold into one menu, so a street's top bar still fits a desktop screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy

#: Group key → its menu's label.
GROUPS: dict[str, Promise] = {"community": gettext_lazy("社区治理")}


@dataclass(frozen=True)
class NavLink:
    #: The ``nav`` value the link's pages put in their context (it marks the current link).
    key: str
    label: Promise | str
    #: The link's address for an actor, or None when the actor has no such page.
    target: Callable[[Any], str | None]
    #: Place in the bar, left to right.
    order: int
    group: str = ""


@dataclass(frozen=True)
class Shown:
    key: str
    label: Promise | str
    url: str


@dataclass(frozen=True)
class Menu:
    label: Promise | str
    links: list[Shown]

    @property
    def keys(self) -> list[str]:
        return [link.key for link in self.links]


_links: dict[str, NavLink] = {}


def register(*links: NavLink) -> None:
    for link in links:
        _links[link.key] = link


def discover() -> None:
    autodiscover_modules("nav")


def bar_for(actor: Any) -> list[Shown | Menu]:
    """What the actor's top bar shows, in order; a group's links as one menu where the first
    of them would stand (a group of one is a plain link)."""
    entries: list[Shown | Menu] = []
    menus: dict[str, Menu] = {}
    for link in sorted(_links.values(), key=lambda link: link.order):
        url = link.target(actor)
        if url is None:
            continue
        shown = Shown(link.key, link.label, url)
        if not link.group:
            entries.append(shown)
        elif link.group in menus:
            menus[link.group].links.append(shown)
        else:
            menus[link.group] = Menu(GROUPS[link.group], [shown])
            entries.append(menus[link.group])
    return [e.links[0] if isinstance(e, Menu) and len(e.links) == 1 else e for e in entries]


def nav_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: ``nav_bar`` for a page with an acting role."""
    actor = getattr(request, "actor", None)
    return {"nav_bar": bar_for(actor)} if actor is not None else {}
