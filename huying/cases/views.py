"""Console pages for cases: the front door, role homes, the list, the detail with its actions.

Thin by design: each view reads through ``selectors``/``queues``, writes through the
service an action names in ``forms.CASE_ACTIONS``/``ASSIGNMENT_ACTIONS``, and renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from huying.cases import (
    attachments,
    duplicates,
    hooks,
    queues,
    recurrence,
    rules,
    selectors,
    suggestion,
)
from huying.cases.deadlines import clock_state
from huying.cases.forms import (
    ASSIGNMENT_ACTIONS,
    CASE_ACTIONS,
    ActionForm,
    CaseFilterForm,
    MergeForm,
    WebAction,
)
from huying.cases.models import AssignmentState, Case, CaseState, Clock
from huying.cases.services.engine import basis_of
from huying.cases.suggestion import CaseSuggestion, Prefill
from huying.core.errors import DomainError, InvalidTransition, NotFound
from huying.core.selectors import calendar_notice
from huying.org.actors import Actor
from huying.org.models import Role
from huying.org.web import staff_view

PAGE_ROWS = 50

STATE_LABELS = {**dict(CaseState.choices), **dict(AssignmentState.choices)}
ROLE_LABELS = dict(Role.choices)

CLOCK_LABELS = {
    "green": gettext_lazy("正常"),
    "due_soon": gettext_lazy("即将超期"),
    "overdue": gettext_lazy("已超期"),
    "paused": gettext_lazy("已暂停"),
    "none": "—",
}


def clock_view(obj: Clock, now: Any) -> dict[str, Any]:
    state = clock_state(obj.due_at, obj.warn_at, obj.paused_remaining is not None, now)
    return {"state": state, "label": CLOCK_LABELS[state], "due_at": obj.due_at}


def home(request: HttpRequest) -> HttpResponse:
    """The front door: the public figures for visitors, the role's workbench for staff."""
    if request.user.is_authenticated:
        return workbench(request)
    return render(request, "core/home.html", selectors.public_figures())


@staff_view
def landing(request: HttpRequest) -> HttpResponse:
    """Where a sign-in without a ``next`` lands: grid and community staff and residents on
    the phone pages (/m/), everyone else on the workbench."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.works_in_the_field or actor.is_reporter:
        return redirect("phone:mine")
    return redirect("home")


@staff_view
def workbench(request: HttpRequest) -> HttpResponse:
    """The role home (工作台): the acting role's own queues."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.is_reporter:
        return redirect("phone:mine")
    home = queues.home_for(actor, timezone.now())
    context = {
        "home": home,
        "recurrence_rule": recurrence.rule(),
        "calendar_notice": calendar_notice(timezone.localdate()),
        "nav": "home",
    }
    return render(request, "cases/home.html", context)


@staff_view
def case_list(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = CaseFilterForm(request.GET or None, actor=actor)
    rows: list[Case] = []
    next_cursor = None
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        if not form.is_bound:
            form = CaseFilterForm({}, actor=actor)
            form.is_valid()
        qs = selectors.with_running_clock(
            selectors.case_list(actor, form.filters(), now=timezone.now())
        )
        rows, next_cursor = selectors.keyset_page(
            qs, cursor=request.GET.get("cursor"), limit=PAGE_ROWS
        )
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "form": form,
        "rows": rows,
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "nav": "cases",
    }
    template = "cases/list.html"
    if request.htmx and request.GET.get("cursor"):  # type: ignore[attr-defined]
        template += "#rows"
    elif form.drill is not None:  # the cases behind a number of an indicator table
        context["drill"] = {
            "caption": form.drill.caption(actor, narrowed=form.narrows()),
            "back": form.drill.back_url(),
            "params": form.drill.params(),
            "clear": f"{reverse('cases:list')}?{form.drill.query()}",
        }
    return render(request, template, context, status=status)


def _forms_for(
    registry: dict[str, WebAction],
    offered: Sequence[rules.Rule | rules.Combined],
    *,
    case: Case,
    version: int,
    prefix: str,
    url_name: str,
    target: int,
    prefill: Prefill | None = None,
    eager: bool = False,
) -> list[dict[str, Any]]:
    """The action panels, the primary first. Only the panel shown open (the first, when it is
    primary) gets its form unless ``eager``: the others are fetched when opened
    (``case_act``/``assignment_act`` answer a GET with the form), which is most of what a
    case page would otherwise render — their choices of items, departments and people."""
    panels = [(rule, registry[rule.action]) for rule in offered if rule.action in registry]
    panels.sort(key=lambda panel: not panel[1].primary)
    return [
        {
            "action": rule.action,
            "label": rule.label,
            "primary": action.primary,
            "url": reverse(url_name, args=[target, rule.action]),
            "form": (
                _form(action, rule.action, case, version, prefix, prefill)
                if eager or (i == 0 and action.primary)
                else None
            ),
        }
        for i, (rule, action) in enumerate(panels)
    ]


