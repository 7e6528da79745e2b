"""The web console's plumbing: who is acting, and domain errors as pages.

A person with several role grants picks one (角色切换); the choice lives in the session and
every page acts under it, exactly as the API acts under ``X-Huying-Grant``. Views stay
thin: they parse a form, call a service and render; a ``DomainError`` they let through
becomes a page (or an htmx fragment) with its Chinese message and its HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import IO, Any, TypeVar, cast
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huying.core.errors import DomainError, NotFound
from huying.org.actors import Actor, actor_for
from huying.org.models import RoleGrant
from huying.org.roles import may_manage

SESSION_GRANT = "huying_grant"

View = TypeVar("View", bound=Callable[..., HttpResponse])


def web_actor(request: HttpRequest) -> Actor:
    """The acting role: the grant chosen in this session while it is still active, else the
    person's first one."""
    user: User = request.user  # type: ignore[assignment]
    chosen = request.session.get(SESSION_GRANT)
    if isinstance(chosen, int):
        try:
            return actor_for(user, chosen)
        except DomainError:
            request.session.pop(SESSION_GRANT, None)  # revoked since: fall back
    return actor_for(user)


def staff_view(view: View) -> View:
    """Login required; ``request.actor`` is the acting role (``no_role`` is a 403 page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.actor = web_actor(request)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_view(view: View) -> View:
    """``staff_view`` for the back office (清单和组织管理): for a role that may not manage,
    the page does not exist (404, never 403)."""

    @staff_view
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_manage(request.actor.role):  # type: ignore[attr-defined]
            raise NotFound(_("页面不存在"))
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def form_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form field it names (``details["field"]``), else on
    the form as a whole."""
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


def acting_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the acting role and the others the person may switch to."""
    actor = getattr(request, "actor", None)
    if actor is None:
        return {}
    grants = (
        RoleGrant.objects.select_related("unit")
        .defer("unit__boundary")
        .filter(user=actor.user, is_active=True)
        .order_by("pk")
    )
    return {"actor": actor, "grants": list(grants)}


@require_POST
@staff_view
def role_switch(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("grant", "")
    user = request.actor.user  # type: ignore[attr-defined]
    if (
        not raw.isdigit()
        or not RoleGrant.objects.filter(pk=raw, user=user, is_active=True).exists()
    ):
        raise NotFound(_("角色不存在"))
    actor = actor_for(user, int(raw))
    request.session[SESSION_GRANT] = actor.grant_id
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("home")
    return HttpResponseRedirect(target)


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


#: What a served upload may do when opened as a page: nothing (no script, no plugin, no
#: request anywhere; a sandboxed unique origin), whatever its bytes turn out to be.
UPLOAD_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def protected_file(name: str, *, content_type: str, filename: str, inline: bool) -> HttpResponse:
    """A stored file, after the caller checked that the person may see it.

    ``HUYING_MEDIA_ACCEL`` picks who sends the bytes: Django streaming them (default),
    nginx (``nginx:/prefix/``: ``X-Accel-Redirect`` to an ``internal`` location over
    MEDIA_ROOT) or Apache/lighttpd (``sendfile``: ``X-Sendfile``). The headers are the same
    in every mode: the stored type, never sniffed; inline only when asked (images),
    otherwise a download; cached by the browser only, never by a shared proxy."""
    accel = settings.HUYING_MEDIA_ACCEL
    response: HttpResponse
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
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=not inline, filename=filename) or "inline"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = UPLOAD_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, max_age=3600)
    patch_vary_headers(response, ["Cookie"])
    return response
