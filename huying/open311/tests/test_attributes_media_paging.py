"""GeoReport v2 beyond the basics: a service's own questions (attributes) and the answers
kept with the case, a photo sent as a file or a link, and ``GET requests`` in pages. Every
refusal is the spec's error list with its status, and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from huying.cases import services as case_services
from huying.cases.models import Attachment, Case, CaseEvent
from huying.cases.tests.helpers import submit
from huying.catalogue.models import CatalogueItem, ItemAttribute
from huying.conftest import World
from huying.core.tests.images import image_bytes
from huying.open311.models import Open311Request
from huying.open311.tests.conftest import BASE, errors, key_for, post, report, xml

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def asking(world: World) -> CatalogueItem:
    """The current version's A2 as if it had been published with three questions."""
    item = CatalogueItem.objects.get(klass__catalogue__is_current=True, code="A2")
    ItemAttribute.objects.bulk_create(
        [
            ItemAttribute(item=item, code="depth", datatype="number", required=True, order=1,
                          description="积水深度（厘米）"),
            ItemAttribute(item=item, code="vehicle", datatype="singlevaluelist", order=2,
                          description="车辆类型", values=[["car", "机动车"], ["bike", "非机动车"]]),
            ItemAttribute(item=item, code="seen", datatype="multivaluelist", order=3,
                          description="看到的情况", values=[["smell", "有异味"], ["block", "堵塞"]]),
        ]
    )  # fmt: skip
    return item


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Open311Request.objects.count(),
        CaseEvent.objects.count(),
        Attachment.objects.count(),
    )


def photo(name: str = "p.png", size: tuple[int, int] = (48, 32)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG", size), "image/png")


# --- attributes ------------------------------------------------------------------------------


def test_a_service_with_questions_says_so_and_defines_them(
    client: Client, world: World, asking: CatalogueItem
) -> None:
    services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json()}
    assert services["A2"]["metadata"] is True
    assert services["A1"]["metadata"] is False
    body = client.get(f"{BASE}/services/A2.json").json()
    questions = [a for a in body["attributes"] if a["variable"]]
    assert [(a["code"], a["datatype"], a["required"], a["order"]) for a in questions] == [
        ("depth", "number", True, 1),
        ("vehicle", "singlevaluelist", False, 2),
        ("seen", "multivaluelist", False, 3),
    ]
    assert questions[1]["values"] == [
        {"key": "car", "name": "机动车"},
        {"key": "bike", "name": "非机动车"},
    ]
    assert "values" not in questions[0]
    # The catalogue's facts follow, as information, numbered after the questions.
    facts = [a for a in body["attributes"] if not a["variable"]]
    assert facts and facts[0]["order"] == 4
    root = xml(client.get(f"{BASE}/services/A2.xml"))
    first = root.find("attributes/attribute")
    assert first is not None and first.findtext("variable") == "true"
    values = root.findall("attributes/attribute[code='vehicle']/values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("car", "机动车"),
        ("bike", "非机动车"),
    ]


