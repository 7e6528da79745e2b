"""The JSON API under /api/v1/: routers from each app, one error shape for all of them."""

from __future__ import annotations

import json
import threading
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from huying.access.api import router as access_router
from huying.cases.api import router as cases_router
from huying.catalogue.api import router as catalogue_router
from huying.coordination.api import router as coordination_router
from huying.core.api_types import IGNORED, IGNORED_SCHEMA, ErrorOut, extra_fields
from huying.core.errors import DomainError
from huying.deliberation.api import router as deliberation_router
from huying.grid.api import router as grid_router
from huying.hotline.api import router as hotline_router
from huying.integrations.api import router as integrations_router
from huying.lifecircle.api import router as lifecircle_router
from huying.onewindow.api import router as onewindow_router
from huying.org.api import router as org_router
from huying.org.api_auth import AUTH
from huying.reports.api import router as reports_router
from huying.roads.api import router as roads_router
from huying.triage.api import router as triage_router
from huying.volunteers.api import router as volunteers_router


class ChineseJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


#: What each error status means, for the documentation of every operation that may answer it.
ERROR_STATUSES = {
    400: "请求体不是 JSON / malformed body",
    401: "未登录或令牌无效、已过期 / unauthenticated",
    403: "当前角色无权执行 / not allowed for the acting role",
    404: "对象不存在或不在本角色的范围内 / not found or out of scope",
    409: "规则不允许或已被他人改动 / refused by the lifecycle rules, or changed meanwhile",
    422: "输入有误（含空字符、格式不对的日期等）/ invalid input",
}


class HuyingAPI(NinjaAPI):
    """The schema documents every error an operation can answer, not only its success: the
    statuses are decided in one place (the input door, the auth, the scope, the rules) for
    every operation, so they are added here rather than repeated on each endpoint.

    The schema is built once per process (and per URL prefix and language): building it
    walks every operation's pydantic models and takes seconds, and nothing it is made of
    changes while the process runs. It is kept as its JSON text, so each caller gets its own
    copy of exactly what the first build served."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[Any, ...], str] = {}
        self._schemas_lock = threading.Lock()

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        key = (
            kwargs.get("path_prefix"),
            tuple(sorted((kwargs.get("path_params") or {}).items())),
            get_language(),
        )
        with self._schemas_lock:
            if key not in self._schemas:
                schema = self.build_openapi_schema(**kwargs)
                self._schemas[key] = json.dumps(schema, cls=NinjaJSONEncoder)
            return json.loads(self._schemas[key])

    def build_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in error.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault("ErrorOut", error)
        components.setdefault(IGNORED, IGNORED_SCHEMA)
        for definition in components.values():
            extra_fields(definition)
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                for body in operation.get("requestBody", {}).get("content", {}).values():
                    # Form bodies are inline, not In components; their extra fields are
                    # ignored alike.
                    if "properties" in body.get("schema", {}):
                        extra_fields(body["schema"], ignored=True)
                responses = operation.setdefault("responses", {})
                for status in _error_statuses(method, operation):
                    if status not in responses and str(status) not in responses:
                        responses[status] = {
                            "description": ERROR_STATUSES[status],
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorOut"}
                                }
                            },
                        }
        return schema


def _error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    statuses = [403, 404, 422]  # scope and role; the input door (paths and query strings too)
    if operation.get("security"):
        statuses.append(401)
    if "requestBody" in operation:
        statuses.append(400)
    if method.lower() != "get":
        statuses.append(409)
    return sorted(statuses)


api = HuyingAPI(
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
api.add_router("", triage_router)
api.add_router("", reports_router)
api.add_router("", integrations_router)
api.add_router("", hotline_router)
api.add_router("", roads_router)
api.add_router("", coordination_router)
api.add_router("", onewindow_router)
api.add_router("", access_router)
api.add_router("", volunteers_router)
api.add_router("", deliberation_router)
api.add_router("", lifecircle_router)
api.add_router("", grid_router)


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
