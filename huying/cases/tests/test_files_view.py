"""A case's files are served only to those who may see the case: staff in scope see all of
them; the reporter (signed in, or by number and phone on the tracking page) sees the report's
photos and, once checked, the result's — never the staff's working files. There is no
/media/ route: every link goes through the scope check."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from huying.cases import services
from huying.cases.models import Assignment, Attachment, Case
from huying.cases.tests.test_console import login
from huying.conftest import MONDAY_10AM, World
from huying.core.files import THUMB_EDGE
from huying.core.tests.images import image_bytes
from huying.org.api_auth import token_create

pytestmark = pytest.mark.django_db

PHONE = "13800001111"
PDF = b"%PDF-1.4\n%%EOF\n"


def photo(name: str, color: tuple[int, int, int] = (200, 40, 40)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG", (48, 32), color=color), "image/png")


@dataclass
class Files:
    case: Case
    report: Attachment  # the resident's own photo
    progress: Attachment  # a department's working photo: staff only
    result: Attachment  # the result's photo: shown to the reporter once checked
    pdf: Attachment  # a department's document: staff only


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def files(world: World, media: Path) -> Files:
    """A resident's report with a photo, handled by 城管局 up to verification."""
    t = MONDAY_10AM
    lat, lng = world.point_in(0)
    case = services.case_submit(
        actor=world.actor("resident"),
        title="路灯不亮",
        lat=lat,
        lng=lng,
        reporter_phone=PHONE,
        files=[photo("evil.html")],
        now=t,
    )
    street, dept = world.actor("street"), world.actor("dept_cg")
    services.case_triage(actor=street, case_id=case.pk, item_id=world.items[2].pk, now=t)
    services.case_call(actor=street, case_id=case.pk, now=t)
    a = Assignment.objects.get(case=case)
    t += timedelta(hours=1)
    services.assignment_report_in(actor=dept, assignment_id=a.pk, now=t)
    services.assignment_accept(actor=dept, assignment_id=a.pk, now=t)
    services.assignment_post_progress(
        actor=dept,
        assignment_id=a.pk,
        note="现场勘查",
        files=[
            photo("勘查.png", (0, 0, 200)),
            SimpleUploadedFile("函.pdf", PDF, "application/pdf"),
        ],
        now=t,
    )
    services.assignment_submit_result(
        actor=dept, assignment_id=a.pk, result="已更换灯泡", files=[photo("修好.png")], now=t
    )
    by_name = {x.name: x for x in Attachment.objects.filter(case=case)}
    return Files(
        case, by_name["evil.html"], by_name["勘查.png"], by_name["修好.png"], by_name["函.pdf"]
    )


def get(client: Client, att: Attachment, suffix: str = "", **query: str) -> Any:
    return client.get(f"/files/{att.pk}{suffix}", query)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_photo_is_stored_under_a_generated_name_and_served_as_what_it_is(
    world: World, files: Files
) -> None:
    att = files.report
    name = att.file.name or ""
    assert name.startswith(f"cases/{files.case.pk}/") and name.endswith(".png")
    assert "evil" not in name
    r = get(login(world, "street"), att)
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("inline") and "evil.png" in r["Content-Disposition"]
    assert "private" in r["Cache-Control"] and "sandbox" in r["Content-Security-Policy"]
    assert body(r) == att.file.read()


def test_a_pdf_is_a_download(world: World, files: Files) -> None:
    r = get(login(world, "dept_cg"), files.pdf)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment")
    assert (files.pdf.file.name or "").endswith(".pdf") and body(r) == PDF


@pytest.mark.parametrize("who", ["street", "street_leader", "hub", "dept_cg", "leader"])
def test_staff_in_scope_see_every_file(world: World, files: Files, who: str) -> None:
    client = login(world, who)
    for att in (files.report, files.progress, files.result, files.pdf):
        assert get(client, att).status_code == 200, att.name


@pytest.mark.parametrize("who", ["street_b", "dept_sw", "grid_worker_b", "resident2"])
def test_out_of_scope_is_absent(world: World, files: Files, who: str) -> None:
    client = login(world, who)
    for att in (files.report, files.progress, files.result, files.pdf):
        assert get(client, att).status_code == 404, att.name
        assert get(client, att, "/thumbnail").status_code == 404, att.name


def test_the_reporter_sees_their_photo_and_the_result_once_checked(
    world: World, files: Files
) -> None:
    client = login(world, "resident")
    assert get(client, files.report).status_code == 200
    for staff_only in (files.progress, files.pdf, files.result):  # not yet checked
        assert get(client, staff_only).status_code == 404, staff_only.name
    services.case_verify(
        actor=world.actor("street"), case_id=files.case.pk, passed=True, now=MONDAY_10AM
    )
    assert get(client, files.result).status_code == 200
    assert get(client, files.progress).status_code == 404
    assert get(client, files.pdf).status_code == 404
    page = client.get(f"/m/c/{files.case.number}").content.decode()
    assert f"/files/{files.report.pk}/thumbnail" in page
    assert f"/files/{files.result.pk}/thumbnail" in page
    assert f"/files/{files.progress.pk}" not in page and "/media/" not in page


def test_anonymous_is_sent_to_log_in_and_a_forged_token_is_a_404(files: Files) -> None:
    r = get(Client(), files.report)
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert get(Client(), files.report, t="1:forged:token").status_code == 404


