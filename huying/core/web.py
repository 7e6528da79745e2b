"""The web console's plumbing: domain errors as pages and on forms, and downloads.

Views stay thin: they parse a form, call a service and render; a ``DomainError`` they let
through becomes a page (or an htmx fragment) with its Chinese message and its HTTP status.
Who is acting (``staff_view``, ``admin_view``) is in ``huying.org.web``: it reads role grants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, cast
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from huying.core.errors import DomainError, NotFound


def form_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form field it names (``details["field"]``), else on
    the form as a whole."""
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


#: How a door for machines outside /api/ says an error in the shape its clients read (Open311's
#: list of ``{code, description}``, in JSON or XML).
MachineErrors = Callable[[HttpRequest, DomainError], HttpResponse]
_machine_doors: dict[str, MachineErrors] = {}


def register_machine_door(prefix: str, answer: MachineErrors) -> None:
    """The app that owns the door registers it (``AppConfig.ready``): the input door's
    refusals, a ``DomainError`` a view lets through and the 500 page then answer there in its
    shape, not as an HTML page its clients cannot read."""
    _machine_doors[prefix] = answer


def machine_error(request: HttpRequest, exc: DomainError) -> HttpResponse | None:
    """``exc`` in the shape of the machine door ``request`` came through, if it came through one."""
    for prefix, answer in _machine_doors.items():
        if request.path.startswith(prefix):
            return answer(request, exc)
    return None


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
        return machine_error(request, exc) or error_page(request, exc)


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A refusal as a page, or for htmx the ``error`` fragment shown in place."""
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


#: What a served upload may do when opened as a page: nothing (no script, no plugin, no
#: request anywhere; a sandboxed unique origin), whatever its bytes turn out to be.
UPLOAD_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def protected_file(name: str, *, content_type: str, filename: str, inline: bool) -> HttpResponse:
    """A stored file, after the caller checked that the person may see it.

    ``HUYING_MEDIA_ACCEL`` picks who sends the bytes: Django streaming them (default; from
    the bucket too when files are in S3), nginx (``nginx:/prefix/``: ``X-Accel-Redirect`` to
    an ``internal`` location over MEDIA_ROOT), Apache/lighttpd (``sendfile``: ``X-Sendfile``)
    or, with S3, the object store itself (``presigned``: see ``presigned_redirect``). The
    headers are the same in every other mode: the stored type, never sniffed; inline only
    when asked (images), otherwise a download; cached by the browser only, never by a shared
    proxy."""
    accel = settings.HUYING_MEDIA_ACCEL
    disposition = content_disposition_header(as_attachment=not inline, filename=filename)
    response: HttpResponse
    if accel == "presigned":
        return presigned_redirect(
            name, content_type=content_type, disposition=disposition or "inline"
        )
    if accel.startswith("nginx:"):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.removeprefix("nginx:") + quote(name)
    elif accel == "sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = default_storage.path(name)
    else:
        try:
            data = default_storage.open(name, "rb")
        except FileNotFoundError:
            raise NotFound(_("文件不存在")) from None
        response = cast(HttpResponse, FileResponse(data, content_type=content_type))
    response["Content-Disposition"] = disposition or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = UPLOAD_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, max_age=3600)
    patch_vary_headers(response, ["Cookie"])
    return response


def presigned_redirect(name: str, *, content_type: str, disposition: str) -> HttpResponse:
    """A redirect to the object in the (private) bucket, by a URL signed for this object and
    these response headers that expires after ``HUYING_S3_URL_SECONDS``: the scope check has
    passed, and the bytes then go from the object store to the browser without passing
    through a web worker. The store answers with the stored type and disposition (never what
    the object's metadata says) on its own origin, so a file can touch nothing of this site's.
    The redirect itself is never stored: a cached one would outlive its signature."""
    signer: Any = default_storage  # django-storages' S3Storage: url() takes the parameters
    url = signer.url(
        name,
        parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
            "ResponseCacheControl": "private, max-age=3600",
        },
    )
    response = HttpResponseRedirect(url)
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    return response
