"""The hotline pages' forms: parse and show errors only; the checks are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from huying.hotline.importing import FIELDS
from huying.hotline.models import HotlineSource


def _file_field(label: Any) -> forms.FileField:
    return forms.FileField(
        label=label,
        error_messages={"required": _("请选择要导入的文件"), "empty": _("文件是空的")},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=_("XLSX，或 UTF-8 / GBK 编码的 CSV"),
    )


class UploadForm(forms.Form):
    """A 12345 export to check (试导入), read by the chosen source's column mapping."""

    file = _file_field(_("工单文件"))
    source = forms.ModelChoiceField(
        label=_("来源（列对应）"),
        queryset=HotlineSource.objects.all(),
        required=False,
        empty_label=_("通用格式（默认列名）"),
    )


class SourceForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.SlugField(
        label=_("编码"),
        max_length=32,
        help_text=_("字母、数字、连字符，命令行 --source 用它"),
    )
    notes = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SampleForm(forms.Form):
    """A sample export whose header line the mapping editor lists."""

    file = _file_field(_("样例文件"))


IGNORE = ""


class MappingForm(forms.Form):
    """One choice per header of a sample export: the field it holds, or 不导入. The headers
    travel with the form as hidden ``header`` inputs, in their order."""

    def __init__(self, *args: Any, headers: list[str], current: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(IGNORE, _("（不导入）")), *FIELDS.items()]
        self.headers = headers
        for n, header in enumerate(headers):
            self.fields[f"h{n}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=current.get(header, "")
            )

    def rows(self) -> list[tuple[str, forms.BoundField]]:
        return [(h, self[f"h{n}"]) for n, h in enumerate(self.headers)]

    def mapping(self) -> dict[str, str]:
        return {
            h: self.cleaned_data[f"h{n}"]
            for n, h in enumerate(self.headers)
            if self.cleaned_data.get(f"h{n}")
        }
