"""The login page (with locks and the sign-in log) and the administrator's 登录日志 page,
where locked accounts and addresses are listed and can be unlocked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huying.core.errors import DomainError
from huying.org import selectors, signin, throttle
from huying.org.actors import Actor
from huying.org.models import SignIn, Throttle
from huying.org.web import admin_view

#: Rows shown on the 登录日志 page (the Django admin pages through all of them).
LOG_ROWS = 200


class SignInForm(AuthenticationForm):
    """Django's login form, checking the password through ``signin.sign_in``."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            request = self.request
            try:
                self.user_cache = signin.sign_in(
                    username=username,
                    password=password,
                    ip=signin.client_ip(request) if request else None,
                    agent=signin.user_agent(request) if request else "",
                    request=request,
                )
            except DomainError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInView(LoginView):
    form_class = SignInForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        codes = {e.code for e in form.non_field_errors().as_data()}
        if "too_many_attempts" in codes:
            response.status_code = 429
        return response


@admin_view
def signin_log(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    actor: Actor = request.actor  # type: ignore[attr-defined]
    rows = selectors.signins_visible_to(actor).order_by("-at", "-id")
    username = request.GET.get("username", "").strip()
    result = request.GET.get("result", "")
    if username:
        rows = rows.filter(username=username)
    if result in SignIn.Result.values:
        rows = rows.filter(result=result)
    locks = [
        {
            "pk": t.pk,
            "scope": throttle.SCOPE_LABELS.get(t.scope, t.scope),
            "key": t.key,
            "failures": t.failures,
            "locked_until": t.locked_until,
            "minutes": throttle.minutes_left(t.locked_until, now) if t.locked_until else 0,
        }
        for t in Throttle.objects.filter(locked_until__gt=now).order_by("-locked_until")
    ]
    context = {
        "rows": list(rows[:LOG_ROWS]),
        "limit": LOG_ROWS,
        "locks": locks,
        "username": username,
        "result": result,
        "results": SignIn.Result.choices,
        "nav": "manage",
        "tab": "signins",
    }
    return render(request, "org/signins.html", context)


@require_POST
@admin_view
def signin_unlock(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("throttle") if v.isdigit()]
    if throttle.unlock(ids):
        messages.success(request, _("已解锁"))
    return redirect("org:signins")
