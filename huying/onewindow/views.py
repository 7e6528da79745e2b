"""Pages of 一口受理: the station's window (accept any item, 一口受理), the application page
(status, the proxy's hand-overs, the next step for whoever holds it) and the residents'
phone pages (browse the published items, look up an application). Thin over ``services``
and ``selectors``; a refused write comes back as a message, with nothing changed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huying.cases.phone import TrackForm
from huying.core.errors import DomainError, NotFound
from huying.core.web import protected_file
from huying.onewindow import rules, selectors, services
from huying.onewindow.models import Application, ApplicationState, CallOutcome, ServiceItem
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.signin import client_ip
from huying.org.web import admin_view, staff_view

#: How many applications the window page lists.
RECENT = 50


def _actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in rules.STATION_READERS | rules.BACK_OFFICE_ROLES and not (
        actor.sees_all and not actor.is_reporter
    ):
        raise NotFound(_("页面不存在"))
    return actor


class AcceptForm(forms.Form):
    resident_name = forms.CharField(label=gettext_lazy("申请人姓名"), max_length=50)
    resident_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    materials_checked = forms.MultipleChoiceField(
        label=gettext_lazy("已收材料（逐项核对后勾选）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    proxy_reason = forms.CharField(
        label=gettext_lazy("上门代办原因"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("为高龄、残疾等行动不便的居民上门受理时填写，如“高龄独居”"),
    )

    def __init__(self, item: ServiceItem, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["materials_checked"].choices = [  # type: ignore[attr-defined]
            (m, m) for m in item.materials
        ]


@staff_view
def window(request: HttpRequest) -> HttpResponse:
    """The window: search an item, check its materials off, accept; below, the applications
    this actor sees (a station's, a department's, the district's)."""
    actor = _actor(request)
    at_window = actor.role in rules.WINDOW_ROLES
    query = request.GET.get("q", "").strip()
    item = None
    form = None
    if at_window:
        item_id = request.POST.get("item") or request.GET.get("item")
        if item_id and item_id.isdigit():
            item = selectors.window_items(actor.reach).filter(pk=int(item_id)).first()
        if item is not None:
            form = AcceptForm(item, request.POST or None)
            if request.method == "POST" and form.is_valid():
                try:
                    app = services.application_accept(
                        actor=actor,
                        item_id=item.pk,
                        files=request.FILES.getlist("files"),
                        **form.cleaned_data,
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(
                        request,
                        _("已受理，受理编号 {number}，查询码 {code}").format(
                            number=app.number, code=app.track_code
                        ),
                    )
                    return redirect("onewindow:application", app.pk)
    now = timezone.now()
    context = {
        "nav": "onewindow",
        "at_window": at_window,
        "query": query,
        "items": list(selectors.window_items(actor.reach, query)[: selectors.SEARCH_LIMIT])
        if at_window
        else [],
        "item": item,
        "form": form,
        "applications": list(selectors.applications_visible_to(actor)[:RECENT]),
        "skills": selectors.station_skills(actor.unit, timezone.localdate(now))
        if at_window
        else None,
        "figures": [] if at_window else selectors.station_figures(actor, now),
        "now": now,
        "records_qualifications": actor.role in rules.QUALIFIER_ROLES,
    }
    return render(request, "onewindow/window.html", context)


class QualificationForm(forms.Form):
    person_id = forms.TypedChoiceField(label=gettext_lazy("工作人员"), coerce=int)
    item_id = forms.TypedChoiceField(label=gettext_lazy("服务事项"), coerce=int)
    passed_on = forms.DateField(
        label=gettext_lazy("通过测试日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person_id"].choices = [  # type: ignore[attr-defined]
            (p.pk, p.get_full_name() or p.username) for p in selectors.station_staff(actor.unit)
        ]
        self.fields["item_id"].choices = [  # type: ignore[attr-defined]
            (i.pk, i.name) for i in selectors.window_items(actor.reach)
        ]


@staff_view
def qualifications(request: HttpRequest) -> HttpResponse:
    """全岗位通: the street (or the district) records who passed which item's test."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in rules.QUALIFIER_ROLES:
        raise NotFound(_("页面不存在"))
    form = QualificationForm(
        actor, request.POST or None, initial={"passed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_record(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("事项资格已记录"))
            return redirect("onewindow:qualifications")
    context = {
        "nav": "onewindow",
        "form": form,
        "rows": list(selectors.qualifications_visible_to(actor)[:200]),
    }
    return render(request, "onewindow/qualifications.html", context)


@staff_view
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = _actor(request)
    app = selectors.application_get(actor, application_id)
    context = {
        "nav": "onewindow",
        "app": app,
        "steps": list(app.steps.select_related("actor").order_by("seq")),
        "photos": list(app.photos.all()),
        "may_pass": actor.role in rules.WINDOW_ROLES and app.state == ApplicationState.RECEIVED,
        "may_hand_over": app.proxy_by_id == actor.user.pk and app.state in rules.OPEN_STATES,
        "may_decide": actor.role in rules.BACK_OFFICE_ROLES
        and app.state == ApplicationState.PASSED,
        "overdue": app.state in rules.OPEN_STATES and app.due_at < timezone.now(),
    }
    return render(request, "onewindow/application.html", context)


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else 0


def _attempt(request: HttpRequest, app_id: int, write: Any, done: str) -> HttpResponse:
    try:
        write()
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("onewindow:application", app_id)


@require_POST
@staff_view
def application_pass(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = _actor(request)
    return _attempt(
        request,
        application_id,
        lambda: services.application_pass(
            actor=actor, application_id=application_id, version=_version(request)
        ),
        _("已转后台办理"),
    )


@require_POST
@staff_view
def application_handover(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = _actor(request)
    return _attempt(
        request,
        application_id,
        lambda: services.application_handover(
            actor=actor,
            application_id=application_id,
            version=_version(request),
            note=request.POST.get("note", ""),
        ),
        _("交接已记录"),
    )


@require_POST
@staff_view
def application_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = _actor(request)
    granted = request.POST.get("outcome") == "done"
    return _attempt(
        request,
        application_id,
        lambda: services.application_decide(
            actor=actor,
            application_id=application_id,
            version=_version(request),
            granted=granted,
            reason=request.POST.get("reason", ""),
        ),
        _("已办结") if granted else _("已不予办理，理由会告知申请人"),
    )


@staff_view
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    found = selectors.photo_get(_actor(request), photo_id)
    return protected_file(
        found.file.name or "",
        content_type=found.content_type,
        filename=found.name,
        inline=found.content_type.startswith("image/"),
    )


# --- the district's catalogue of service items ------------------------------------------------


class ItemForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("事项编码"), max_length=32)
    name = forms.CharField(label=gettext_lazy("事项名称"), max_length=100)
    conditions = forms.CharField(
        label=gettext_lazy("办理条件"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    materials = forms.CharField(
        label=gettext_lazy("所需材料"),
        required=False,
        help_text=gettext_lazy("每行一项"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    time_limit = forms.IntegerField(label=gettext_lazy("办理时限（工作日）"), min_value=1)
    fee = forms.DecimalField(label=gettext_lazy("收费（元）"), min_value=0, initial=0)
    department_id = forms.TypedChoiceField(label=gettext_lazy("办理部门"), coerce=int)
    station_accepts = forms.BooleanField(
        label=gettext_lazy("服务站可受理"), required=False, initial=True
    )

    def __init__(self, actor: Actor, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = OrgUnit.objects.filter(
            under("path", actor.reach), kind=OrgUnit.Kind.DEPARTMENT, is_active=True
        )
        self.fields["department_id"].choices = [  # type: ignore[attr-defined]
            (u.pk, u.name) for u in departments.order_by("code")
        ]
        if editing:
            del self.fields["code"]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["materials"] = data["materials"].splitlines()
        return data


@admin_view
def manage_items(request: HttpRequest) -> HttpResponse:
    """The district's service items: all of them, published or not, and a new one."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = ItemForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.item_create(actor=actor, **form.values())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("事项已保存，发布后居民可见、窗口可受理"))
            return redirect("onewindow:manage_item", made.pk)
    rows = selectors.items_of(actor.reach).order_by("code")
    context = {"nav": "onewindow", "form": form, "rows": list(rows)}
    return render(request, "onewindow/manage_items.html", context)


@admin_view
def manage_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """Edit an item, or publish it / take it back (compare-and-set on its version)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    found = selectors.items_of(actor.reach).filter(pk=item_id).first()
    if found is None:
        raise NotFound(_("服务事项不存在"))
    initial = {
        "name": found.name,
        "conditions": found.conditions,
        "materials": "\n".join(found.materials),
        "time_limit": found.time_limit,
        "fee": found.fee,
        "department_id": found.department_id,
        "station_accepts": found.station_accepts,
    }
    form = ItemForm(
        actor, request.POST if "save" in request.POST else None, initial=initial, editing=True
    )
    if request.method == "POST":
        version = _version(request)
        try:
            if "publish" in request.POST:
                services.item_publish(
                    actor=actor,
                    item_id=found.pk,
                    version=version,
                    published=request.POST["publish"] == "1",
                )
                messages.success(request, _("发布状态已更新"))
                return redirect("onewindow:manage_item", found.pk)
            if form.is_valid():
                services.item_update(
                    actor=actor, item_id=found.pk, version=version, **form.values()
                )
                messages.success(request, _("事项已保存"))
                return redirect("onewindow:manage_item", found.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    context = {"nav": "onewindow", "form": form, "item": found}
    return render(request, "onewindow/manage_item.html", context)


# --- the residents' phone pages (no sign-in) -------------------------------------------------


def items(request: HttpRequest) -> HttpResponse:
    """办事指南: the published items, searched by name or condition."""
    query = request.GET.get("q", "").strip()[:50]
    context = {
        "nav": "services",
        "query": query,
        "items": list(selectors.published_items(query)[: selectors.SEARCH_LIMIT]),
    }
    return render(request, "onewindow/phone_items.html", context)


def item(request: HttpRequest, item_id: int) -> HttpResponse:
    found = selectors.published_item_get(item_id)
    return render(request, "onewindow/phone_item.html", {"nav": "services", "item": found})


class LookupForm(TrackForm):
    """The case lookup's fields, for an application's receipt."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].label = gettext_lazy("受理编号")
        self.fields["code"].required = True
        self.fields["code"].help_text = gettext_lazy("受理回执上的 6 位查询码")
        self.fields["phone"].required = True


def lookup(request: HttpRequest) -> HttpResponse:
    """The resident's progress by the receipt's number and 查询码 and the phone's last 4
    digits; failures limited like the case lookup's."""
    form = LookupForm(request.GET or None)
    error = ""
    status = 200
    if form.is_bound and form.is_valid():
        try:
            app = services.application_for_resident(
                number=form.cleaned_data["number"],
                code=form.cleaned_data["code"],
                tail=form.cleaned_data["phone"],
                ip=client_ip(request),
                now=timezone.now(),
            )
        except DomainError as exc:
            status = exc.status
            error = exc.message
        else:
            return _status_page(request, app)
    return render(
        request,
        "onewindow/phone_lookup.html",
        {"form": form, "error": error, "nav": "services"},
        status=status,
    )


def _status_page(request: HttpRequest, app: Application) -> HttpResponse:
    context = {"nav": "services", "app": app, "steps": selectors.public_steps(app)}
    return render(request, "onewindow/phone_status.html", context)


class CallForm(forms.Form):
    """A 12349 call as the operator takes it down; where it goes is the service's to check."""

    caller_name = forms.CharField(label=gettext_lazy("来电人"), max_length=50)
    caller_phone = forms.CharField(
        label=gettext_lazy("来电号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    elderly = forms.BooleanField(label=gettext_lazy("老年人"), required=False)
    disabled = forms.BooleanField(label=gettext_lazy("残疾人"), required=False)
    request = forms.CharField(
        label=gettext_lazy("诉求"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("去向"), choices=CallOutcome.choices, widget=forms.RadioSelect
    )
    item_id = forms.TypedChoiceField(
        label=gettext_lazy("服务事项"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("转服务申请时选择；老年人、残疾人由本人上门代办"),
    )
    materials_ready = forms.BooleanField(
        label=gettext_lazy("来电人确认材料齐全"),
        required=False,
        help_text=gettext_lazy("未勾选时，系统列出全部所需材料，请一次性告知来电人"),
    )
    address = forms.CharField(
        label=gettext_lazy("地址"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("转问题件时填写问题所在位置"),
    )

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(i.pk), i.name) for i in selectors.window_items(actor.reach)),
        ]


@staff_view
def calls(request: HttpRequest) -> HttpResponse:
    """12349 为老便民热线: the station's operator takes a call down and sends it on, to a
    service application (二级代办 for the elderly and disabled) or to a case."""
    actor = _actor(request)
    takes = actor.role in rules.WINDOW_ROLES
    form = CallForm(actor, request.POST or None) if takes else None
    if request.method == "POST":
        if form is None:
            raise NotFound(_("页面不存在"))
        if form.is_valid():
            data = dict(form.cleaned_data)
            ready = data.pop("materials_ready")
            item = (
                ServiceItem.objects.filter(pk=data["item_id"]).first() if data["item_id"] else None
            )
            try:
                call = services.call_take(
                    actor=actor, materials_checked=item.materials if item and ready else [], **data
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                if call.application is not None:
                    messages.success(
                        request,
                        _("来电已转服务申请 {number}").format(number=call.application.number),
                    )
                    return redirect("onewindow:application", call.application.pk)
                assert call.case is not None
                messages.success(
                    request, _("来电已转问题件 {number}").format(number=call.case.number)
                )
                return redirect("onewindow:calls")
    return render(
        request,
        "onewindow/calls.html",
        {
            "nav": "onewindow",
            "form": form,
            "calls": list(selectors.calls_visible_to(actor)[:RECENT]),
        },
        status=422 if form is not None and form.errors else 200,
    )


class RosterForm(forms.Form):
    station_id = forms.TypedChoiceField(label=gettext_lazy("服务站"), coerce=int)
    day = forms.DateField(
        label=gettext_lazy("值班日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    person_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("在岗人员"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选任何人即清空当日排班（当日全部工作人员视为在岗）"),
    )

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stations = OrgUnit.objects.filter(
            kind__in=rules.STATION_KINDS, is_active=True, path__startswith=actor.unit.path
        ).order_by("code")
        self.fields["station_id"].choices = [  # type: ignore[attr-defined]
            (s.pk, s.name) for s in stations.only("pk", "name")
        ]
        self.fields["person_ids"].choices = [  # type: ignore[attr-defined]
            (p.pk, p.get_full_name() or p.username) for p in selectors.station_staff(actor.unit)
        ]


@staff_view
def roster(request: HttpRequest) -> HttpResponse:
    """值班表: who is on duty at which station on which day (the window's 全岗位通 reads it)."""
    actor = _actor(request)
    if actor.role not in rules.ROSTER_ROLES:
        raise NotFound(_("页面不存在"))
    today = timezone.localdate()
    form = RosterForm(actor, request.POST or None, initial={"day": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_set(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("值班表已保存"))
            return redirect("onewindow:roster")
    return render(
        request,
        "onewindow/roster.html",
        {
            "nav": "onewindow",
            "form": form,
            "shifts": list(selectors.roster(actor.unit, today, 14)),
        },
        status=422 if form.errors else 200,
    )