def test_answers_are_kept_with_the_case_and_shown_to_the_staff(
    client: Client, world: World, asking: CatalogueItem
) -> None:
    key = key_for(world, "hub")
    body = report(world, api_key=key, description="路口积水")
    body |= {"attribute[depth]": "30", "attribute[vehicle]": "bike"}
    body["attribute[seen][]"] = ["smell", "block"]
    response = post(client, body)
    assert response.status_code == 200, response.content
    made = Open311Request.objects.get()
    assert made.attributes == [
        {"code": "depth", "description": "积水深度（厘米）", "value": 30, "text": "30"},
        {"code": "vehicle", "description": "车辆类型", "value": "bike", "text": "非机动车"},
        {
            "code": "seen",
            "description": "看到的情况",
            "value": ["smell", "block"],
            "text": "有异味、堵塞",
        },
    ]
    staff = Client()
    staff.force_login(world.actor("hub").user)
    page = staff.get(f"/cases/{made.case_id}/").content.decode()
    assert "补充信息" in page and "车辆类型" in page and "有异味、堵塞" in page
    other = submit(world, now=timezone.now())
    assert "补充信息" not in staff.get(f"/cases/{other.pk}/").content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"attribute[depth]": None}, "required"),
        ({"attribute[depth]": ""}, "required, empty"),
        ({"attribute[depth]": "deep"}, "number"),
        ({"attribute[vehicle]": "truck"}, "value list"),
        ({"attribute[seen][]": ["smell", "fire"]}, "multi value list"),
        ({"attribute[colour]": "red"}, "unknown attribute"),
        ({"attribute[]": "1"}, "no code"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_answers_are_400_and_change_nothing(
    client: Client,
    world: World,
    asking: CatalogueItem,
    change: dict[str, Any],
    field: str,
    fmt: str,
) -> None:
    data = report(world, api_key=key_for(world, "hub"), **{"attribute[depth]": "30"})
    data.update(change)
    data = {k: v for k, v in data.items() if v is not None}
    before = _counts()
    response = post(client, data, fmt=fmt)
    assert response.status_code == 400, (field, response.content)
    if fmt == "json":
        assert "attribute[" in errors(response)[0]["description"]
    else:
        assert xml(response).findtext("error/code") == "400"
    assert _counts() == before


def test_a_service_without_questions_refuses_answers(client: Client, world: World) -> None:
    before = _counts()
    response = post(client, report(world, api_key=key_for(world, "hub"), **{"attribute[x]": "1"}))
    assert response.status_code == 400
    assert "服务没有填报项 attribute[x]" in errors(response)[0]["description"]
    assert _counts() == before


# --- media -----------------------------------------------------------------------------------


def test_a_media_file_becomes_the_cases_photo_and_its_public_url(
    client: Client, world: World
) -> None:
    key = key_for(world, "hub")
    response = post(client, report(world, api_key=key, media=photo()))
    assert response.status_code == 200, response.content
    number = response.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    (att,) = case.attachments.all()
    assert att.content_type == "image/png"
    token = case.open311.token
    url = f"http://testserver{BASE}/media/{token}/{att.pk}"
    (row,) = client.get(f"{BASE}/requests/{number}.json").json()
    assert row["media_url"] == url
    assert xml(client.get(f"{BASE}/requests/{number}.xml")).findtext("request/media_url") == url
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"

    # The staff's working photos never become the media_url, nor are they served here.
    staff = world.actor("street")
    case_services.case_attach(
        actor=staff, case_id=case.pk, note="现场照片", files=[photo("work.png")]
    )
    work = case.attachments.exclude(pk=att.pk).get()
    assert client.get(f"{BASE}/media/{token}/{work.pk}").status_code == 404
    assert client.get(f"{BASE}/requests/{number}.json").json()[0]["media_url"] == url


def test_a_photo_of_a_case_from_another_door_is_never_public(client: Client, world: World) -> None:
    """A resident's own report, seen by the hub's key: no media_url, nothing served."""
    case = submit(world, now=timezone.now(), files=[photo()])
    att = case.attachments.get()
    key = key_for(world, "hub")
    (row,) = client.get(f"{BASE}/requests/{case.number}.json", {"api_key": key}).json()
    assert row["media_url"] is None
    posted = post(client, report(world, api_key=key)).json()[0]
    token = Open311Request.objects.get(case__number=posted["service_request_id"]).token
    assert client.get(f"{BASE}/media/{token}/{att.pk}").status_code == 404


def test_a_media_url_is_kept_as_a_link_never_fetched(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    def fetch(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("media_url was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", fetch)
    link = "http://10.0.0.1/admin/secret.jpg"
    response = post(client, report(world, api_key=key_for(world, "hub"), media_url=link))
    number = response.json()[0]["service_request_id"]
    assert client.get(f"{BASE}/requests/{number}.json").json()[0]["media_url"] == link
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("media", "message"),
    [
        (SimpleUploadedFile("doc.pdf", PDF, "application/pdf"), "media 须为图片"),
        (SimpleUploadedFile("fake.png", b"not an image at all", "image/png"), "media 须为图片"),
        ([photo("a.png"), photo("b.png")], "只能有一个文件"),
        ("big", "超过 1 MB 上限"),
    ],
)
def test_bad_media_is_400_and_changes_nothing(
    client: Client, world: World, settings: Any, media: Any, message: str
) -> None:
    if media == "big":
        settings.HUYING_ATTACHMENT_MAX_BYTES = 1024 * 1024
        media = SimpleUploadedFile("big.png", image_bytes("PNG", (48, 32)) + b"\0" * 1024 * 1024)
    before = _counts()
    response = post(client, report(world, api_key=key_for(world, "hub"), media=media))
    assert response.status_code == 400, response.content
    assert message in errors(response)[0]["description"]
    assert _counts() == before


# --- paging ----------------------------------------------------------------------------------


def test_requests_come_in_stable_pages(client: Client, world: World) -> None:
    key = key_for(world, "hub")
    now = timezone.now()
    made = [submit(world, now=now).number for _ in range(5)]  # the same moment: ids break ties
    made.reverse()
    window = {"api_key": key, "page_size": "2"}

    def page(n: int) -> Any:
        return client.get(f"{BASE}/requests.json", {**window, "page": str(n)})

    first, second, third = page(1), page(2), page(3)
    seen = [r["service_request_id"] for p in (first, second, third) for r in p.json()]
    assert seen == made
    assert "page=2" in first["Link"] and first["Link"].endswith('rel="next"')
    assert "Link" not in third
    assert page(4).json() == []
    all_ = client.get(f"{BASE}/requests.json", {"api_key": key}).json()
    assert [r["service_request_id"] for r in all_] == made


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "1001"},
        {"page": "two"},
        {"page_size": "0"},
        {"page_size": "1001"},
        {"page_size": "１０"},
    ],
)
def test_bad_pages_are_400(client: Client, world: World, params: dict[str, str]) -> None:
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    (name,) = params
    assert name in errors(response)[0]["description"]
