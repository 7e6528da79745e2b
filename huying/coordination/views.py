"""Console pages of 会商与联合执法 for the street, the hub and the district leader: thin
views over ``services`` and ``selectors``; a refused write comes back as a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huying.cases.rules import OPEN_CASE_STATES
from huying.cases.selectors import case_get
from huying.coordination import rules, selectors, services
from huying.coordination.models import DecisionKind, MeetingKind, OperationPhoto
from huying.core.errors import DomainError, NotFound
from huying.core.web import protected_file
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.web import staff_view

K = OrgUnit.Kind
#: The browser's date picker takes ISO dates only, whatever the language's format.
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in selectors.READER_ROLES:
        raise NotFound(_("页面不存在"))
    return actor


def _stationed(actor: Actor) -> list[tuple[str, str]]:
    """The departments and field units of the actor's district."""
    units = OrgUnit.objects.filter(
        under("path", actor.reach), kind__in=[K.DEPARTMENT, K.FIELD_UNIT], is_active=True
    )
    return [(str(u.pk), u.name) for u in units.order_by("path").only("pk", "name")]


def _operation_units(actor: Actor) -> list[tuple[str, Any]]:
    """The units a joint operation may name, grouped: a street's own stationed units (派驻本街道,
    the ones it works with) first, then the district's departments and the other field units."""
    units = list(
        OrgUnit.objects.filter(
            under("path", actor.reach), kind__in=[K.DEPARTMENT, K.FIELD_UNIT], is_active=True
        )
        .order_by("path")
        .only("pk", "name", "kind")
    )
    here: set[int] = set()
    if actor.unit.kind == K.STREET:
        here = set(actor.unit.stationed_units.values_list("pk", flat=True))
    groups = [
        (_("派驻本街道"), [u for u in units if u.pk in here]),
        (_("区级部门"), [u for u in units if u.kind == K.DEPARTMENT and u.pk not in here]),
        (_("其他派驻机构"), [u for u in units if u.kind == K.FIELD_UNIT and u.pk not in here]),
    ]
    return [(label, [(str(u.pk), u.name) for u in group]) for label, group in groups if group]


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("会议类型"))
    held_on = forms.DateField(label=gettext_lazy("会议日期"), widget=DAY)
    place = forms.CharField(label=gettext_lazy("地点"), required=False, max_length=200)
    chair = forms.CharField(label=gettext_lazy("主持人"), required=False, max_length=100)
    attendee_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("参会单位"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    attendee_names = forms.CharField(
        label=gettext_lazy("参会人员"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (k, MeetingKind(k).label) for k in rules.kinds_for(actor.role)
        ]
        below = OrgUnit.objects.filter(
            kind=K.COMMUNITY, path__startswith=actor.unit.path, is_active=True
        ).order_by("code")
        self.fields["attendee_ids"].choices = [  # type: ignore[attr-defined]
            *((str(u.pk), u.name) for u in below),
            *_stationed(actor),
        ]


class DecisionForm(forms.Form):
    case_id = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=gettext_lazy("决定"), choices=DecisionKind.choices)
    lead_id = forms.TypedChoiceField(
        label=gettext_lazy("主办部门"), required=False, coerce=int, empty_value=None
    )
    co_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("协办部门"), required=False, coerce=int
    )
    deadline = forms.DateField(
        label=gettext_lazy("办结期限"),
        required=False,
        widget=DAY,
    )
    reason = forms.CharField(label=gettext_lazy("理由"), required=False, max_length=1000)

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_id"].choices = [("", "—"), *units]  # type: ignore[attr-defined]
        self.fields["co_ids"].choices = units  # type: ignore[attr-defined]


class OperationForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("行动名称"), max_length=200)
    problem = forms.CharField(
        label=gettext_lazy("针对问题"), widget=forms.Textarea(attrs={"rows": 2})
    )
    held_on = forms.DateField(label=gettext_lazy("行动日期"), widget=DAY)
    place = forms.CharField(label=gettext_lazy("地点"), max_length=200)
    lat = forms.FloatField(label=gettext_lazy("纬度"), required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(
        label=gettext_lazy("经度"), required=False, min_value=-180, max_value=180
    )
    unit_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("参与的驻街执法单位"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    participants = forms.CharField(
        label=gettext_lazy("参与人员"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    results = forms.CharField(
        label=gettext_lazy("行动结果"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    case_numbers = forms.CharField(
        label=gettext_lazy("处置的事件编号"),
        required=False,
        help_text=gettext_lazy("多个编号用空格或逗号分开"),
    )

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_ids"].choices = _operation_units(actor)  # type: ignore[attr-defined]


def _case_ids(actor: Actor, text: str) -> list[int]:
    numbers = [n for n in text.replace("，", ",").replace(",", " ").split() if n]
    return [case_get(actor, number=n).pk for n in numbers]


def _attempt(
    request: HttpRequest, write: Callable[[], object], done: str, *, typed: bool = False
) -> bool:
    """Run a write; a refusal becomes the page's message. Out of scope stays a 404, unless
    the object was ``typed`` in (a case number): then "not found or not yours" is the
    message, the same either way."""
    try:
        write()
    except DomainError as exc:
        if exc.status == 404 and not typed:
            raise
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


@staff_view
def home(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = {
        "nav": "coordination",
        "meetings": list(selectors.meetings_visible_to(actor)[:50]),
        "operations": list(
            selectors.operations_visible_to(actor).prefetch_related("units", "cases")[:50]
        ),
        "may_hold": bool(rules.kinds_for(actor.role)),
        "may_operate": actor.role in rules.OPERATION_ROLES,
    }
    return render(request, "coordination/home.html", context)


@staff_view
def meeting_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not rules.kinds_for(actor.role):
        raise NotFound(_("页面不存在"))
    form = MeetingForm(actor, request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("会议已创建，议程已按数据生成，可修改"))
            return redirect("coordination:meeting", meeting.pk)
    return render(request, "coordination/meeting_new.html", {"form": form, "nav": "coordination"})


@staff_view
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = _actor(request)
    meeting = selectors.meeting_get(actor, meeting_id)
    organiser = meeting.organiser_id == actor.unit.pk and rules.may_hold(actor.role, meeting.kind)
    units = _stationed(actor)
    decided = {d.case_id for d in meeting.decisions.all()}
    items = []
    for item in meeting.items.select_related("case", "department"):
        form = None
        if organiser and item.case is not None and item.case.state in OPEN_CASE_STATES:
            form = DecisionForm(
                units=units, prefix=f"i{item.pk}", initial={"case_id": item.case_id}
            )
        items.append({"item": item, "form": form, "decided": item.case_id in decided})
    context = {
        "nav": "coordination",
        "meeting": meeting,
        "organiser": organiser,
        "items": items,
        "attendees": list(meeting.attendees.order_by("path")),
        "decisions": list(
            meeting.decisions.select_related("case", "lead").prefetch_related("co_handlers")
        ),
        "follow_up": list(selectors.open_decisions(meeting)),
    }
    return render(request, "coordination/meeting.html", context)


@require_POST
@staff_view
def meeting_decide(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    actor = _actor(request)
    form = DecisionForm(request.POST, units=_stationed(actor), prefix=f"i{item_id}")
    if not form.is_valid():
        messages.error(request, _("决定填写有误：{errors}").format(errors=form.errors.as_text()))
    else:
        data = form.cleaned_data
        _attempt(
            request,
            lambda: services.meeting_decide(
                actor=actor,
                meeting_id=meeting_id,
                case_id=data["case_id"],
                kind=data["kind"],
                lead_id=data["lead_id"],
                co_ids=data["co_ids"],
                deadline=data["deadline"],
                reason=data["reason"],
            ),
            _("会议决定已执行，已记入事件轨迹"),
        )
    return redirect("coordination:meeting", meeting_id)


@require_POST
@staff_view
def agenda_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Add an item (free text or a case number), move one up or down, or remove one."""
    actor = _actor(request)
    op = request.POST.get("op", "")
    item_id = int(request.POST.get("item_id") or 0)
    if op == "add":
        number = request.POST.get("case_number", "").strip()

        def add() -> None:
            case_id = case_get(actor, number=number).pk if number else None
            services.agenda_add(
                actor=actor,
                meeting_id=meeting_id,
                text=request.POST.get("text", ""),
                case_id=case_id,
            )

        _attempt(request, add, _("议题已增加"), typed=True)
    elif op in ("up", "down"):
        _attempt(
            request,
            lambda: services.agenda_move(
                actor=actor, meeting_id=meeting_id, item_id=item_id, offset=-1 if op == "up" else 1
            ),
            _("议题顺序已调整"),
        )
    elif op == "remove":
        _attempt(
            request,
            lambda: services.agenda_remove(actor=actor, meeting_id=meeting_id, item_id=item_id),
            _("议题已删除"),
        )
    elif op == "summary":
        _attempt(
            request,
            lambda: services.meeting_summarise(
                actor=actor, meeting_id=meeting_id, summary=request.POST.get("summary", "")
            ),
            _("会议要求已保存"),
        )
    return redirect("coordination:meeting", meeting_id)


@staff_view
def operation_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if actor.role not in rules.OPERATION_ROLES:
        raise NotFound(_("页面不存在"))
    form = OperationForm(actor, request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        numbers = data.pop("case_numbers")
        try:
            op = services.operation_create(
                actor=actor,
                case_ids=_case_ids(actor, numbers),
                files=request.FILES.getlist("files"),
                **data,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("联合执法已记录，关联事件的轨迹已更新"))
            return redirect("coordination:operation", op.pk)
    return render(request, "coordination/operation_new.html", {"form": form, "nav": "coordination"})


@staff_view
def operation_detail(request: HttpRequest, operation_id: int) -> HttpResponse:
    actor = _actor(request)
    op = selectors.operation_get(actor, operation_id)
    context = {
        "nav": "coordination",
        "op": op,
        "units": sorted(op.units.all(), key=lambda u: u.path),
        "cases": sorted(op.cases.all(), key=lambda c: c.number),
        "photos": list(op.photos.all()),
        # Photos of the results often come after the day: the organiser adds them here.
        "may_add_photos": op.organiser_id == actor.unit.pk and actor.role in rules.OPERATION_ROLES,
    }
    return render(request, "coordination/operation.html", context)


@require_POST
@staff_view
def operation_photos(request: HttpRequest, operation_id: int) -> HttpResponse:
    actor = _actor(request)
    _attempt(
        request,
        lambda: services.operation_add_photos(
            actor=actor, operation_id=operation_id, files=request.FILES.getlist("files")
        ),
        _("照片已上传"),
    )
    return redirect("coordination:operation", operation_id)


@staff_view
def operation_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    return send_photo(selectors.photo_get(_actor(request), photo_id))


def send_photo(photo: OperationPhoto) -> HttpResponse:
    """A joint operation's photo (the page's and the API's), once its scope is checked."""
    return protected_file(
        photo.file.name or "",
        content_type=photo.content_type,
        filename=photo.name,
        inline=photo.content_type.startswith("image/"),
    )
