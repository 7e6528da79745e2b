"""我的信息员: the grid worker's phone page for his grid's informants (enrol, suspend,
reinstate), over ``huying.org.informants``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huying.cases.models import Case
from huying.core.errors import DomainError, PermissionDenied
from huying.org import informants
from huying.org.actors import Actor
from huying.org.phone_signin import masked
from huying.org.web import staff_view


class EnrolForm(forms.Form):
    grid_id = forms.TypedChoiceField(label=gettext_lazy("网格"), coerce=int)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=30)
    phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, actor: Actor, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        grids = informants.grids_managed_by(actor).values_list("pk", "name")[:500]
        self.fields["grid_id"].choices = [(pk, name) for pk, name in grids]  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in informants.INFORMANT_MANAGERS:
        raise PermissionDenied(_("只有网格员、网格长和社区工作人员可以管理网格信息员"))
    return actor


def _page(request: HttpRequest, actor: Actor, form: EnrolForm, status: int = 200) -> HttpResponse:
    month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = list(informants.informants_managed_by(actor))
    reports = dict(
        Case.objects.filter(reporter_id__in=[g.user_id for g in rows])
        .values_list("reporter_id")
        .annotate(n=Count("pk", filter=Q(reported_at__gte=month)))
    )
    people = [
        {
            "grant": g,
            "phone": masked(getattr(getattr(g.user, "phone_account", None), "phone", "")),
            "reports": reports.get(g.user_id, 0),
        }
        for g in rows
    ]
    context = {
        "people": people,
        "active": sum(1 for g in rows if g.is_active),
        "form": form,
        "nav": "mine",
    }
    return render(request, "grid/informants.html", context, status=status)


@staff_view
def informant_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return _page(request, actor, EnrolForm(actor))


@require_POST
@staff_view
def informant_enrol(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = EnrolForm(actor, request.POST)
    if not form.is_valid():
        return _page(request, actor, form, status=422)
    try:
        informants.informant_enrol(actor=actor, **form.cleaned_data)
    except DomainError as exc:
        if exc.status == 404:
            raise
        form.add_error(exc.details.get("field") or None, exc.message)
        return _page(request, actor, form, status=exc.status)
    messages.success(
        request, _("已登记信息员：{name}").format(name=form.cleaned_data["name"].strip())
    )
    return redirect("informants:list")


@require_POST
@staff_view
def informant_toggle(request: HttpRequest, grant_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        if request.POST.get("active") == "1":
            informants.informant_reinstate(actor=actor, grant_id=grant_id)
            messages.success(request, _("已恢复"))
        else:
            informants.informant_suspend(
                actor=actor, grant_id=grant_id, reason=request.POST.get("reason", "")[:200]
            )
            messages.success(request, _("已暂停，该信息员不能再以信息员身份上报"))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    return redirect("informants:list")
