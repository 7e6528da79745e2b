"""The OpenAPI document names each request and response schema by its class name: two
classes of one name are one component, and a client is told the wrong body for one of the
endpoints (two apps' ``MoveIn`` once published ``{"up": …}`` for an endpoint that reads
``{"offset": …}``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ninja import Schema

import huying.api  # noqa: F401 — every router, so every schema class, is imported


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
