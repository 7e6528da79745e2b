"""社区工作准入 pages: the public certificate list (no sign-in, desk and phone); the gate's
monthly figures per sender (向社区摊派情况) with the drill-down to the tasks, where the
receiving community flags a task that is off the lists."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huying.access import rules, selectors, services, xlsx
from huying.access.forms import ApplicationForm, ItemForm, TaskForm
from huying.access.models import (
    FUNDED_KINDS,
    ApplicationState,
    FlagOutcome,
    ListKind,
    TaskState,
)
from huying.core.errors import DomainError, NotFound
from huying.core.web import form_error, protected_file
from huying.org.actors import Actor
from huying.org.web import staff_view

_MONTH = re.compile(r"(20\d{2})-(0[1-9]|1[0-2])")


def _certificates(request: HttpRequest, template: str) -> HttpResponse:
    return render(
        request,
        template,
        {
            "published": selectors.current_list(ListKind.CERTIFICATE),
            "items": selectors.current_items(ListKind.CERTIFICATE),
            "nav": "certificates",
        },
    )


@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    """社区不再出具的证明: what a resident does instead, for anyone to read."""
    return _certificates(request, "access/certificates.html")


@require_GET
def certificates_phone(request: HttpRequest) -> HttpResponse:
    return _certificates(request, "access/certificates_phone.html")


def _actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in rules.PAGE_ROLES:
        raise NotFound(_("页面不存在"))
    return actor


def _month(request: HttpRequest) -> tuple[int, int]:
    """``?month=YYYY-MM``; this month when absent or malformed."""
    found = _MONTH.fullmatch(request.GET.get("month", ""))
    if found:
        return int(found.group(1)), int(found.group(2))
    today = timezone.localdate()
    return today.year, today.month


@require_GET
@staff_view
def figures(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    year, month = _month(request)
    rows = selectors.monthly_figures(actor, year, month)
    return render(
        request,
        "access/figures.html",
        {
            "nav": "access",
            "rows": rows,
            "month": f"{year}-{month:02d}",
            "totals": {
                "sent": sum(r.sent for r in rows),
                "refused": sum(r.refused for r in rows),
                "flagged": sum(r.flagged for r in rows),
                "upheld": sum(r.upheld for r in rows),
            },
        },
    )


@require_GET
@staff_view
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    """The page's table as a workbook (same rows, same numbers)."""
    actor = _actor(request)
    year, month = _month(request)
    return xlsx.figures_response(
        selectors.monthly_figures(actor, year, month), f"{year}-{month:02d}"
    )


@require_GET
@staff_view
def tasks(request: HttpRequest) -> HttpResponse:
    """The tasks in scope, for a month and optionally one sender, refused or flagged ones."""
    actor = _actor(request)
    year, month = _month(request)
    start, end = selectors.month_bounds(year, month)
    qs = selectors.tasks_visible_to(actor).filter(created_at__gte=start, created_at__lt=end)
    sender = request.GET.get("sender", "")
    if sender.isdigit():
        qs = qs.filter(sender_id=int(sender))
    only = request.GET.get("only", "")
    if only == "refused":
        qs = qs.filter(state=TaskState.REFUSED)
    elif only == "flagged":
        qs = qs.filter(flagged_at__isnull=False)
    elif only == "upheld":
        qs = qs.filter(flag_outcome=FlagOutcome.UPHELD)
    return render(
        request,
        "access/tasks.html",
        {
            "nav": "access",
            "tasks": list(qs[:500]),
            "month": f"{year}-{month:02d}",
            "may_flag": actor.role in rules.FLAG_ROLES,
            "may_resolve": actor.role in rules.REVIEW_ROLES,
            "may_send": actor.role in rules.SEND_ROLES,
            "sees_figures": actor.role in rules.ALL_FIGURE_ROLES | rules.SEND_ROLES,
        },
    )


