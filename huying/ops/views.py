"""The health endpoints (liveness, readiness), the metrics endpoint and the 500 page."""

from __future__ import annotations

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from huying.core.errors import DomainError
from huying.core.middleware import current_request_id
from huying.core.web import machine_error
from huying.ops.health import health
from huying.ops.metrics import exposition, may_scrape, scraping_enabled


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For the load balancer and monitoring: 200 when healthy, 503 otherwise; no login."""
    healthy, report = health(now=timezone.now())
    return JsonResponse(report, status=200 if healthy else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's ``handler500``. The request id is what the user can quote and what the log
    line of the traceback carries. Renders without the request (no context processors, so
    no database): the database may be why we are here."""
    request_id = current_request_id()
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "code": "server_error",
                    "message": _("服务器内部错误，请稍后重试；如需报告，请提供错误编号"),
                    "details": {"request_id": request_id},
                }
            },
            status=500,
        )
    failure = DomainError(
        _("服务器内部错误，请稍后重试；如需报告，请提供错误编号 %(id)s") % {"id": request_id},
        code="server_error",
    )
    failure.status = 500
    answer = machine_error(request, failure)
    if answer is not None:
        return answer
    html = loader.render_to_string("ops/500.html", {"request_id": request_id})
    return HttpResponseServerError(html)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's ``handler400``: a request refused before any view (a forged Host header,
    a suspicious operation). The API and Open311 answer it in their own error shape, as they
    answer every other error; pages get Django's plain 400."""
    failure = DomainError(_("请求有误"), code="bad_request")
    failure.status = 400
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "bad_request", "message": str(failure), "details": {}}},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    answer = machine_error(request, failure)
    if answer is not None:
        return answer
    return defaults.bad_request(request, exception)


@never_cache
@require_safe
def livez(request: HttpRequest) -> HttpResponse:
    """Liveness, for a supervisor or load balancer that restarts a process stuck for good: the
    process answers. No database, so a database outage does not get every web process
    restarted at once (that is /healthz's readiness question, not this one)."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text (``huying.ops.metrics``): for the token's holder or the allowed
    addresses only; 404 when neither is configured."""
    if not scraping_enabled():
        raise Http404
    if not may_scrape(request):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
