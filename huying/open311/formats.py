"""GeoReport v2 on the wire: one document as JSON or as XML, and the spec's error list.

XML is built with the standard library's ElementTree (it escapes text and attribute-free
elements are all the spec uses); nothing here parses XML, so no untrusted XML is read.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpRequest, HttpResponse

from huying.core.errors import DomainError
from huying.core.input_text import printable

PREFIX = "/open311/"
JSON, XML = "json", "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}

#: The element a list's items are written as, by the list's own element.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def respond(data: Any, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``data`` (a list of records or one record) as JSON, or as XML under ``root``."""
    if fmt == JSON:
        body = json.dumps(data, ensure_ascii=False)
    else:
        tree = ET.tostring(_element(root, data), encoding="unicode")
        body = f'<?xml version="1.0" encoding="utf-8"?>\n{tree}'
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(ITEM_TAGS[tag], child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        # Text stored before the input door kept control characters out cannot be XML.
        element.text = printable(str(value))
    return element


def http_status(exc: DomainError) -> int:
    """The spec answers bad input with 400 where Huying's API says 422."""
    return 400 if exc.status == 422 else exc.status


def format_of(path: str) -> str:
    """The format a path asks for; the bare endpoint (discovery) answers JSON, and XML,
    the one format the spec requires, is the rest's default."""
    return JSON if path.endswith((".json", "/")) else XML


def error_response(request: HttpRequest, exc: DomainError, fmt: str | None = None) -> HttpResponse:
    """The spec's error list: ``[{code, description}]`` with the HTTP status as the code."""
    status = http_status(exc)
    errors = [{"code": status, "description": exc.message}]
    return respond(errors, fmt=fmt or format_of(request.path), root="errors", status=status)
