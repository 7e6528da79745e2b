"""Phone pages for residents and field staff: report, track, rate.

Small pages that work on a slow connection and, as a PWA, without one: a report made
offline waits in the phone's queue and is sent with its ``submission_key`` when the
signal returns, so a report sent twice is still one case. A resident sees progress, never
the names of the staff who handle it nor anyone else's data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import wraps
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Max, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from huying.cases import (
    attachments,
    deadlines,
    hooks,
    lookup,
    map_views,
    public,
    queues,
    rules,
    selectors,
    services,
)
from huying.cases.forms import MultipleFileField, MultipleFileInput, with_files
from huying.cases.models import Case, CaseState, Satisfaction
from huying.cases.views import detail_context
from huying.catalogue.models import UNIT_WORDS, Level
from huying.catalogue.selectors import current_items
from huying.core.errors import DomainError, NotFound, TooManyAttempts
from huying.core.geo import SYSTEMS, from_wgs84, gcj02_to_wgs84, to_wgs84
from huying.core.selectors import calendar_notice
from huying.org import phone_signin
from huying.org.actors import Actor
from huying.org.models import OrgUnit, PhoneAccount
from huying.org.roles import FIELD_ROLES
from huying.org.signin import client_ip, user_agent
from huying.org.web import View, staff_view


def phone_view(view: View) -> View:
    """``staff_view`` for the phone pages: a visitor not signed in is sent to the text-message
    code sign-in (residents have no password), which links the staff login."""
    signed_in = staff_view(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("phone:login"))
        return signed_in(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


#: The resident's view of the lifecycle: five steps, whatever route the case took.
STEPS = [
    (gettext_lazy("上报"), {CaseState.SUBMITTED, CaseState.AT_GRID}),
    (gettext_lazy("受理研判"), {CaseState.TRIAGED}),
    (gettext_lazy("处置中"), {CaseState.SELF_HANDLING, CaseState.IN_PROGRESS, CaseState.SUSPENDED}),
    (gettext_lazy("核查"), {CaseState.VERIFYING}),
    (gettext_lazy("回访评价"), {CaseState.FOLLOW_UP}),
    (gettext_lazy("办结"), {CaseState.CLOSED, CaseState.ARCHIVED}),
]


def _steps(case: Case) -> list[dict[str, Any]]:
    reached = next((i for i, (_, states) in enumerate(STEPS) if case.state in states), 0)
    if case.state in rules.ENDED_CASE_STATES:
        reached = len(STEPS) - 1
    return [{"label": label, "done": i <= reached} for i, (label, _) in enumerate(STEPS)]


# --- report --------------------------------------------------------------------------------------


class PlaceForm(forms.Form):
    """What a report from the phone says and where: its text, and a point from GPS or the map
    (or a board's QR code) with the address; the key that makes a resend harmless."""

    title = forms.CharField(label=gettext_lazy("问题概述"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("详细情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    address = forms.CharField(label=gettext_lazy("地点"), required=False, max_length=200)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    submission_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # The system of lat/lng as sent: GPS is WGS-84; a point picked on 高德/腾讯 tiles is GCJ-02.
    coords = forms.ChoiceField(
        required=False, choices=[("wgs84", "WGS-84"), ("gcj02", "GCJ-02")], widget=forms.HiddenInput
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise forms.ValidationError(_("位置不完整，请重新定位"))
        if data.pop("coords", "") == "gcj02" and data.get("lat") is not None:
            data["lat"], data["lng"] = gcj02_to_wgs84(data["lat"], data["lng"])  # stored WGS-84
        return data


class ReportForm(PlaceForm):
    item_id = forms.TypedChoiceField(
        label=gettext_lazy("问题类别"), required=False, coerce=int, empty_value=None
    )
    reporter_phone = forms.CharField(label=gettext_lazy("联系电话"), required=False, max_length=32)
    patrol = forms.IntegerField(required=False, widget=forms.HiddenInput)
    photos = MultipleFileField(label=gettext_lazy("照片（最多 9 张）"))

    def __init__(self, *args: Any, district_id: int | None, **kwargs: Any) -> None:
        """``district_id``: the reporter's, whose catalogue's items it offers."""
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [("", _("不确定，由工作人员判断"))] + [  # type: ignore[attr-defined]
            (str(i.pk), f"{i.klass.name} · {i.name}") for i in current_items(district_id)
        ]


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refused(form: forms.Form, error: DomainError | None, status: int) -> JsonResponse:
    """Why a report sent by the phone's script was not taken: the service's error, else the
    form's errors by field."""
    body = (
        {"error": error.as_dict()}
        if error
        else {"error": {"code": "invalid_input", "message": _("输入有误"), "details": form.errors}}
    )
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@phone_view
def report(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    initial: dict[str, Any] = (
        {"patrol": request.GET.get("patrol")} if request.GET.get("patrol", "").isdigit() else {}
    )
    if actor.is_reporter:  # the number they proved, to call them back on
        phone = PhoneAccount.objects.filter(user=actor.user).values_list("phone", flat=True)
        initial["reporter_phone"] = phone.first() or ""
    # A board's QR code (roads) names what the report is about; the form carries it on.
    presets = hooks.report_presets(request.POST if request.method == "POST" else request.GET)
    for active in presets:
        initial.update(active.preset.initial)
    form = ReportForm(
        request.POST or None, request.FILES or None, initial=initial, district_id=actor.district_id
    )
    error: DomainError | None = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            data = with_files(data)
            patrol_id = data.pop("patrol", None)
            try:
                with services.files_kept_only_on_success(), transaction.atomic():
                    if patrol_id:  # a finding on the person's open patrol
                        case = hooks.patrol_finding(actor=actor, patrol_id=patrol_id, **data)
                    else:
                        case = services.case_submit(actor=actor, **data)
                    hooks.attach_report_presets(case, presets)
            except DomainError as exc:
                error, status = exc, exc.status
            else:
                sent_url = reverse("phone:sent", args=[case.number])
                if _wants_json(request):
                    return JsonResponse(
                        {"number": case.number, "track_code": case.track_code, "url": sent_url},
                        status=201,
                    )
                return redirect(sent_url)
        if _wants_json(request):
            return _refused(form, error, status)
    return render(
        request,
        "phone/report.html",
        {
            "form": form,
            "error": error,
            "picker": _picker(actor),
            "presets": presets,
            "fixed_url": _fixed_url(actor, presets),
        },
        status=status,
    )


def _with_presets(name: str, presets: list[hooks.ActivePreset]) -> str:
    """A phone page's address carrying what this one was opened for (a board's segment)."""
    query = urlencode({p.param: p.value for p in presets})
    return reverse(name) + (f"?{query}" if query else "")


def _fixed_url(actor: Actor, presets: list[hooks.ActivePreset]) -> str:
    """The chief's own-fix page, from the report page; empty for anyone else."""
    return _with_presets("phone:fixed", presets) if actor.role in rules.SELF_FIX_ROLES else ""


def _picker(actor: Actor) -> dict[str, Any] | None:
    """The map to place the report on: the tiles if there are any, over the district's own
    outlines (``map_views.base_map``) that work without them, framed on the person's patch
    (a resident's is the district)."""
    grids = OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID, is_active=True, min_lat__isnull=False)
    mine = grids.filter(path__startswith=actor.unit.path)
    box = mine.aggregate(Min("min_lat"), Max("max_lat"), Min("min_lng"), Max("max_lng"))
    if box["min_lat__min"] is None:
        box = grids.aggregate(Min("min_lat"), Max("max_lat"), Min("min_lng"), Max("max_lng"))
    if box["min_lat__min"] is None:
        return None  # no grid drawn yet: GPS and the address only
    convert = from_wgs84(settings.HUYING_MAP_COORDS)
    south, west = convert(box["min_lat__min"], box["min_lng__min"])
    north, east = convert(box["max_lat__max"], box["max_lng__max"])
    return {
        "tiles": {
            "url": settings.HUYING_MAP_TILE_URL,
            "attribution": settings.HUYING_MAP_TILE_ATTRIBUTION,
        },
        "coords": settings.HUYING_MAP_COORDS,
        "bounds": [[south, west], [north, east]],
        "base": reverse("phone:base_map"),
        "where": reverse("phone:where"),
    }


class SelfFixForm(PlaceForm):
    """街长自行解决: what was wrong and where, the photos before and after, what he did. The
    photos and the result are the service's to check (``case_report_fixed``): its words show
    next to the field. The browser asks for them first (``required``), so that a fix made
    without signal is not queued on the phone only to be refused later."""

    before = MultipleFileField(
        label=gettext_lazy("处置前照片"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "required": True}),
    )
    after = MultipleFileField(
        label=gettext_lazy("处置后照片"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "required": True}),
    )
    result = forms.CharField(
        label=gettext_lazy("处置结果"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "required": True,
                "placeholder": gettext_lazy("例如：已将松动的井盖垫稳复位"),
            }
        ),
    )


@phone_view
def fixed(request: HttpRequest) -> HttpResponse:
    """A street chief records what he fixed himself: closed at the grid without a call. The
    page exists for chiefs only (``rules.SELF_FIX_ROLES``); a board's QR code presets the
    segment as on the report page."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in rules.SELF_FIX_ROLES:
        raise NotFound(_("页面不存在"))
    presets = hooks.report_presets(request.POST if request.method == "POST" else request.GET)
    initial: dict[str, Any] = {}
    for active in presets:
        initial.update(active.preset.initial)
    form = SelfFixForm(request.POST or None, request.FILES or None, initial=initial)
    error: DomainError | None = None  # one the page shows above the form
    refusal: DomainError | None = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            data.setdefault("result", "")
            try:
                with services.files_kept_only_on_success(), transaction.atomic():
                    case = services.case_report_fixed(actor=actor, **data)
                    hooks.attach_report_presets(case, presets)
            except DomainError as exc:
                status, refusal = exc.status, exc
                field = exc.details.get("field")
                if field in form.fields:
                    form.add_error(field, exc.message)  # said next to its field
                else:
                    error = exc
            else:
                sent_url = reverse("phone:sent", args=[case.number])
                if _wants_json(request):
                    return JsonResponse(
                        {"number": case.number, "track_code": case.track_code, "url": sent_url},
                        status=201,
                    )
                return redirect(sent_url)
        if _wants_json(request):
            return _refused(form, refusal, status)
    context = {
        "form": form,
        "error": error,
        "picker": _picker(actor),
        "presets": presets,
        "report_url": _with_presets("phone:report", presets),
        "nav": "report",
    }
    return render(request, "phone/fixed.html", context, status=status)


@require_GET
@gzip_page  # the district's outlines: large, the same for everyone
@phone_view
def base_map(request: HttpRequest) -> HttpResponse:
    body = map_views.base_map(settings.HUYING_MAP_COORDS)
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    patch_cache_control(response, private=True, max_age=3600)
    return response


@require_GET
@phone_view
def where(request: HttpRequest) -> HttpResponse:
    """The street, community and grid a point picked on the map (in the map's system) or
    given by GPS (``coords=wgs84``) falls in: shown to the person before they send."""
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return JsonResponse(
            {"error": {"code": "invalid_input", "message": _("位置无效")}}, status=422
        )
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return JsonResponse(
            {"error": {"code": "invalid_input", "message": _("位置无效")}}, status=422
        )
    system = request.GET.get("coords") or settings.HUYING_MAP_COORDS
    if system not in SYSTEMS:
        system = settings.HUYING_MAP_COORDS
    names = map_views.place_names(*to_wgs84(system)(lat, lng))
    return JsonResponse(
        {
            "street": names.get(OrgUnit.Kind.STREET, ""),
            "community": names.get(OrgUnit.Kind.COMMUNITY, ""),
            "grid": names.get(OrgUnit.Kind.GRID, ""),
        },
        json_dumps_params={"ensure_ascii": False},
    )


# --- after sending, and the field worker's task -----------------------------------------------


def expected_time(case: Case) -> str:
    """What a reporter may expect, in words: the handling limit of the item they chose, else
    that of an ordinary case; the clock itself starts when a department takes the case."""
    item = case.item
    level = case.level or (item.default_level if item else Level.GENERAL)
    amount, unit = deadlines.limit_for(deadlines.HANDLING, level, item)
    return _("一般在 %(amount)d %(unit)s内办理完毕（受理后按问题类别确定时限，以进度页为准）") % {
        "amount": amount,
        "unit": UNIT_WORDS[unit],
    }


@phone_view
def sent(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt after 提交: the number large, the 查询码, what happens next and when."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    found = selectors.case_get(actor, number=number)
    shown = attachments.links(list(selectors.reporter_attachments(found)))
    context = {
        "case": found,
        "fix": _self_fix(found, shown),
        "expected": expected_time(found),
        "photos": [x for x in shown if x.is_image],
        "files": [x for x in shown if not x.is_image],
        "field": actor.role in FIELD_ROLES,
        "patrol": hooks.open_patrol(actor) if actor.role in FIELD_ROLES else None,
        "nav": "report",
    }
    return render(request, "phone/sent.html", context)


def _self_fix(case: Case, shown: list[attachments.Link]) -> dict[str, Any] | None:
    """A chief's own fix (``self_fixed``): what he did, and the photos before (the report's)
    and after (the fix's). None for any other case."""
    steps = case.events.filter(action__in=("submit", "self_fixed")).values_list(
        "action", "reason", "attachments"
    )
    by_action = {action: (reason, {ref["id"] for ref in refs}) for action, reason, refs in steps}
    if "self_fixed" not in by_action:
        return None
    result, after = by_action["self_fixed"]
    before = by_action.get("submit", ("", set()))[1]
    photos = [x for x in shown if x.is_image]
    return {
        "result": result,
        "photos": [
            (_("处置前照片"), [x for x in photos if x.id in before]),
            (_("处置后照片"), [x for x in photos if x.id in after]),
        ],
    }


def _task(request: HttpRequest, actor: Actor, found: Case) -> HttpResponse:
    """A field worker's case on the phone: what they can do first, then what it is."""
    context = detail_context(actor, selectors.case_detail(actor, case_id=found.pk), eager=True)
    here = request.path
    for f in context["case_forms"]:
        f["next"] = here
    for row in context["assignments"]:
        for f in row["forms"]:
            f["next"] = here
    context["patrol"] = hooks.open_patrol(actor)
    context["nav"] = "mine"
    return render(request, "phone/task.html", context)


# --- sign in with a text-message code -----------------------------------------------------------


class PhoneLoginForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "13800000000"}
        ),
    )
    code = forms.CharField(
        label=gettext_lazy("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args: Any, districts: Sequence[OrgUnit] = (), **kwargs: Any) -> None:
        """``districts``: where a new resident may sign up; asked only when there are
        several (someone who has signed in before need not answer)."""
        super().__init__(*args, **kwargs)
        if len(districts) > 1:
            self.fields["district_id"] = forms.TypedChoiceField(
                label=gettext_lazy("所在的区"),
                coerce=int,
                required=False,
                empty_value=None,
                choices=[("", gettext_lazy("请选择（以前登录过的可不选）"))]
                + [(d.pk, d.name) for d in districts],
            )


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("phone:mine")


def phone_login(request: HttpRequest) -> HttpResponse:
    """Two steps on one page, without JavaScript: the number (a code is texted to it), then the
    code. The first good code makes the resident's account."""
    form = PhoneLoginForm(request.POST or None, districts=phone_signin.phone_districts())
    sent = False
    status = 200
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            if request.POST.get("action") == "send" or not form.cleaned_data["code"]:
                phone_signin.send_code(phone=phone, ip=client_ip(request))
                sent = True
                messages.info(
                    request,
                    _("验证码已发送至 %(phone)s，%(minutes)d 分钟内有效")
                    % {
                        "phone": phone_signin.masked(phone_signin.normalize_phone(phone)),
                        "minutes": settings.HUYING_PHONE_CODE_MINUTES,
                    },
                )
            else:
                user = phone_signin.sign_in_with_code(
                    phone=phone,
                    code=form.cleaned_data["code"],
                    ip=client_ip(request),
                    agent=user_agent(request),
                    district_id=form.cleaned_data.get("district_id"),
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(_next_url(request))
        except DomainError as exc:
            status = exc.status
            field = exc.details.get("field")
            # The code step stays open unless the number itself was wrong.
            sent = isinstance(exc, TooManyAttempts) or field != "phone"
            form.add_error(field if field in form.fields else None, exc.message)
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "phone/login.html",
        {"form": form, "sent": sent, "next": _next_url(request), "nav": "mine"},
        status=status,
    )


# --- track and rate ------------------------------------------------------------------------------


@phone_view
def mine(request: HttpRequest) -> HttpResponse:
    """A resident's own reports; a field worker's tasks on their patch and their patrol."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role in FIELD_ROLES:
        context = {
            "queues": queues.field_home(actor).queues,  # 本级处置任务, 辖区最新事件
            "patrol": hooks.open_patrol(actor),
            "calendar_notice": calendar_notice(timezone.localdate()),
            "nav": "mine",
        }
        return render(request, "phone/field.html", context)
    if not actor.is_reporter:
        return redirect("home")
    rows = list(selectors.cases_visible_to(actor).order_by("-id")[:50])
    return render(request, "phone/mine.html", {"rows": rows, "nav": "mine"})


class TrackForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("事件编号"), max_length=32)
    code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=16,
        required=False,
        help_text=gettext_lazy("回执上的 6 位查询码"),
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话后四位"),
        max_length=4,
        min_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def track(request: HttpRequest) -> HttpResponse:
    """By number: a signed-in person within their scope; anyone else with the 查询码 from
    their receipt and the last 4 digits of the phone they left (a hotline caller too), with
    failed tries limited (``huying.cases.lookup``)."""
    form = TrackForm(request.GET or None)
    error = ""
    status = 200
    if form.is_bound and form.is_valid():
        number = form.cleaned_data["number"].strip()
        code = form.cleaned_data["code"].strip()
        tail = form.cleaned_data["phone"].strip()
        if request.user.is_authenticated and not code and not tail:
            return redirect("phone:case", number=number)
        try:
            case = lookup.case_for_reporter(
                number=number, code=code, tail=tail, ip=client_ip(request), now=timezone.now()
            )
        except DomainError as exc:
            status = exc.status
            error = (
                exc.message
                if exc.status == 429
                else _("没有找到：请核对事件编号、查询码和联系电话后四位。")
            )
        else:
            return _render_case(request, case, actor=None)
    return render(
        request,
        "phone/track.html",
        {"form": form, "error": error, "nav": "track"},
        status=status,
    )


def _render_case(
    request: HttpRequest, case: Case, *, actor: Actor | None, status: int = 200, **extra: Any
) -> HttpResponse:
    offered = {r.action for r in rules.offered_on_case(case, actor.role)} if actor else set()
    may_rate = (
        actor is not None
        and actor.is_reporter
        and case.state == CaseState.FOLLOW_UP
        and "follow_up" in offered
    )
    may_reopen = actor is not None and actor.is_reporter and "reopen" in offered
    # Someone who tracked the case by number and phone gets links signed for this case.
    token = attachments.track_token(case.pk) if actor is None else ""
    shown = attachments.links(list(selectors.reporter_attachments(case)), token=token)
    context = {
        "case": case,
        "steps": _steps(case),
        "events": public.public_events(case),
        "result": public.public_result(case),
        "may_rate": may_rate,
        "may_reopen": may_reopen,
        "satisfaction_choices": Satisfaction.choices,
        "photos": [x for x in shown if x.is_image],
        "files": [x for x in shown if not x.is_image],
        **extra,
    }
    return render(request, "phone/case.html", context, status=status)


@phone_view
def case(request: HttpRequest, number: str) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    found = selectors.case_get(actor, number=number)
    if actor.role in FIELD_ROLES:
        return _task(request, actor, found)
    if not actor.is_reporter:
        return redirect("cases:detail", case_id=found.pk)
    return _render_case(request, found, actor=actor)


@require_POST
@phone_view
def rate(request: HttpRequest, number: str) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    found = selectors.case_get(actor, number=number)
    satisfaction = request.POST.get("satisfaction", "")
    if satisfaction not in Satisfaction.values:
        return _render_case(request, found, actor=actor, status=422, rate_error=_("请选择满意程度"))
    try:
        services.case_follow_up(
            actor=actor,
            case_id=found.pk,
            satisfaction=satisfaction,
            note=request.POST.get("note", ""),
            expected_version=found.version,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _render_case(request, found, actor=actor, status=exc.status, rate_error=exc.message)
    messages.success(request, _("感谢您的评价"))
    return redirect("phone:case", number=number)


@require_POST
@phone_view
def reopen(request: HttpRequest, number: str) -> HttpResponse:
    """A dissatisfied reporter asks for the case to be handled again (once)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    found = selectors.case_get(actor, number=number)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        return _render_case(
            request, found, actor=actor, status=422, reopen_error=_("请说明不满意的原因")
        )
    try:
        services.case_reopen(
            actor=actor, case_id=found.pk, reason=reason, expected_version=found.version
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _render_case(
            request, found, actor=actor, status=exc.status, reopen_error=exc.message
        )
    messages.success(request, _("已重新交办，我们会尽快处理"))
    return redirect("phone:case", number=number)


# --- PWA -----------------------------------------------------------------------------------------

_STATIC = Path(__file__).resolve().parent / "static" / "phone"


@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from /m/ so that its scope covers the phone pages."""
    return HttpResponse((_STATIC / "sw.js").read_text(), content_type="text/javascript")


@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    """The static manifest with its names and language in the active language."""
    data = json.loads((_STATIC / "manifest.webmanifest").read_text())
    language = translation.get_language() or settings.LANGUAGE_CODE
    data["name"] = _("呼应 · 街道呼·部门应")
    data["short_name"] = pgettext("product name", "呼应")
    data["lang"] = "zh-CN" if language == "zh-hans" else language
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/manifest+json"
    )
