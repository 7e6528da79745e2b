"""Districts as tenants in Open311: the public reads every district's requests, as before;
a key held in one district never reads another district's."""

from __future__ import annotations

from django.test import Client

from huying.conftest import Neighbour, World

from .conftest import BASE, key_for, post

QC_POINT = {"lat": "30.605", "long": "104.305"}


def test_a_districts_key_never_reads_another_districts_request(
    world: World, neighbour: Neighbour
) -> None:
    client = Client()
    made = post(
        client,
        {
            "service_code": "A2",
            **QC_POINT,
            "jurisdiction_id": "QC",
            "api_key": key_for(world, "hub_q"),
        },
    )
    assert made.status_code == 200, made.content
    number = made.json()[0]["service_request_id"]
    detail = f"{BASE}/requests/{number}.json"

    def read(key: str | None) -> int:
        query = {"jurisdiction_id": "QC", **({"api_key": key} if key else {})}
        return client.get(detail, query).status_code

    assert read(None) == 200  # public, as Open311 requests are
    assert read(key_for(world, "hub_q")) == 200
    assert read(key_for(world, "city_sup")) == 200
    assert read(key_for(world, "hub")) == 404
    listed = client.get(
        f"{BASE}/requests.json",
        {"jurisdiction_id": "QC", "api_key": key_for(world, "hub"), "service_request_id": number},
    )
    assert listed.status_code == 200 and listed.json() == []
