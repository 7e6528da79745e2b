"""/api/v1/openapi.json is built once per process, and what it serves stays the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from ninja import NinjaAPI
from ninja.responses import NinjaJSONEncoder

from huying.api import api
from huying.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the schema builds (django-ninja's own, under HuyingAPI's additions)."""
    calls: list[int] = []
    build = NinjaAPI.get_openapi_schema

    def counting(self: NinjaAPI, **kwargs: Any) -> Any:
        calls.append(1)
        return build(self, **kwargs)

    monkeypatch.setattr(NinjaAPI, "get_openapi_schema", counting)
    monkeypatch.setattr(api, "_schemas", {})
    yield calls


def test_a_second_request_does_not_build_the_schema_again(world: World, builds: list[int]) -> None:
    client = Client()
    client.force_login(world.actor("hub").user)
    first = client.get("/api/v1/openapi.json")
    second = client.get("/api/v1/openapi.json")
    assert first.status_code == second.status_code == 200
    assert len(builds) == 1
    assert second.json() == first.json()


def test_the_kept_schema_is_the_one_a_fresh_build_makes(builds: list[int]) -> None:
    kept = api.get_openapi_schema(path_params={})
    kept["paths"].clear()  # a caller's copy: changing it changes nothing kept
    fresh = api.build_openapi_schema(path_params={})
    again = api.get_openapi_schema(path_params={})
    assert json.dumps(again, cls=NinjaJSONEncoder) == json.dumps(fresh, cls=NinjaJSONEncoder)
    assert "/api/v1/cases/{case_id}/triage" in again["paths"]