def _form(
    action: WebAction,
    name: str,
    case: Case,
    version: int,
    prefix: str,
    prefill: Prefill | None,
) -> ActionForm:
    form = action.form(
        initial={"expected_version": version},
        prefix=f"{prefix}{name}",
        district_id=case.district_id,
    )
    if prefill is not None:
        form.preselect(prefill)
    form.suit(case)
    return form


def _case_panels(
    case: Case,
    offered: Sequence[rules.Rule | rules.Combined],
    suggested: CaseSuggestion | None,
    *,
    eager: bool,
) -> list[dict[str, Any]]:
    """The case's own action panels (``_forms_for``), triage forms from the suggestion."""
    return _forms_for(
        CASE_ACTIONS,
        offered,
        case=case,
        version=case.version,
        prefix="c-",
        url_name="cases:act",
        target=case.pk,
        prefill=suggested.prefill if suggested is not None else None,
        eager=eager,
    )


def _assignment_panels(
    case: Case, a: Any, role: str, *, eager: bool, only: str | None = None
) -> list[dict[str, Any]]:
    """An assignment's action panels for the role (``only``: that action's alone)."""
    offered = rules.offered_on_assignment(a, case.state, role)
    return _forms_for(
        ASSIGNMENT_ACTIONS,
        [r for r in offered if only in (None, r.action)],
        case=case,
        version=a.version,
        prefix=f"a{a.pk}-",
        url_name="cases:assignment_act",
        target=a.pk,
        eager=eager,
    )


def running_clock_of(case: Case) -> Clock:
    """The clock that matters now: the case's own, else (called, its own clock off) the most
    urgent of its departments' running ones (assignments prefetched)."""
    if case.due_at is not None or case.paused_remaining is not None:
        return case
    best: tuple[datetime, Clock] | None = None
    for a in case.assignments.all():
        due = a.due_at
        live = a.state in rules.ACTIVE_ASSIGNMENT_STATES and a.paused_remaining is None
        if live and due is not None and (best is None or due < best[0]):
            best = (due, a)
    return best[1] if best else case


def detail_context(actor: Actor, case: Case, *, eager: bool = False) -> dict[str, Any]:
    """What the case page shows; ``eager``: every action's form up front (the phone's task
    page, made for poor networks), not only the open one's (``_forms_for``)."""
    now = timezone.now()
    # One submit for two steps first (研判并呼叫): the daily path of an ordinary case; offered
    # for the item the triage form preselects from the suggestion too.
    offered, suggested = suggestion.offered_actions(case, actor.role)
    case_forms = _case_panels(case, offered, suggested, eager=eager)
    held = case.assignments.all()  # prefetched
    actionable = (
        set(
            selectors.assignments_actionable_by(actor)
            .filter(case_id=case.pk)
            .values_list("pk", flat=True)
        )
        if held
        else set()
    )
    assignments = []
    for a in held:
        forms = _assignment_panels(case, a, actor.role, eager=eager) if a.pk in actionable else []
        assignments.append({"a": a, "clock": clock_view(a, now), "forms": forms})
    events = [
        {
            "e": e,
            "label": rules.action_label(e.action),
            "role": ROLE_LABELS.get(e.actor_role, ""),
            "moved": STATE_LABELS.get(e.to_state) if e.to_state != e.from_state else None,
            # The system records its reasons as source text (gettext_noop); people's as typed.
            "reason": _(e.reason) if e.actor_id is None and e.reason else e.reason,
            "basis": basis_of(e),
        }
        for e in case.events.all()  # prefetched in seq order
    ]
    shown = attachments.links(sorted(case.attachments.all(), key=lambda a: a.pk))  # prefetched
    # 疑似重复 for whoever may merge it now: each with a one-click merge into it.
    may_merge = any(getattr(r, "action", "") in {"merge", "grid_merge"} for r in offered)
    return {
        "case": case,
        "reporter_contacts": hooks.reporter_contacts(case),
        "report_details": hooks.report_details(case),
        "clock": clock_view(running_clock_of(case), now),
        "case_forms": case_forms,
        "suggested": suggested,  # 研判建议, for whoever may triage the case now
        "sure_percent": round(suggestion.SURE * 100),
        "assignments": assignments,
        "events": events,
        "photos": [x for x in shown if x.is_image],
        "files": [x for x in shown if not x.is_image],
        "split_parts": (
            list(case.splits.order_by("pk").only("pk", "number"))
            if case.state == CaseState.SPLIT
            else []
        ),
        "duplicates": (
            duplicates.find_duplicates(actor, duplicates.report_of(case)) if may_merge else None
        ),
        "duplicate_window": {
            "metres": settings.HUYING_DUPLICATE_METRES,
            "days": settings.HUYING_DUPLICATE_DAYS,
        },
        # 系统性问题 both ways: the one this case's cause went to, the cases it links.
        "linked_cases": list(
            case.systemic_children.order_by("reported_at", "pk").only(
                "pk", "number", "title", "state", "reported_at"
            )
        ),
        "nav": "cases",
    }


@staff_view
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.is_reporter:
        case = selectors.case_get(actor, case_id=case_id)
        return redirect("phone:case", number=case.number)
    case = selectors.case_detail(actor, case_id=case_id)
    return render(request, "cases/detail.html", detail_context(actor, case))


