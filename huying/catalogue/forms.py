"""Console forms for the catalogue: parse and check the input's shape, then hand it to a
service. The rules (levels need a lead department, limits, drafts only …) live in
``services``; a refusal comes back onto the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huying.catalogue.attributes import attribute_lines, parse_attribute_lines
from huying.catalogue.models import Catalogue, CatalogueItem, Level, LimitUnit
from huying.catalogue.selectors import attribute_specs
from huying.catalogue.services import DEPARTMENT_KINDS
from huying.core.errors import InvalidInput
from huying.core.forms import xlsx_file_field
from huying.org.models import OrgUnit


def department_choices(
    catalogue: Catalogue, *, keep: set[int] | None = None
) -> list[tuple[int, str]]:
    """The catalogue's district's active departments, each followed by its field units;
    ``keep``: switched-off ones still named by the item being edited, marked, so the form
    shows what is stored."""
    keep = keep or set()
    units = (
        OrgUnit.objects.filter(
            path__startswith=f"/{catalogue.district_id}/", kind__in=DEPARTMENT_KINDS
        )
        .defer("boundary")
        .order_by("path")
        .values_list("pk", "name", "kind", "is_active")
    )
    choices = []
    for pk, name, kind, active in units:
        if not active and pk not in keep:
            continue
        label = f"　└ {name}" if kind == OrgUnit.Kind.FIELD_UNIT else name
        choices.append((pk, label if active else gettext("{name}（已停用）").format(name=label)))
    return choices


#: Numbers as text with a numeric keypad: a rejected "abc" comes back as typed, which an
#: ``<input type=number>`` may not hold.
_NUMBER = forms.TextInput(attrs={"inputmode": "numeric"})


class ItemForm(forms.Form):
    """An item of a draft version: the create form has a class and a code, the edit form not."""

    klass = forms.TypedChoiceField(label=_("类别"), coerce=int)
    code = forms.CharField(
        label=_("事项编码"), max_length=16, help_text=_("在本版清单内唯一，如 ZF13")
    )
    name = forms.CharField(label=_("事项名称"), max_length=100)
    default_level = forms.TypedChoiceField(label=_("默认等级"), coerce=int, choices=Level.choices)
    lead_department = forms.TypedChoiceField(
        label=_("主办部门"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("一般及以上等级必填"),
    )
    co_departments = forms.TypedMultipleChoiceField(
        label=_("协办部门"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
        help_text=_("复杂问题至少一个"),
    )
    report_in_limit = forms.IntegerField(label=_("报到时限"), min_value=1, widget=_NUMBER)
    report_in_unit = forms.ChoiceField(label=_("报到时限单位"), choices=LimitUnit.choices)
    handle_limit = forms.IntegerField(label=_("办理时限"), min_value=1, widget=_NUMBER)
    handle_unit = forms.ChoiceField(label=_("办理时限单位"), choices=LimitUnit.choices)
    handling_standard = forms.CharField(
        label=_("处置标准"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    closing_condition = forms.CharField(
        label=_("结案条件"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    keywords = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=300,
        help_text=_("用逗号、顿号或空格分隔，用于受理时自动匹配事项"),
    )
    synonyms = forms.CharField(
        label=_("近义词"),
        required=False,
        max_length=300,
        help_text=_("群众对这类问题的其他说法，分隔同关键词，也用于匹配事项"),
    )
    order = forms.IntegerField(label=_("排序号"), min_value=0, initial=0, widget=_NUMBER)
    attributes = forms.CharField(
        label=_("填报项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            "上报时要求反映人补充的信息（Open311 的服务属性），每行一项："
            "编码 | 类型 | 必填或选填 | 说明 | 选项。类型为 string、number、datetime、text、"
            "singlevaluelist（单选）或 multivaluelist（多选）；选项只用于单选和多选，"
            "写作“键=名称；键=名称”。例：depth | number | 必填 | 积水深度（厘米）"
        ),
    )

    #: Fields laid out across the whole form width.
    wide_fields = (
        "co_departments",
        "handling_standard",
        "closing_condition",
        "keywords",
        "synonyms",
        "attributes",
    )

    def __init__(
        self,
        *args: Any,
        catalogue: Catalogue,
        item: CatalogueItem | None = None,
        **kwargs: Any,
    ) -> None:
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": item.name,
                "default_level": item.default_level,
                "lead_department": item.lead_department_id,
                "co_departments": [u.pk for u in item.co_departments.all()],
                "report_in_limit": item.report_in_limit,
                "report_in_unit": item.report_in_unit,
                "handle_limit": item.handle_limit,
                "handle_unit": item.handle_unit,
                "handling_standard": item.handling_standard,
                "closing_condition": item.closing_condition,
                "keywords": item.keywords,
                "synonyms": item.synonyms,
                "order": item.order,
                "attributes": attribute_lines(attribute_specs(item)),
            }
        super().__init__(*args, **kwargs)
        keep: set[int] = set()
        if item is not None:
            del self.fields["klass"], self.fields["code"]
            keep = {u.pk for u in item.co_departments.all()}
            if item.lead_department_id:
                keep.add(item.lead_department_id)
        else:
            field = self.fields["klass"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [
                (k.pk, f"{k.code} {k.name}") for k in catalogue.classes.order_by("order", "code")
            ]
        choices = department_choices(catalogue, keep=keep)
        lead = self.fields["lead_department"]
        co = self.fields["co_departments"]
        assert isinstance(lead, forms.TypedChoiceField)
        assert isinstance(co, forms.TypedMultipleChoiceField)
        lead.choices = [("", gettext("（无，街道自行处置）")), *choices]
        co.choices = choices

    def clean_attributes(self) -> str:
        text: str = self.cleaned_data["attributes"]
        try:
            parse_attribute_lines(text)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None
        return text

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["attributes"] = parse_attribute_lines(data["attributes"])
        ids = [data["lead_department"], *data["co_departments"]]
        units = OrgUnit.objects.defer("boundary").in_bulk([i for i in ids if i])
        data["lead_department"] = units.get(data["lead_department"])
        data["co_departments"] = [units[i] for i in data["co_departments"] if i in units]
        data.pop("klass", None)
        return data


class ImportForm(forms.Form):
    """An XLSX catalogue to check, then import as a new draft version."""

    prefix = "import"

    file = xlsx_file_field()
    name = forms.CharField(
        label=_("新版本名称"),
        max_length=100,
        required=False,
        help_text=_("不填则取文件名（去掉“-v版本号”）"),
    )
