"""Request id: taken from X-Request-ID when a proxy sets one, else made; stamped on every event.
Input text: the door every request's text passes (:class:`InputTextMiddleware`)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _

from huying.core.errors import InvalidInput
from huying.core.input_text import CONTROL, UNFIT, UnfitText, storable
from huying.core.web import error_page, machine_error

request_id_var: ContextVar[str] = ContextVar("huying_request_id", default="")
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


#: JSON nested deeper than this is refused: no input of Huying's nests beyond a few levels
#: (a MultiPolygon is four), and unbounded nesting would exhaust the parser's recursion.
MAX_JSON_DEPTH = 32


class InputTextMiddleware:
    """The door of :mod:`huying.core.input_text` for every request: the path, query string,
    form fields and JSON body. Unfit text (a NUL, a lone surrogate) is a 422 before any view
    runs, so nothing is written; control characters are dropped so views and forms see the
    text as it will be stored. A JSON body must be JSON as RFC 8259 writes it: no ``NaN`` or
    ``Infinity``, nested at most :data:`MAX_JSON_DEPTH` levels."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            _check_text(request.path, field="path")
            request.GET = _cleaned_query(request.GET)
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                if request.content_type == "application/json":
                    _clean_json_body(request)
                else:
                    request.POST = _cleaned_query(request.POST)
        except InvalidInput as exc:
            return _refusal(request, exc)
        return self.get_response(request)


def _check_text(value: str, *, field: str) -> str:
    try:
        return storable(value)
    except UnfitText:
        raise InvalidInput(
            _("输入中含有空字符或无法编码的字符，请删除后重试"), field=field
        ) from None


def _cleaned_query(data: QueryDict) -> Any:  # a QueryDict, immutable as Django's are
    if not any(
        _DEBRIS.search(key) or any(_DEBRIS.search(v) for v in values if isinstance(v, str))
        for key, values in data.lists()
    ):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        name = _check_text(key, field=key)
        cleaned.setlist(name, [_check_text(v, field=name) for v in values])
    cleaned._mutable = False
    return cleaned


def _refuse_constant(name: str) -> Any:
    raise InvalidInput(_("JSON 中不能有 {name}：数值必须是有限的数").format(name=name))


def _clean_json_body(request: HttpRequest) -> None:
    body = request.body
    if not body:
        return
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidInput(_("JSON 嵌套过深")) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return  # not JSON at all: the view's own parser gives its error
    cleaned, changed = _clean_json(data)
    if changed:
        request._body = json.dumps(cleaned, ensure_ascii=False).encode()


def _clean_json(data: Any) -> tuple[Any, bool]:
    """``data`` with every string (and key) stored as :func:`storable` would, and whether
    anything changed; walked without recursion, so depth is checked, not suffered."""
    changed = False

    def text(value: str, path: list[str]) -> str:
        nonlocal changed
        clean = _check_text(value, field=".".join(path) or "body")
        changed = changed or clean != value
        return clean

    def visit(value: Any, path: list[str]) -> Any:
        if isinstance(value, str):
            return text(value, path)
        if isinstance(value, dict | list):
            stack.append((value, path))
        return value

    root: list[Any] = [data]
    stack: list[tuple[dict[str, Any] | list[Any], list[str]]] = [(root, [])]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_JSON_DEPTH:
            raise InvalidInput(_("JSON 嵌套过深"))
        if isinstance(node, dict):
            pairs = list(node.items())
            node.clear()
            for key, value in pairs:
                key = text(key, path)
                node[key] = visit(value, [*path, key])
        else:
            for index, value in enumerate(node):
                node[index] = visit(value, path if node is root else [*path, str(index)])
    return root[0], changed


_DEBRIS = re.compile(f"{UNFIT.pattern}|{CONTROL.pattern}")


def _refusal(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": exc.as_dict()}, status=exc.status, json_dumps_params={"ensure_ascii": False}
        )
    return machine_error(request, exc) or error_page(request, exc)
