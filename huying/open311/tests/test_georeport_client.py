"""The ``georeport`` client from PyPI, unchanged, against a running server: services,
service definitions, requests and one request, in JSON and in XML. It cannot post (it
says so), so the request it reads is posted as any client would, with ``requests``."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from georeport import GeoReport

from huying.conftest import World
from huying.open311.tests.conftest import key_for, report

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_everything(world: World, live_server: Any, fmt: str) -> None:
    root = f"{live_server.url}/open311/v2"
    posted = requests.post(
        f"{root}/requests.json",
        data=report(world, api_key=key_for(world, "hub"), description="路灯不亮，晚上很黑"),
        timeout=30,
    )
    posted.raise_for_status()
    number = posted.json()[0]["service_request_id"]

    client = GeoReport(root, jurisdiction="JJ", output_format=fmt)
    services = client.get_service_list()
    assert [s["service_code"] for s in services] == ["A1", "A2", "A3", "A4"]
    definition = client.get_service_definition("A2")
    assert definition["service_code"] == "A2"
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict: the list's element, then its items
        attributes = attributes["attribute"]
    assert {a["code"] for a in attributes} >= {"level", "time_limit", "department"}

    found = client.get_service_requests(service_code="A2", status="open")
    if fmt == "xml":  # xmltodict gives one item as itself, not as a list of one
        found = [found]
    assert [r["service_request_id"] for r in found] == [number]
    one = client.get_service_request(number)
    assert one["service_request_id"] == number
    assert one["status"] == "open"
    assert one["service_name"] == "路灯不亮"
    assert one["description"] == "路灯不亮，晚上很黑"
