"""The OpenAPI document names each request and response schema by its class name: two
classes of one name are one component, and a client is told the wrong body for one of the
endpoints (two apps' ``MoveIn`` once published ``{"up": …}`` for an endpoint that reads
``{"offset": …}``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from ninja import Schema

import huying.api  # noqa: F401 — every router, so every schema class, is imported
from huying.core.api_types import IGNORED


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_api_schema_has_a_name_of_its_own() -> None:
    modules: dict[str, set[str]] = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("huying."):
            modules[schema.__name__].add(schema.__module__)
    assert {name: where for name, where in modules.items() if len(where) > 1} == {}


def _objects(node: Any, components: dict[str, Any], seen: set[str]) -> Iterator[tuple[str, Any]]:
    """Every object schema a request body holds, through references, lists and choices."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                target = components[name]
                if target.get("type") == "object" or "properties" in target:
                    yield name, target
                yield from _objects(target, components, seen)
            return
        for value in node.values():
            yield from _objects(value, components, seen)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value, components, seen)


@pytest.mark.django_db
def test_every_object_a_request_body_holds_says_what_its_other_fields_may_hold() -> None:
    """A body object that is not an ``In`` lets the fuzz (and a client) believe any extra
    field is fine, when the input door refuses NUL and lone surrogates in them (a road
    segment's ``line`` once was such an object)."""
    document = Client().get("/api/v1/openapi.json").json()
    components = document["components"]["schemas"]
    bodies = [
        op["requestBody"]
        for path in document["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "requestBody" in op
    ]
    loose = {
        name
        for body in bodies
        for name, schema in _objects(body, components, set())
        if "additionalProperties" not in schema and name != IGNORED
    }
    assert loose == set()
