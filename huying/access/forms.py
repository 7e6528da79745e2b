"""The form a department or a street sends a community task with: the item it cites is
chosen from the current DUTY and ASSIST lists (or none: then the gate refuses it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from huying.access.models import TASK_KINDS, ApplicationAction, ListKind
from huying.access.selectors import current_items
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TaskForm(forms.Form):
    recipient_id = forms.TypedChoiceField(label=gettext_lazy("接收社区"), coerce=int)
    item_id = forms.TypedChoiceField(
        label=gettext_lazy("清单事项"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy(
            "社区只承接现行依法履职、依法协助、社区事务准入清单内的工作；不引用清单事项的任务将被拒收并计入本单位。"
        ),
    )
    title = forms.CharField(label=gettext_lazy("任务名称"), max_length=200)
    basis = forms.CharField(
        label=gettext_lazy("任务依据"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline = forms.DateField(label=gettext_lazy("完成期限"), required=False, widget=DAY)

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A street sends to its own communities, a department to its district's.
        street = actor.unit.kind == OrgUnit.Kind.STREET
        communities = OrgUnit.objects.filter(
            under("path", actor.unit.path if street else actor.reach),
            kind=OrgUnit.Kind.COMMUNITY,
            is_active=True,
        )
        self.fields["recipient_id"].choices = [  # type: ignore[attr-defined]
            (str(c.pk), c.name) for c in communities.order_by("code").only("pk", "name")
        ]
        self.fields["item_id"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("（不引用清单事项）")),
            *(
                (
                    ListKind(kind).label,
                    [(str(i.pk), f"{i.code} {i.title}") for i in current_items(kind)],
                )
                for kind in TASK_KINDS
            ),
        ]


class ItemFields(forms.Form):
    """An item's own fields, as a department applies for it or the hub adds it; what each
    kind requires (the funding and staff, the alternative) is the service's to say."""

    title = forms.CharField(label=gettext_lazy("事项名称"), max_length=200, required=False)
    legal_basis = forms.CharField(
        label=gettext_lazy("法律依据"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    funding = forms.CharField(
        label=gettext_lazy("随事经费"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("依法协助、社区事务准入事项必填（权随责走、费随事转）"),
    )
    staffing = forms.CharField(
        label=gettext_lazy("随事人员"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("依法协助、社区事务准入事项必填"),
    )
    alternative = forms.CharField(
        label=gettext_lazy("替代办法"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("不应出具的证明必填：居民改为怎样办理"),
    )


class ApplicationForm(ItemFields):
    """A department's application to add an item or to withdraw one."""

    field_order = ["kind", "action"]

    kind = forms.ChoiceField(label=gettext_lazy("清单"), choices=ListKind.choices)
    action = forms.ChoiceField(label=gettext_lazy("申请类型"), choices=ApplicationAction.choices)
    code = forms.CharField(
        label=gettext_lazy("编码"),
        max_length=16,
        required=False,
        help_text=gettext_lazy("申请退出时填写现行清单中的事项编码"),
    )
    reason = forms.CharField(
        label=gettext_lazy("退出理由"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ItemForm(ItemFields):
    """The hub's own addition to a kind's draft."""

    field_order = ["title", "legal_basis", "department_id"]

    department_id = forms.TypedChoiceField(
        label=gettext_lazy("责任部门"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT, is_active=True)
        self.fields["department_id"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(d.pk), d.name) for d in departments.order_by("code").only("pk", "name")),
        ]
