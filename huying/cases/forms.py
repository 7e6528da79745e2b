"""Web forms for the console: they parse and validate input, then hand it to a service.

No rule lives here. Which actions a user sees comes from ``rules.available``; what an
action does comes from the service it names in ``CASE_ACTIONS`` / ``ASSIGNMENT_ACTIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from huying.cases import services
from huying.cases.hooks import case_restriction
from huying.cases.models import CaseState, Satisfaction, Source, Tier
from huying.cases.selectors import CaseFilters
from huying.catalogue.models import Level
from huying.catalogue.selectors import current_items, current_items_cached, current_remembered
from huying.core.i18n import join_list
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit


def _units(kind: str, within: str) -> list[tuple[str, str]]:
    """The active units of a kind under a path prefix ("": every district's)."""
    rows = OrgUnit.objects.filter(under("path", within), kind=kind, is_active=True)
    return [(str(pk), name) for pk, name in rows.order_by("code").values_list("pk", "name")]


def _department_choices(within: str = "") -> list[tuple[str, str]]:
    return _units(OrgUnit.Kind.DEPARTMENT, within)


def _any_department() -> list[tuple[str, str]]:
    """Every district's departments, read only if a form is used before ``suit`` narrows it
    to its case's district (an action page always suits it: no statement then)."""
    return [("", str(_("按事项的主办部门"))), *_department_choices()]


def _case_departments(case: Any) -> list[tuple[str, str]]:
    """The departments that may take a case: its district's."""
    return _department_choices(f"/{case.district_id}/")


def _item_choices(district_id: int | None) -> list[tuple[str, str]]:
    return [
        (str(i.pk), f"{i.code} {i.name}")
        for i in current_items(district_id).order_by("klass__order", "order")
    ]


def _current_items(district_id: int) -> list[Any]:
    """The district's current items with their lead and co-handling departments, in the
    catalogue's order (remembered: read, never changed, here)."""
    return current_items_cached(district_id)


BLANK: list[tuple[Any, Any]] = [("", _("全部"))]


class CaseFilterForm(forms.Form):
    """The case list's filters: the API's, plus a date range. Invalid values are errors, not
    silently ignored filters."""

    text = forms.CharField(label=_("关键词"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[*BLANK, *CaseState.choices])
    level = forms.TypedChoiceField(
        label=_("等级"), required=False, coerce=int, empty_value=None, choices=BLANK + Level.choices
    )
    item = forms.TypedChoiceField(label=_("事项"), required=False, coerce=int, empty_value=None)
    street = forms.TypedChoiceField(label=_("街道"), required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(
        label=_("承办部门"), required=False, coerce=int, empty_value=None
    )
    source = forms.ChoiceField(label=_("来源"), required=False, choices=BLANK + Source.choices)
    clock = forms.ChoiceField(
        label=_("时限"),
        required=False,
        choices=[*BLANK, ("overdue", _("已超期")), ("due_soon", _("即将超期"))],
    )
    date_from = forms.DateField(
        label=_("上报日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A drill-down from an indicator table (its own parameters, not fields): garbage is
        # an InvalidInput, a 422 page, before anything is listed.
        self.drill = case_restriction(self.data) if self.is_bound else None
        self.fields["item"].choices = BLANK + _item_choices(actor.district_id)  # type: ignore[attr-defined]
        # The reader's district's streets and departments (a city role's: every district's).
        streets = _units(OrgUnit.Kind.STREET, actor.reach)
        self.fields["street"].choices = BLANK + streets  # type: ignore[attr-defined]
        departments = _department_choices(actor.reach)
        self.fields["department"].choices = BLANK + departments  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data

    def narrows(self) -> bool:
        """Whether any filter is set (beyond a drill-down)."""
        return self.is_valid() and any(v not in (None, "") for v in self.cleaned_data.values())

    def filters(self) -> CaseFilters:
        d = self.cleaned_data
        tz = timezone.get_current_timezone()

        def day(value: Any, plus: int = 0) -> datetime | None:
            if not value:
                return None
            return datetime.combine(value + timedelta(days=plus), time.min, tzinfo=tz)

        return CaseFilters(
            state=d.get("state") or None,
            level=d.get("level"),
            item_id=d.get("item"),
            street_id=d.get("street"),
            department_id=d.get("department"),
            source=d.get("source") or None,
            overdue=True if d.get("clock") == "overdue" else None,
            due_soon=True if d.get("clock") == "due_soon" else None,
            text=d.get("text") or None,
            reported_from=day(d.get("date_from")),
            reported_to=day(d.get("date_to"), plus=1),
            drill=self.drill.query() if self.drill else None,
        )


# --- action forms ------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action form carries the version the user saw: a stale page gets a 409."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, district_id: int | None = None, **kwargs: Any) -> None:
        """``district_id``: the case's, for the forms that offer its catalogue's items."""
        super().__init__(*args, **kwargs)
        self.district_id = district_id

    def suit(self, case: Any) -> None:
        """Fit an unbound form to the case it is shown on (defaults it names); most need
        nothing."""

    def preselect(self, prefill: Any) -> None:
        """Start from the triage suggestion (``cases.suggestion.Prefill``); before ``suit``.
        Only the triage forms take it."""

    def defaults_item(self, case: Any) -> Any:
        """The catalogue item whose defaults (lead, co-handlers) the form names."""
        return case.item if case.item_id else None

    def service_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v is not None and v != []}


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); each is checked by the
    service (type sniffed, size capped), not here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ResultForm(ActionForm):
    result = forms.CharField(label=_("处置结果"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("现场照片/材料"))

    def service_kwargs(self) -> dict[str, Any]:
        return with_files(super().service_kwargs())


class AttachForm(NoteForm):
    photos = MultipleFileField(label=_("照片/材料"))

    def service_kwargs(self) -> dict[str, Any]:
        return with_files(super().service_kwargs())


def with_files(data: dict[str, Any]) -> dict[str, Any]:
    """The form's ``photos`` are the service's ``files`` (``files`` is taken on a Form)."""
    data["files"] = data.pop("photos", [])
    return data


class TriageForm(ActionForm):
    item_id = forms.TypedChoiceField(label=_("事项"), coerce=int)
    level = forms.TypedChoiceField(
        label=_("等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("按事项默认等级")), *Level.choices],
    )
    level_reason = forms.CharField(
        label=_("调整等级的理由"),
        required=False,
        help_text=_("等级与事项默认等级不同时必填"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = _current_items(self.district_id) if self.district_id is not None else []
        self.items = {i.pk: i for i in items}
        field = self.fields["item_id"]
        field.widget = ItemSelect(
            _item_defaults(self.items.values())
            if self.district_id is None
            else current_remembered.get(  # with the items: forgotten when they change
                "current",
                f"item-defaults:{self.district_id}:{get_language()}",
                lambda: _item_defaults(self.items.values()),
            )
            or {}
        )
        field.widget.is_required = field.required
        field.choices = [  # type: ignore[attr-defined]
            ("", _("请选择")),
            *((str(i.pk), f"{i.code} {i.name}") for i in self.items.values()),
        ]
        self.fields["level"].widget.attrs["data-item-level"] = ""
        self.fields["level_reason"].widget.attrs["data-level-reason"] = ""

    def preselect(self, prefill: Any) -> None:
        """The suggested item and level (``cases.suggestion``): a bound form keeps what was
        sent, and ``suit`` keeps the case's own item."""
        if not self.is_bound:
            self.initial.update(prefill.initial())

    def suit(self, case: Any) -> None:
        super().suit(case)  # a combined form's second step names its defaults too
        if case.item_id:
            self.initial["item_id"] = case.item_id
        level = self.fields["level"]
        choices = list(level.choices)  # type: ignore[attr-defined]
        level.choices = [("", _level_label(self.defaults_item(case))), *choices[1:]]  # type: ignore[attr-defined]

    def defaults_item(self, case: Any) -> Any:
        """A form shown again after a refusal names the defaults of the item it chose; a
        new one those of the item it starts with (the case's, or the suggested one)."""
        if self.is_bound:
            chosen = self.data.get(self.add_prefix("item_id"), "")
            return self.items.get(int(chosen)) if str(chosen).isdigit() else None
        if case.item_id:
            return super().defaults_item(case)
        return self.items.get(self.initial.get("item_id"))


class MergeForm(ActionForm):
    master_number = forms.CharField(label=_("主事件编号"), max_length=32)
    reason = forms.CharField(label=_("说明"), required=False)
    master_id: int  # the view looks the number up within the actor's scope

    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        data["master_id"] = self.master_id  # set by the view from the scoped lookup
        del data["master_number"]
        return data


class SplitForm(ActionForm):
    parts = forms.CharField(
        label=_("拆分后的问题（每行一个）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个问题标题，至少两行"),
    )
    reason = forms.CharField(label=_("理由"))

    def clean_parts(self) -> list[dict[str, str]]:
        lines = [line.strip() for line in self.cleaned_data["parts"].splitlines() if line.strip()]
        if len(lines) < 2:
            raise forms.ValidationError(_("至少填写两个问题，每行一个"))
        if any(len(line) > 200 for line in lines):
            raise forms.ValidationError(_("每个问题标题不超过 200 字"))
        return [{"title": line} for line in lines]


class DepartmentPicker(forms.CheckboxSelectMultiple):
    """Departments as checkboxes under a search box (core/page.js narrows the list as one
    types; without script it is a plain list). ``note`` names the defaults under the box;
    ``default_co`` are the ticks they bring (page.js swaps them when the item changes).
    A Jinja2 template (``cases/jinja2/``), as every widget is (``core.renderers``)."""

    template_name = "cases/widgets/department_picker.html"
    use_fieldset = True
    note: str = ""
    default_co: list[int] | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            note=self.note,
            default_co=None if self.default_co is None else " ".join(map(str, self.default_co)),
            search_placeholder=_("输入部门名称搜索"),
            search_label=_("搜索部门"),
            empty_note=_("没有名称含此文字的部门"),
        )
        return context


def _lead_label(item: Any) -> str:
    """ "按事项的主办部门" says which department that is."""
    lead = item.lead_department if item else None
    if lead is None:
        return str(_("按事项的主办部门"))
    return _("按事项的主办部门（{name}）").format(name=lead.name)


def _default_co(item: Any, skip: Any = ()) -> list[Any]:
    return [d for d in item.co_departments.all() if d.is_active and d.pk not in skip]


def _defaults_note(item: Any, co: list[Any]) -> str:
    lead = item.lead_department
    return _("事项「{item}」默认：主办 {lead}；协办 {co}").format(
        item=item.name,
        lead=lead.name if lead else _("未指定"),
        co=join_list(d.name for d in co) if co else _("无"),
    )


def _name_the_lead(form: forms.Form, field: str, item: Any) -> None:
    choices = list(form.fields[field].choices)  # type: ignore[attr-defined]
    form.fields[field].choices = [("", _lead_label(item)), *choices[1:]]  # type: ignore[attr-defined]


def _co_handlers_by_default(form: forms.Form, field: str, item: Any, *, skip: Any = ()) -> None:
    """The item's co-handling departments start ticked, and the note under the search box
    names the item's lead and co-handlers."""
    if item is None:
        form.fields[field].widget.default_co = []  # none yet: an item chosen later brings its own
        return
    co = _default_co(item, skip)
    form.initial[field] = [d.pk for d in co]
    form.fields[field].widget.note = _defaults_note(item, co)
    form.fields[field].widget.default_co = [d.pk for d in co]


def _level_label(item: Any) -> str:
    """The level select's first choice names the level it stands for."""
    if item is None:
        return str(_("按事项默认等级"))
    return str(_("按事项默认等级（{level}）").format(level=Level(item.default_level).label))


class ItemSelect(forms.Select):
    """The item choice of a form that also names the item's defaults: each option carries
    the defaults it brings (the lead's label, the co-handlers to tick and the note), which
    core/page.js shows when the choice changes. The server checks whatever is sent."""

    def __init__(self, defaults: dict[str, dict[str, str]]) -> None:
        super().__init__(attrs={"data-item-defaults": ""})
        self.defaults = defaults

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"].update(self.defaults.get(str(value), {}))
        return option


def _item_defaults(items: Any) -> dict[str, dict[str, str]]:
    defaults = {
        "": {
            "data-lead-label": _lead_label(None),
            "data-level-label": _level_label(None),
            "data-co": "",
            "data-note": "",
        }
    }
    for item in items:
        co = _default_co(item)
        defaults[str(item.pk)] = {
            "data-lead-label": _lead_label(item),
            "data-level-label": _level_label(item),
            "data-co": " ".join(str(d.pk) for d in co),
            "data-note": _defaults_note(item, co),
        }
    return defaults


class CallForm(ActionForm):
    department_id = forms.TypedChoiceField(
        label=_("呼叫部门"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department_id"].choices = _any_department  # type: ignore[attr-defined]

    def suit(self, case: Any) -> None:
        lead = self.fields["department_id"]
        lead.choices = [("", _("按事项的主办部门")), *_case_departments(case)]  # type: ignore[attr-defined]
        _name_the_lead(self, "department_id", self.defaults_item(case))


class DispatchForm(ActionForm):
    lead_department_id = forms.TypedChoiceField(
        label=_("主办部门"), required=False, coerce=int, empty_value=None
    )
    co_department_ids = forms.TypedMultipleChoiceField(
        label=_("协办部门"),
        required=False,
        coerce=int,
        widget=DepartmentPicker,
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_department_id"].choices = _any_department  # type: ignore[attr-defined]
        self.fields["co_department_ids"].choices = _department_choices  # type: ignore[attr-defined]

    def suit(self, case: Any) -> None:
        departments = _case_departments(case)
        self.fields["lead_department_id"].choices = [("", _("按事项的主办部门")), *departments]  # type: ignore[attr-defined]
        self.fields["co_department_ids"].choices = departments  # type: ignore[attr-defined]
        item = self.defaults_item(case)
        _name_the_lead(self, "lead_department_id", item)
        _co_handlers_by_default(self, "co_department_ids", item)


class CoHandlersForm(ActionForm):
    department_ids = forms.TypedMultipleChoiceField(
        label=_("增派协办部门"), coerce=int, widget=DepartmentPicker
    )
    note = forms.CharField(label=_("说明"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department_ids"].choices = _department_choices  # type: ignore[attr-defined]

    def suit(self, case: Any) -> None:
        self.fields["department_ids"].choices = _case_departments(case)  # type: ignore[attr-defined]
        # The item's co-handlers not yet on the case (a department may hold one live
        # assignment per case).
        on_case = {a.department_id for a in case.assignments.all()}
        _co_handlers_by_default(self, "department_ids", self.defaults_item(case), skip=on_case)


TRIAGE_FIRST = ["item_id", "level", "level_reason"]


class _TriageFirst(TriageForm):
    """A triage followed by a step that names the item's defaults: the defaults shown follow
    the item chosen in the same form (``ItemSelect``, core/page.js)."""

    field_order = TRIAGE_FIRST
    lead_field: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.lead_field].widget.attrs["data-item-lead"] = ""


class TriageCallForm(_TriageFirst, CallForm):
    """研判并呼叫: the triage's fields, then the call's."""

    lead_field = "department_id"


class TriageDispatchForm(_TriageFirst, DispatchForm):
    """研判并派单: the triage's fields, then the hub dispatch's."""

    lead_field = "lead_department_id"


class FollowUpForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=_("回访结果"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("回访记录"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyPassForm(NoteForm):
    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        return {"passed": True, "reason": data.pop("note", ""), **data}


class ReworkForm(ReasonForm):
    def service_kwargs(self) -> dict[str, Any]:
        return {"passed": False, **super().service_kwargs()}


class RulingForm(ReasonForm):
    """Upholding needs no reason; refusing does (the rules table says so, not this form)."""

    reason = forms.CharField(
        label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UpholdForm(RulingForm):
    def service_kwargs(self) -> dict[str, Any]:
        return {"uphold": True, **super().service_kwargs()}


class RefuseForm(ReasonForm):
    def service_kwargs(self) -> dict[str, Any]:
        return {"uphold": False, **super().service_kwargs()}


class ExtensionForm(ReasonForm):
    until = forms.DateTimeField(
        label=_("延期至"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class ApproveExtensionForm(RulingForm):
    def service_kwargs(self) -> dict[str, Any]:
        return {"approve": True, **super().service_kwargs()}


class DenyExtensionForm(ReasonForm):
    def service_kwargs(self) -> dict[str, Any]:
        return {"approve": False, **super().service_kwargs()}


class RaiseToCommunityForm(NoteForm):
    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        return {"to": Tier.COMMUNITY, "reason": data.pop("note", ""), **data}


class RaiseToStreetForm(NoteForm):
    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        return {"to": Tier.STREET, "reason": data.pop("note", ""), **data}


@dataclass(frozen=True)
class WebAction:
    form: type[ActionForm]
    service: Callable[..., Any]
    primary: bool = False  # the action the page offers first


#: Case actions (rule names from ``rules.CASE_TABLE``) → form and service. System-only
#: actions (results_in, reroute, overdue) have no form: no person may take them.
CASE_ACTIONS: dict[str, WebAction] = {
    "triage": WebAction(TriageForm, services.case_triage, primary=True),
    "reject": WebAction(ReasonForm, services.case_reject),
    "merge": WebAction(MergeForm, services.case_merge),
    "split": WebAction(SplitForm, services.case_split),
    "self_handle": WebAction(NoteForm, services.case_self_handle, primary=True),
    "call": WebAction(CallForm, services.case_call, primary=True),
    "hub_dispatch": WebAction(DispatchForm, services.case_hub_dispatch, primary=True),
    "leader_dispatch": WebAction(DispatchForm, services.case_leader_dispatch, primary=True),
    "add_co_handler": WebAction(CoHandlersForm, services.case_add_co_handler),
    # one submit, two steps (rules.COMBINED_ACTIONS)
    "triage_call": WebAction(TriageCallForm, services.case_triage_and_call, primary=True),
    "triage_dispatch": WebAction(
        TriageDispatchForm, services.case_triage_and_dispatch, primary=True
    ),
    # 上报先到网格员: a report from the grid's informant or chief (rules.AT_GRID)
    "grid_settle": WebAction(ResultForm, services.case_grid_settle, primary=True),
    "grid_handle": WebAction(NoteForm, services.case_grid_handle),
    "grid_merge": WebAction(MergeForm, services.case_merge),
    "raise_to_community": WebAction(RaiseToCommunityForm, services.case_raise),
    "raise_to_street": WebAction(RaiseToStreetForm, services.case_raise),
    "complete_self": WebAction(ResultForm, services.case_complete_self, primary=True),
    "escalate": WebAction(ReasonForm, services.case_escalate),
    "escalate_to_hub": WebAction(ReasonForm, services.case_escalate),
    "urge": WebAction(NoteForm, services.case_urge),
    "supervise": WebAction(NoteForm, services.case_supervise),
    "suspend": WebAction(ReasonForm, services.case_suspend),
    "resume": WebAction(NoteForm, services.case_resume, primary=True),
    "verify_pass": WebAction(VerifyPassForm, services.case_verify, primary=True),
    "rework": WebAction(ReworkForm, services.case_verify),
    "rework_self": WebAction(ReworkForm, services.case_verify),
    "follow_up": WebAction(FollowUpForm, services.case_follow_up, primary=True),
    "reopen": WebAction(ReasonForm, services.case_reopen),
    "archive": WebAction(NoteForm, services.case_archive),
    "attach": WebAction(AttachForm, services.case_attach),
}

ASSIGNMENT_ACTIONS: dict[str, WebAction] = {
    "report_in": WebAction(NoteForm, services.assignment_report_in, primary=True),
    "accept": WebAction(NoteForm, services.assignment_accept, primary=True),
    "request_return": WebAction(ReasonForm, services.assignment_request_return),
    "uphold_return": WebAction(UpholdForm, services.assignment_rule_return, primary=True),
    "refuse_return": WebAction(RefuseForm, services.assignment_rule_return),
    "request_extension": WebAction(ExtensionForm, services.assignment_request_extension),
    "approve_extension": WebAction(
        ApproveExtensionForm, services.assignment_rule_extension, primary=True
    ),
    "deny_extension": WebAction(DenyExtensionForm, services.assignment_rule_extension),
    "post_progress": WebAction(AttachForm, services.assignment_post_progress),
    "submit_result": WebAction(ResultForm, services.assignment_submit_result, primary=True),
    "withdraw": WebAction(ReasonForm, services.assignment_withdraw),
}
# 催办 and 督办 of an assignment happen through the case's own urge / supervise.


# --- 反复发生预警 ----------------------------------------------------------------------------------


class WarningListForm(forms.Form):
    """The weekly warning list: the seven days ending ``end`` (today when left out)."""

    end = forms.DateField(
        label=_("截至日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    #: A warning's key whose 发起系统性问题 form shows open (the map's link to it).
    open = forms.CharField(required=False, max_length=40)


class SystemicForm(forms.Form):
    """发起系统性问题 from a warning of a week's list: which warning (its key on the page
    of the week ending ``end``), a title and why. The server links the warning's cases as it
    finds them, not ids the page carried (a city's busiest spot has thousands)."""

    key = forms.RegexField(regex=r"^r\d{1,18}-[ng]$", max_length=40, widget=forms.HiddenInput)
    end = forms.DateField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("系统性问题标题"), max_length=200)
    reason = forms.CharField(
        label=_("原因与处理要求"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