def _act(
    request: HttpRequest,
    *,
    action: WebAction,
    name: str,
    full_name: str,
    prefix: str,
    target: dict[str, int],
    case_id: int,
    case: Case | None = None,
) -> HttpResponse:
    """Validate the form, run the service; on refusal show the form again with the reason
    and the error's status (a 404 stays a 404 page: we never confirm what is out of scope).
    ``name`` is the action in its table, ``full_name`` the one that names it to people
    (``rules.action_label``: an assignment action is ``assignment.<name>``)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form: ActionForm = action.form(
        request.POST,
        request.FILES,
        prefix=prefix,
        district_id=case.district_id if case is not None else None,
    )
    if case is not None:
        form.suit(case)  # shown again on a refusal: the defaults it names
    error: DomainError | None = None
    status = 422
    if form.is_valid() and isinstance(form, MergeForm):
        number = form.cleaned_data["master_number"].strip()
        master = selectors.cases_visible_to(actor).filter(number=number).first()
        if master is None:
            form.add_error("master_number", _("主事件不存在或无权查看"))
        else:
            form.master_id = master.pk
    if form.is_valid():
        try:
            action.service(actor=actor, **target, **form.service_kwargs())
        except DomainError as exc:
            if exc.status == 404:
                raise
            error, status = exc, exc.status
        else:
            label = rules.action_label(full_name)
            messages.success(request, _("已{action}").format(action=label))
            url = _phone_next(request) or reverse("cases:detail", args=[case_id])
            if request.htmx:  # type: ignore[attr-defined]
                return HttpResponseClientRedirect(url)
            return redirect(url)
    context = {
        "f": {
            "action": name,
            "form": form,
            "label": rules.action_label(full_name),
            "url": request.path,
            "primary": action.primary,
        },
        "error": error,
        "case_id": case_id,
    }
    template = "cases/detail.html#action-form"
    if not request.htmx:  # type: ignore[attr-defined]
        template = "cases/action_page.html"
    return render(request, template, context, status=status)


def _phone_next(request: HttpRequest) -> str | None:
    """Field staff act from their phone pages and stay there (``next`` under /m/ only)."""
    wanted = request.POST.get("next", "")
    if wanted.startswith("/m/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return wanted
    return None


@require_http_methods(["GET", "POST"])
@staff_view
def case_act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    web = CASE_ACTIONS.get(action)
    if web is None:
        raise Http404
    actor: Actor = request.actor  # type: ignore[attr-defined]
    case = selectors.case_get(actor, case_id=case_id)  # scope: 404
    if request.method == "GET":
        offered, suggested = suggestion.offered_actions(case, actor.role)
        wanted = [r for r in offered if r.action == action]
        forms = _case_panels(case, wanted, suggested, eager=True)
        return _action_form(request, forms, action=action, full_name=action, case_id=case_id)
    return _act(
        request,
        action=web,
        name=action,
        full_name=action,
        prefix=f"c-{action}",
        target={"case_id": case_id},
        case_id=case_id,
        case=case,
    )


@require_http_methods(["GET", "POST"])
@staff_view
def assignment_act(request: HttpRequest, assignment_id: int, action: str) -> HttpResponse:
    web = ASSIGNMENT_ACTIONS.get(action)
    if web is None:
        raise Http404
    actor: Actor = request.actor  # type: ignore[attr-defined]
    case_id = (
        selectors.assignments_actionable_by(actor)
        .filter(pk=assignment_id, case__in=selectors.cases_visible_to(actor))
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is None:
        raise NotFound(_("派单不存在或无权查看"))
    if request.method == "GET":
        case = selectors.case_get(actor, case_id=case_id)
        assignment = case.assignments.get(pk=assignment_id)
        forms = _assignment_panels(case, assignment, actor.role, eager=True, only=action)
        full_name = rules.assignment_action(action)
        return _action_form(request, forms, action=action, full_name=full_name, case_id=case_id)
    return _act(
        request,
        action=web,
        name=action,
        full_name=rules.assignment_action(action),
        prefix=f"a{assignment_id}-{action}",
        target={"assignment_id": assignment_id},
        case_id=case_id,
    )


def _action_form(
    request: HttpRequest,
    forms: list[dict[str, Any]],
    *,
    action: str,
    full_name: str,
    case_id: int,
) -> HttpResponse:
    """A folded action panel's form, asked for when the panel is opened (HTMX), or as a page
    of its own (the panel's link, without script). An action the role cannot take now (the
    case moved on since the page was shown) answers 409 with the reason instead."""
    error: DomainError | None = None
    if forms:
        f = forms[0]
    else:
        error = InvalidTransition()
        f = {"action": action, "label": rules.action_label(full_name), "form": None}
    template = "cases/detail.html#action-form"
    if not request.htmx:  # type: ignore[attr-defined]
        template = "cases/action_page.html"
    context = {"f": f, "error": error, "case_id": case_id}
    return render(request, template, context, status=409 if error else 200)
