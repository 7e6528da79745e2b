"""The JSON API under /api/v1/: routers from each app, one error shape for all of them."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from huying.cases.api import router as cases_router
from huying.catalogue.api import router as catalogue_router
from huying.core.errors import DomainError
from huying.org.api import router as org_router
from huying.org.api_auth import AUTH
from huying.reports.api import router as reports_router


class ChineseJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="呼应 Huying API",
    version="1",
    description="街道呼·部门应：事件受理、研判、呼叫、派单、跟踪、结案。",
    renderer=ChineseJSONRenderer(),
    urls_namespace="api",
    auth=AUTH,
)
api.add_router("", org_router)
api.add_router("", catalogue_router)
api.add_router("", cases_router)
api.add_router("", reports_router)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **details: Any
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = json.loads(json.dumps(exc.errors, default=str))
    return _error(request, 422, "invalid_input", _("输入有误"), errors=errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("请先登录或提供有效的令牌"))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))
