"""Files in S3-compatible object storage (HUYING_STORAGE=s3), against a real S3 server: moto's
``moto_server``, started on a free loopback port for this module, with a private bucket.

An upload through the services lands in the bucket (file and thumbnail), nothing in
MEDIA_ROOT; downloads still pass the scope check first, then either come through Django
(default) or by a redirect to a presigned URL that serves the stored type and name; a thumbnail
missing from the bucket is made again; an export is written to the bucket and its hourly sweep
deletes the object.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from huying.backends import storages_setting
from huying.cases import services
from huying.cases.models import Attachment, Case, CaseExport
from huying.cases.selectors import CaseFilters
from huying.cases.services.export import case_export_create, case_export_run, case_export_sweep
from huying.cases.tests.test_console import login
from huying.conftest import MONDAY_10AM, World
from huying.core.tests.images import image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.s3]

BUCKET = "huying-test"
KEY = SECRET = "testing"
PDF = b"%PDF-1.4\n%%EOF\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server, in its own process, for this module."""
    port = _free_port()
    server = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any, tmp_path: Path) -> Iterator[Any]:
    """Files in a fresh private bucket (as ``HUYING_STORAGE=s3`` configures them); MEDIA_ROOT an
    empty directory that must stay empty. Yields a boto3 client to look inside."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = storages_setting(
        "s3",
        bucket=BUCKET,
        endpoint_url=s3_endpoint,
        region="us-east-1",
        access_key=KEY,
        secret_key=SECRET,
    )
    settings.MEDIA_ROOT = tmp_path
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    assert not any(tmp_path.iterdir()), "wrote to MEDIA_ROOT instead of the bucket"


def keys(client: Any) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def report(world: World) -> Case:
    lat, lng = world.point_in(0)
    return services.case_submit(
        actor=world.actor("resident"),
        title="路灯不亮",
        lat=lat,
        lng=lng,
        files=[
            SimpleUploadedFile("灯.png", image_bytes("PNG", (48, 32)), "image/png"),
            SimpleUploadedFile("说明.pdf", PDF, "application/pdf"),
        ],
        now=MONDAY_10AM,
    )


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_upload_lands_in_the_bucket_and_is_served_only_in_scope(
    world: World, bucket: Any
) -> None:
    case = report(world)
    photo = case.attachments.get(content_type="image/png")
    pdf = case.attachments.get(content_type="application/pdf")
    assert keys(bucket) == {photo.file.name, photo.thumbnail_name, pdf.file.name}
    assert (photo.file.name or "").startswith(f"cases/{case.pk}/")
    stored = bucket.get_object(Bucket=BUCKET, Key=photo.file.name)["Body"].read()
    assert stored[:8] == b"\x89PNG\r\n\x1a\n"

    street = login(world, "street")
    r = street.get(f"/files/{photo.pk}")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert body(r) == stored and r["X-Content-Type-Options"] == "nosniff"
    r = street.get(f"/files/{pdf.pk}")
    assert r.status_code == 200 and body(r) == PDF
    assert r["Content-Disposition"].startswith("attachment")
    thumb = street.get(f"/files/{photo.pk}/thumbnail")
    assert thumb.status_code == 200 and body(thumb)[:2] == b"\xff\xd8"  # a JPEG

    assert login(world, "street_b").get(f"/files/{photo.pk}").status_code == 404
    assert login(world, "resident2").get(f"/files/{pdf.pk}").status_code == 404


def test_presigned_downloads_redirect_after_the_scope_check(
    world: World, bucket: Any, settings: Any
) -> None:
    settings.HUYING_MEDIA_ACCEL = "presigned"
    case = report(world)
    photo = case.attachments.get(content_type="image/png")
    pdf = case.attachments.get(content_type="application/pdf")

    r = login(world, "resident").get(f"/files/{photo.pk}")
    assert r.status_code == 302 and "no-store" in r["Cache-Control"]
    url = r["Location"]
    assert url.startswith(settings.STORAGES["default"]["OPTIONS"]["endpoint_url"])
    query = parse_qs(urlsplit(url).query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["300"]
    got = httpx.get(url)
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert got.content == bucket.get_object(Bucket=BUCKET, Key=photo.file.name)["Body"].read()
    assert got.headers["content-disposition"].startswith("inline")

    staff = login(world, "street").get(f"/files/{pdf.pk}")
    got = httpx.get(staff["Location"])
    assert got.content == PDF and got.headers["content-disposition"].startswith("attachment")
    assert "filename*=utf-8''%E8%AF%B4%E6%98%8E.pdf" in got.headers["content-disposition"]

    # Out of scope, or signed out: no URL at all.
    refused = login(world, "street_b").get(f"/files/{photo.pk}")
    assert refused.status_code == 404 and "Location" not in refused
    anonymous = Client().get(f"/files/{photo.pk}")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_a_thumbnail_missing_from_the_bucket_is_made_again(world: World, bucket: Any) -> None:
    photo = report(world).attachments.get(content_type="image/png")
    bucket.delete_object(Bucket=BUCKET, Key=photo.thumbnail_name)
    r = login(world, "street").get(f"/files/{photo.pk}/thumbnail")
    assert r.status_code == 200 and body(r)[:2] == b"\xff\xd8"
    assert photo.thumbnail_name in keys(bucket)


def test_an_export_is_written_to_the_bucket_and_swept_from_it(world: World, bucket: Any) -> None:
    report(world)
    street = world.actor("street")
    export = case_export_create(actor=street, filters=CaseFilters(), total=1, now=timezone.now())
    export = case_export_run(export_id=export.pk)
    assert export.file.name in keys(bucket)
    r = login(world, "street").get(f"/cases/exports/{export.pk}/download/")
    assert r.status_code == 200 and body(r)[:2] == b"PK"  # an XLSX

    swept = case_export_sweep(now=timezone.now() + timedelta(days=8))
    assert swept.deleted == 1 and not CaseExport.objects.filter(pk=export.pk).exists()
    assert export.file.name not in keys(bucket)
    assert Attachment.objects.count() == 2  # the case's own files stay
