from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from huying.org.actors import under
from huying.org.models import OrgUnit


def grid_choices(reach: str) -> list[tuple[str, Any]]:
    """Every active grid under ``reach`` (the actor's district; the city's: all), grouped
    under its street and community (the list beside the map)."""
    units = OrgUnit.objects.filter(
        under("path", reach),
        kind__in=[OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID],
        is_active=True,
    ).values("id", "kind", "name", "parent_id", "path")
    by_id: dict[int, dict[str, Any]] = {u["id"]: dict(u) for u in units}
    groups: dict[str, list[tuple[int, str]]] = {}
    for unit in sorted(by_id.values(), key=lambda u: u["path"]):
        if unit["kind"] != OrgUnit.Kind.GRID:
            continue
        community: dict[str, Any] = by_id.get(unit["parent_id"]) or {}
        street: dict[str, Any] = by_id.get(community.get("parent_id") or 0) or {}
        label = " · ".join(n for n in (street.get("name"), community.get("name")) if n)
        groups.setdefault(label, []).append((unit["id"], unit["name"]))
    return [("", _("请选择网格")), *groups.items()]


class PlaceForm(forms.Form):
    """定位 one case: a point clicked on the map (in the map's coordinate system) or a grid
    from the list."""

    grid = forms.TypedChoiceField(label=_("网格"), coerce=int, required=False, empty_value=None)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    remember = forms.BooleanField(
        label=_("同时把这个地址加入地址库（作为地标），以后同样的地址自动落格"), required=False
    )
    alike = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, reach: str, alike: int = 0, **kwargs: Any) -> None:
        """``reach``: whose grids are offered (the actor's); ``alike``: how many other waiting
        cases have this address (none: no such choice)."""
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = grid_choices(reach)  # type: ignore[attr-defined]
        if alike:
            self.fields["alike"].label = ngettext(
                "同一地址的另外 %(n)d 件待定位事件一并定位到这里",
                "同一地址的另外 %(n)d 件待定位事件一并定位到这里",
                alike,
            ) % {"n": alike}
        else:
            del self.fields["alike"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("地址库文件（XLSX）"))
