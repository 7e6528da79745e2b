"""Shared helpers of the Open311 tests: a key, a POST, the XML read back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from huying.conftest import World
from huying.org.api_auth import token_create

BASE = "/open311/v2"


def key_for(world: World, name: str) -> str:
    """A fresh api_key for a world account, as an admin would issue it."""
    return token_create(user=world.actor(name).user, name=f"open311 {name}")[1]


@pytest.fixture
def hub_key(world: World) -> str:
    return key_for(world, "hub")


def report(world: World, **extra: Any) -> dict[str, Any]:
    """A good ``POST requests`` body in grid 0 (street 1), for the general item A2."""
    lat, lng = world.point_in(0)
    return {"service_code": "A2", "lat": str(lat), "long": str(lng), **extra}


def post(client: Client, data: dict[str, Any], fmt: str = "json") -> Any:
    """The test client's response (with ``.json()``)."""
    return client.post(f"{BASE}/requests.{fmt}", data)


def xml(response: HttpResponse | Any) -> ET.Element:
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>'), text[:80]
    return ET.fromstring(response.content)


def errors(response: Any) -> list[dict[str, Any]]:
    """The spec's error list, and that its codes are the HTTP status."""
    body = response.json()
    assert isinstance(body, list) and body, body
    assert all(e["code"] == response.status_code and e["description"] for e in body), body
    return body
