"""社区工作准入 pages: the public certificate list (no sign-in, desk and phone)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from huying.access.models import ListKind
from huying.access.selectors import current_items, current_list


def _certificates(request: HttpRequest, template: str) -> HttpResponse:
    return render(
        request,
        template,
        {
            "published": current_list(ListKind.CERTIFICATE),
            "items": current_items(ListKind.CERTIFICATE),
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
