"""Console forms for departments and grids: they parse the input (the GeoJSON text, for one)
and hand it to a service, where the rules live."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huying.org.models import OrgUnit
from huying.org.selectors import district_streets


class UnitForm(forms.Form):
    """A department or field unit."""

    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.CharField(
        label=_("编码"), max_length=32, help_text=_("字母、数字、“-”；派驻机构以所属部门编码开头")
    )
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False)

    @classmethod
    def for_unit(cls, unit: OrgUnit, data: Any = None, **kwargs: Any) -> UnitForm:
        initial: dict[str, Any] = {"name": unit.name, "code": unit.code, "phone": unit.phone}
        initial["is_active"] = unit.is_active
        form = cls(data, initial=initial, **kwargs)
        if unit.kind == OrgUnit.Kind.FIELD_UNIT:
            form.fields["stationed_in"] = stations_field(unit)
            form.initial["stationed_in"] = list(unit.stationed_in.values_list("pk", flat=True))
        return form


def stations_field(unit: OrgUnit) -> forms.TypedMultipleChoiceField:
    """A field unit's streets (派驻街道), to tick: its district's."""
    streets = district_streets(unit)
    return forms.TypedMultipleChoiceField(
        label=_("派驻街道"),
        required=False,
        coerce=int,
        choices=[(s.pk, s.name) for s in streets.only("pk", "name")],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本机构人员可作为驻街执法人员陪同这些街道的网格员巡查（三陪同）"),
    )


class FieldUnitForm(forms.Form):
    """A new field unit (派驻机构) of a department; prefixed, as it shares the page with the
    department's own form."""

    prefix = "new"

    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.CharField(label=_("编码"), max_length=32)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)

    def __init__(self, *args: Any, department: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = gettext("以「{prefix}」开头").format(
            prefix=f"{department.code}-"
        )
        self.fields["stationed_in"] = stations_field(department)


def format_geojson(boundary: dict[str, Any]) -> str:
    """A polygon as editable text: one ``[lng, lat]`` point per line."""

    def rings(polygon: list[Any], indent: str) -> str:
        out = []
        for ring in polygon:
            points = f",\n{indent}  ".join(json.dumps(p) for p in ring)
            out.append(f"{indent}[\n{indent}  {points}\n{indent}]")
        return ",\n".join(out)

    kind, coordinates = boundary.get("type"), boundary.get("coordinates")
    if kind == "Polygon" and isinstance(coordinates, list):
        body = rings(coordinates, "  ")
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        body = ",\n".join(f"  [\n{rings(polygon, '    ')}\n  ]" for polygon in coordinates)
    else:
        return json.dumps(boundary, ensure_ascii=False, indent=2)
    return f'{{"type": "{kind}", "coordinates": [\n{body}\n]}}'


#: The boundary as text is bounded before it is parsed (its vertices once it is).
BOUNDARY_MAX_CHARS = 1_000_000


def _not_json(name: str) -> Any:
    """Python's reader takes ``Infinity`` and ``NaN``; JSON (and a coordinate) does not."""
    raise forms.ValidationError(gettext("边界不是有效的 JSON：不能有 {name}").format(name=name))


def _geometry_of(value: Any) -> Any:
    """A Feature's geometry, or a one-feature FeatureCollection's (what drawing tools such as
    geojson.io export); anything else as given, for the service to judge."""
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise forms.ValidationError(
                gettext("FeatureCollection 中应只有一个要素（本网格的边界）")
            )
        value = features[0]
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    return value


class GridForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.CharField(
        label=_("编码"), max_length=15, help_text=_("15位：所属社区的12位编码 + 3位网格序号")
    )
    boundary = forms.CharField(
        label=_("边界（GeoJSON）"),
        required=False,
        max_length=BOUNDARY_MAX_CHARS,
        error_messages={
            "max_length": _("边界文本太长：最多 %(limit_value)d 个字符（现有 %(show_value)d 个）")
        },
        widget=forms.Textarea(attrs={"class": "geojson", "spellcheck": "false", "rows": 14}),
        help_text=_(
            "WGS-84 坐标，[经度, 纬度] 顺序；Polygon、MultiPolygon 或包含一个要素的 Feature/FeatureCollection"
        ),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False)

    @classmethod
    def for_grid(cls, grid: OrgUnit, data: Any = None) -> GridForm:
        initial = {
            "name": grid.name,
            "code": grid.code,
            "boundary": format_geojson(grid.boundary) if grid.boundary else "",
            "is_active": grid.is_active,
        }
        return cls(data, initial=initial)

    def clean_boundary(self) -> Any:
        text = self.cleaned_data["boundary"].strip()
        if not text:
            return None
        try:
            value = json.loads(text, parse_constant=_not_json)
        except RecursionError:
            raise forms.ValidationError(gettext("边界 JSON 嵌套过深")) from None
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                gettext("边界不是有效的 JSON：第 {line} 行第 {column} 列附近有错误").format(
                    line=exc.lineno, column=exc.colno
                )
            ) from exc
        return _geometry_of(value)
