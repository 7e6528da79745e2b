"""The front door: the public figures for visitors, the role's workbench for staff."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from huying.cases.models import Case, CaseState
from huying.cases.views import workbench


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return workbench(request)
    total = Case.objects.count()
    closed = Case.objects.filter(state__in=[CaseState.CLOSED, CaseState.ARCHIVED]).count()
    return render(request, "core/home.html", {"total": total, "closed": closed})