def test_tracking_by_number_and_phone_shows_the_reporters_photos(
    world: World, files: Files
) -> None:
    anonymous = Client()
    query = {"number": files.case.number, "code": files.case.track_code, "phone": PHONE[-4:]}
    page = anonymous.get("/m/track", query)
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index(f"/files/{files.report.pk}/thumbnail?t=")
    thumb_url = html[start : html.index('"', start)].replace("&amp;", "&")
    thumb = anonymous.get(thumb_url)
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    token = unquote(thumb_url.split("?t=", 1)[1])
    assert get(anonymous, files.report, t=token).status_code == 200
    # The token opens this case's reporter files only.
    assert get(anonymous, files.progress, t=token).status_code == 404
    assert f"/files/{files.progress.pk}" not in html
    other = services.case_submit(
        actor=world.actor("resident2"),
        title="井盖缺失",
        lat=world.point_in(0)[0],
        lng=world.point_in(0)[1],
        files=[photo("别人的.png")],
    )
    assert get(anonymous, other.attachments.get(), t=token).status_code == 404


def test_the_case_page_shows_thumbnails_linking_to_the_files(world: World, files: Files) -> None:
    html = login(world, "street").get(f"/cases/{files.case.pk}/").content.decode()
    for att in (files.report, files.progress, files.result):
        assert f'href="/files/{att.pk}"' in html and f'src="/files/{att.pk}/thumbnail"' in html
    assert f'href="/files/{files.pdf.pk}"' in html
    assert "/media/" not in html


def test_thumbnails_are_made_at_upload_and_served_as_small_jpegs(
    world: World, files: Files, media: Path
) -> None:
    assert (media / files.report.thumbnail_name).is_file()
    r = get(login(world, "street"), files.report, "/thumbnail")
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    im = Image.open(io.BytesIO(body(r)))
    assert im.format == "JPEG" and max(im.size) <= THUMB_EDGE
    assert get(login(world, "street"), files.pdf, "/thumbnail").status_code == 404


def test_an_upload_from_before_works_and_gets_its_thumbnail_on_first_request(
    world: World, files: Files, media: Path
) -> None:
    """Stored under its old name (sha prefix + the client's name), no thumbnail yet."""
    old = Attachment(
        case=files.case,
        name="evil.html",
        content_type="image/png",
        size=1,
        sha256="ab" * 32,
        uploaded_at=MONDAY_10AM,
    )
    old.file.save("abababababababab-evil.html", ContentFile(image_bytes("PNG", (800, 600))))
    assert old.file.name == f"cases/{files.case.pk}/abababababababab-evil.html"
    client = login(world, "street")
    r = get(client, old)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff" and "evil.png" in r["Content-Disposition"]
    assert not (media / old.thumbnail_name).exists()
    thumb = get(client, old, "/thumbnail")
    assert thumb.status_code == 200
    assert Image.open(io.BytesIO(body(thumb))).size == (THUMB_EDGE, 270)
    assert (media / old.thumbnail_name).is_file()  # cached for the next request
    assert get(client, old, "/thumbnail").status_code == 200


def test_an_old_upload_that_is_no_image_has_no_thumbnail(world: World, files: Files) -> None:
    old = Attachment(
        case=files.case,
        name="fake.png",
        content_type="image/png",
        size=1,
        sha256="cd" * 32,
        uploaded_at=MONDAY_10AM,
    )
    old.file.save("cdcdcdcdcdcdcdcd-fake.png", ContentFile(b"\x89PNG\r\n\x1a\n<html>"))
    assert get(login(world, "street"), old, "/thumbnail").status_code == 404


@pytest.mark.parametrize(
    ("accel", "header", "expected"),
    [
        ("nginx:/protected-media/", "X-Accel-Redirect", "/protected-media/{name}"),
        ("sendfile", "X-Sendfile", "{root}/{name}"),
    ],
)
def test_a_front_server_can_send_the_bytes(
    world: World, files: Files, media: Path, settings: Any, accel: str, header: str, expected: str
) -> None:
    settings.HUYING_MEDIA_ACCEL = accel
    r = get(login(world, "street"), files.report)
    assert r.status_code == 200 and r.content == b""
    assert r[header] == expected.format(name=files.report.file.name, root=media)
    assert r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    # The scope check still comes first.
    assert get(login(world, "street_b"), files.report).status_code == 404


def test_the_api_gives_each_file_a_scoped_url(world: World, files: Files) -> None:
    token = token_create(user=world.actor("dept_cg").user, name="t")[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    detail = client.get(f"/api/v1/cases/{files.case.pk}").json()
    by_id = {a["id"]: a for a in detail["attachments"]}
    assert set(by_id) == {files.report.pk, files.progress.pk, files.result.pk, files.pdf.pk}
    report = by_id[files.report.pk]
    assert report["name"] == "evil.html" and report["content_type"] == "image/png"
    assert client.get(report["url"])["Content-Type"] == "image/png"
    assert client.get(report["thumbnail_url"])["Content-Type"] == "image/jpeg"
    assert by_id[files.pdf.pk]["thumbnail_url"] is None
    refs = [ref for e in detail["timeline"] for ref in e["attachments"]]
    assert {ref["url"] for ref in refs} == {a["url"] for a in detail["attachments"]}
    elsewhere = token_create(user=world.actor("dept_sw").user, name="t")[1]
    other = Client(headers={"Authorization": f"Bearer {elsewhere}"})
    assert other.get(report["url"]).status_code == 404


def test_the_api_hides_staff_files_from_the_reporter(world: World, files: Files) -> None:
    client = login(world, "resident")
    detail = client.get(f"/api/v1/cases/{files.case.pk}").json()
    assert [a["id"] for a in detail["attachments"]] == [files.report.pk]
    refs = [ref["id"] for e in detail["timeline"] for ref in e["attachments"]]
    assert refs == [files.report.pk]
    assert client.get(f"/api/v1/attachments/{files.progress.pk}").status_code == 404
