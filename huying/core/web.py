"""The web console's plumbing: domain errors as pages and on forms, and downloads.

Views stay thin: they parse a form, call a service and render; a ``DomainError`` they let
through becomes a page (or an htmx fragment) with its Chinese message and its HTTP status.
Who is acting (``staff_view``, ``admin_view``) is in ``huying.org.web``: it reads role grants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, cast

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from huying.core.errors import DomainError


def form_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form field it names (``details["field"]``), else on
    the form as a whole."""
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


class DomainErrorPageMiddleware:
    """A ``DomainError`` from a view: an error page, or for htmx the ``error`` fragment that
    the page shows in place (htmx is configured to swap 4xx responses)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError) or request.path.startswith("/api/"):
            return None
        template = "core/error.html"
        if getattr(request, "htmx", False):
            template += "#error"
        return render(request, template, {"error": exc}, status=exc.status)


def file_download(data: IO[bytes], *, filename: str, content_type: str) -> HttpResponse:
    """A download streamed from ``data`` in blocks (closed when the response is), under its
    own name — Chinese names too (RFC 5987 ``filename*``).

    ``FileResponse`` is a streaming response, not an ``HttpResponse``, which is what
    ``staff_view`` promises; the cast is only for the type checker."""
    response = FileResponse(data, as_attachment=True, filename=filename, content_type=content_type)
    return cast(HttpResponse, response)