@require_POST
@staff_view
def task_flag(request: HttpRequest, task_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        services.task_flag(actor=actor, task_id=task_id, reason=request.POST.get("reason", ""))
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已标记为清单外任务，呼应办将核查"))
    return _back_to_tasks(request)


def _back_to_tasks(request: HttpRequest) -> HttpResponse:
    """Back to the tasks page the form was on (``next``, on this site only)."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return redirect(back or "access:tasks")


@staff_view
def task_new(request: HttpRequest) -> HttpResponse:
    """A department or a street sends a task; refused at the gate, it is told why (and the
    refusal is kept among its tasks)."""
    actor = _actor(request)
    if actor.role not in rules.SEND_ROLES:
        raise NotFound(_("页面不存在"))
    form = TaskForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_send(
                actor=actor, files=request.FILES.getlist("files"), **form.cleaned_data
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            if task.state == TaskState.REFUSED:
                messages.error(
                    request, _("任务被拒收：{reason}").format(reason=task.refusal_reason)
                )
                return redirect(f"{reverse('access:tasks')}?only=refused")
            messages.success(
                request, _("任务已送达{community}").format(community=task.recipient.name)
            )
            return redirect("access:tasks")
    return render(
        request,
        "access/task_new.html",
        {"nav": "access", "form": form},
        status=422 if form.errors else 200,
    )


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in ListKind.values else ListKind.DUTY


@require_GET
@staff_view
def lists(request: HttpRequest) -> HttpResponse:
    """The current version of each list; the hub sees what its draft changes and publishes."""
    actor = _actor(request)
    kind = _kind(request)
    current = list(selectors.current_items(kind))
    draft = selectors.draft_list(kind) if actor.role in rules.REVIEW_ROLES else None
    changes: dict[str, list[str]] = {}
    if draft is not None:
        now = {i.code: i.title for i in draft.items.all()}
        was = {i.code: i.title for i in current}
        changes = {
            "added": [f"{c} {t}" for c, t in now.items() if c not in was],
            "withdrawn": [f"{c} {t}" for c, t in was.items() if c not in now],
        }
    reviews = actor.role in rules.REVIEW_ROLES
    return render(
        request,
        "access/lists.html",
        {
            "nav": "access",
            "reviews": reviews,
            "funded": kind in FUNDED_KINDS,
            "item_form": ItemForm(auto_id=f"item-{kind}-%s") if reviews else None,
            "draft_items": list(draft.items.all()) if draft is not None else [],
            "kind": kind,
            "kinds": ListKind.choices,
            "published": selectors.current_list(kind),
            "items": current,
            "draft": draft,
            "changes": changes,
            "sees_figures": actor.role in rules.ALL_FIGURE_ROLES | rules.SEND_ROLES,
        },
    )


@require_POST
@staff_view
def list_publish(request: HttpRequest, kind: str) -> HttpResponse:
    actor = _actor(request)
    try:
        published = services.list_publish(actor=actor, kind=kind)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已发布第 {version} 版").format(version=published.version))
    return redirect(f"{reverse('access:lists')}?kind={kind if kind in ListKind.values else ''}")


@staff_view
def applications(request: HttpRequest) -> HttpResponse:
    """A department's applications and its form to apply; the hub's queue to review."""
    actor = _actor(request)
    applies = actor.role in rules.APPLY_ROLES
    form = ApplicationForm(request.POST or None) if applies else None
    if request.method == "POST":
        if form is None:
            raise NotFound(_("页面不存在"))
        if form.is_valid():
            try:
                services.application_submit(actor=actor, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("申请已提交，等待呼应办审核"))
                return redirect("access:applications")
    return render(
        request,
        "access/applications.html",
        {
            "nav": "access",
            "form": form,
            "applications": list(selectors.applications_visible_to(actor)[:200]),
            "reviews": actor.role in rules.REVIEW_ROLES,
            "pending": ApplicationState.PENDING,
            "sees_figures": actor.role in rules.ALL_FIGURE_ROLES | rules.SEND_ROLES,
        },
        status=422 if form is not None and form.errors else 200,
    )


@require_POST
@staff_view
def application_review(request: HttpRequest, application_id: int) -> HttpResponse:
    _rule(
        request,
        services.application_decide,
        _("已审核"),
        application_id=application_id,
        approve=request.POST.get("approve") == "1",
    )
    return redirect("access:applications")


def _rule(request: HttpRequest, write: Any, done: str, **kw: Any) -> None:
    """A hub's yes-or-no with a reason at the version the page showed (an application's
    review, a flag's ruling): told as a message; out of scope stays a 404."""
    version = request.POST.get("version", "")
    try:
        write(
            actor=_actor(request),
            reason=request.POST.get("reason", ""),
            version=int(version) if version.isdigit() else None,
            **kw,
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


@require_GET
@staff_view
def task_file(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_get(_actor(request), attachment_id)
    return protected_file(
        attachment.file.name or "",
        content_type=attachment.content_type,
        filename=attachment.name,
        inline=attachment.content_type.startswith("image/"),
    )


def _to_list(kind: str) -> HttpResponse:
    return redirect(f"{reverse('access:lists')}?kind={kind if kind in ListKind.values else ''}")


@require_POST
@staff_view
def item_add(request: HttpRequest, kind: str) -> HttpResponse:
    """The hub adds an item to the kind's draft itself (in force once it publishes it)."""
    actor = _actor(request)
    form = ItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return _to_list(kind)
    try:
        item = services.item_add(actor=actor, kind=kind, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已将 {code} {title} 加入草稿").format(code=item.code, title=item.title)
        )
    return _to_list(kind)


@require_POST
@staff_view
def item_withdraw(request: HttpRequest, kind: str) -> HttpResponse:
    """退出: the hub takes an item out of the kind's draft, with the reason."""
    actor = _actor(request)
    code = request.POST.get("code", "")
    try:
        services.item_withdraw(
            actor=actor, kind=kind, code=code, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已将 {code} 从草稿中退出").format(code=code))
    return _to_list(kind)


@require_POST
@staff_view
def task_flag_resolve(request: HttpRequest, task_id: int) -> HttpResponse:
    """The hub's finding on a community's flag: upheld (摊派, withdrawn) or rejected."""
    _rule(
        request,
        services.task_flag_resolve,
        _("已核查"),
        task_id=task_id,
        upheld=request.POST.get("upheld") == "1",
    )
    return _back_to_tasks(request)
