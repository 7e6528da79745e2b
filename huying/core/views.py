"""The landing page until the staff console arrives (issue: console and phone web)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from huying.cases.models import Case, CaseState


def home(request: HttpRequest) -> HttpResponse:
    total = Case.objects.count()
    closed = Case.objects.filter(state__in=[CaseState.CLOSED, CaseState.ARCHIVED]).count()
    return render(request, "core/home.html", {"total": total, "closed": closed})
