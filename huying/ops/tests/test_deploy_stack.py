"""The production deployment, tested rather than described: deploy/'s templates rendered for
free loopback ports, gunicorn (2 workers, deploy/gunicorn.conf.py) behind Debian's nginx
(the rendered site), against a SQLite copy of this worker's test database. Through nginx:
static files are nginx's own, an attachment is sent by nginx after the app's scope check
(X-Accel-Redirect), the internal location is closed to the outside, the probes answer, and
/metrics counts the requests of both gunicorn workers by view.

Without nginx the test skips, except in CI (``CI`` set), where ``.ci/run`` installs it."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import secrets
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

import huying
from huying.conftest import SharedData, World, _world_dataset
from huying.core.tests.images import image_bytes
from huying.org.api_auth import hash_token

ROOT = Path(huying.__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
from localstack import NGINX, Stack, nginx_available  # noqa: E402

# django_db: pytest-django creates the test database only when a collected test asks for it.
pytestmark = [pytest.mark.deploy, pytest.mark.django_db]

METRICS_TOKEN = secrets.token_urlsafe(24)
PEOPLE = ("resident", "street", "street_b")
STATIC_FILE = "core/page.js"  # one of collectstatic's files


@dataclass
class Deployed:
    stack: Stack
    tokens: dict[str, str]
    world: World
    media: Path
    static: Path


def request(
    base: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection: (status, headers with lower-case names, body)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    answer = (
        response.status,
        {k.lower(): v for k, v in response.getheaders()},
        response.read(),
    )
    conn.close()
    return answer


def multipart(field: str, name: str, content_type: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def copy_database(target: Path) -> None:
    """This worker's test database, with the committed world, as a file gunicorn can open:
    SQLite's online backup (``migrate`` into a new file would cost most of a minute). The
    deployment does not depend on the database, so CI runs this in the SQLite run only."""
    if connection.vendor != "sqlite":
        pytest.skip("copies the SQLite test database (CI runs it in the SQLite run)")
    connection.ensure_connection()
    dest = sqlite3.connect(target)
    connection.connection.backup(dest)
    dest.close()


def add_rows(db: Path, world: World) -> dict[str, str]:
    """Bearer tokens for the test's people, and a fresh worker heartbeat (so that /healthz
    is ready), written straight into the copy: the shared test database stays as it was."""
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value
    tokens = {}
    with sqlite3.connect(db) as conn:
        for name in PEOPLE:
            raw = "hy_" + secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO core_apitoken (user_id, name, key_hash, prefix, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    world.actor(name).user.pk,
                    "deploy test",
                    hash_token(raw),
                    raw[:8],
                    stamp(now),
                    stamp(now + timedelta(days=1)),
                ),
            )
            tokens[name] = raw
        conn.execute(
            "INSERT INTO ops_workerheartbeat (worker_id, host, pid, started_at, beat_at)"
            " VALUES (?, ?, ?, ?, ?)",
            ("deploy-test", "test", os.getpid(), stamp(now), stamp(now)),
        )
    return tokens


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory, shared_data: SharedData, django_db_blocker: Any
) -> Iterator[Deployed]:
    if not nginx_available():
        if os.environ.get("CI"):
            pytest.fail(f"nginx not found at {NGINX}: .ci/run installs Debian's nginx")
        pytest.skip(f"nginx not found at {NGINX} (apt-get install nginx)")
    root = tmp_path_factory.mktemp("deploy")
    data, media = root / "data", root / "data" / "media"
    media.mkdir(parents=True)
    static = data / "static"
    (static / STATIC_FILE).parent.mkdir(parents=True)
    (static / STATIC_FILE).write_bytes((ROOT / "huying/core/static" / STATIC_FILE).read_bytes())
    db = data / "huying.sqlite3"
    with django_db_blocker.unblock():
        shared_data.require(_world_dataset())
        world = shared_data.copy()[0]
        assert world is not None  # the world dataset carries one
        copy_database(db)
        tokens = add_rows(db, world)
    app_env = {
        "DATABASE_URL": f"sqlite:///{db}",
        "HUYING_DATA_DIR": str(data),
        "HUYING_MEDIA_ROOT": str(media),
        "HUYING_SECRET_KEY": secrets.token_urlsafe(50),
        "HUYING_TRAIL_KEY": secrets.token_urlsafe(48),
        "HUYING_METRICS_TOKEN": METRICS_TOKEN,
        "HUYING_LOG_LEVEL": "WARNING",
    }
    with Stack(root, app_env=app_env, workers=2, threads=4) as stack:
        yield Deployed(stack, tokens, world, media, static)


@pytest.fixture(autouse=True)
def _same_world(world: World) -> None:
    """Each test wants the world the module's copy was made from: the shared test database
    is then left as it is between them (a test wanting none would flush it)."""


@pytest.fixture(scope="module")
def attachment(deployed: Deployed) -> dict[str, Any]:
    """A resident's report with a photo, sent through nginx: the attachment's API entry."""
    nginx, resident = deployed.stack.nginx_url, deployed.tokens["resident"]
    lat, lng = deployed.world.point_in(0)
    status, _, body = request(
        nginx,
        "POST",
        "/api/v1/cases",
        token=resident,
        body=json.dumps({"title": "路灯不亮", "lat": lat, "lng": lng}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert status == 201, body
    case_id = json.loads(body)["id"]
    upload, content_type = multipart("files", "灯.png", "image/png", image_bytes("PNG", (64, 48)))
    status, _, body = request(
        nginx,
        "POST",
        f"/api/v1/cases/{case_id}/attachments",
        token=resident,
        body=upload,
        headers={"Content-Type": content_type},
    )
    assert status == 200, body
    status, _, body = request(nginx, "GET", f"/api/v1/cases/{case_id}", token=resident)
    assert status == 200, body
    (entry,) = json.loads(body)["attachments"]
    return dict(entry)


def wait_for_access_line(stack: Stack, rid: str) -> str:
    """gunicorn's access log once it has the line of request ``rid`` (written after the
    response has gone, so a moment after the client has it). The limit only keeps a missing
    line from hanging the run; it is no claim on how fast the line comes."""
    deadline = time.monotonic() + 120
    while f"rid={rid}" not in (log := stack.gunicorn_access_log.read_text()):
        assert time.monotonic() < deadline, f"no access line with rid={rid}"
        time.sleep(0.05)
    return log


def stored(deployed: Deployed) -> Path:
    (path,) = (p for p in deployed.media.rglob("*.png") if "thumb" not in p.name)
    return path


def nginx_serves_the_static_files_itself(deployed: Deployed) -> None:
    stack = deployed.stack
    status, headers, body = request(stack.nginx_url, "GET", f"/static/{STATIC_FILE}")
    assert status == 200
    assert body == (deployed.static / STATIC_FILE).read_bytes()
    assert headers["content-type"] == "application/javascript"
    assert "max-age=3600" in headers["cache-control"]
    assert headers["x-content-type-options"] == "nosniff"
    # Not from gunicorn: it logs the request after this one, and none for /static/ before.
    rid = request(stack.nginx_url, "GET", "/livez")[1]["x-request-id"]
    assert "/static/" not in wait_for_access_line(stack, rid)
    # (Django serves no static files outside DEBUG.)
    assert request(stack.gunicorn_url, "GET", f"/static/{STATIC_FILE}")[0] == 404


def nginx_sends_an_attachment_after_the_scope_check(
    deployed: Deployed, attachment: dict[str, Any]
) -> None:
    stack, url = deployed.stack, attachment["url"]
    street, street_b = deployed.tokens["street"], deployed.tokens["street_b"]
    on_disk = stored(deployed).read_bytes()

    # gunicorn answers with the location and no body ...
    status, headers, body = request(stack.gunicorn_url, "GET", url, token=street)
    assert status == 200 and body == b""
    name = stored(deployed).relative_to(deployed.media).as_posix()
    assert headers["x-accel-redirect"] == f"/protected-media/{name}"

    # ... and nginx sends the bytes, with the view's headers.
    status, headers, body = request(stack.nginx_url, "GET", url, token=street)
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(on_disk).hexdigest()
    assert "x-accel-redirect" not in headers
    assert headers["content-type"] == "image/png"
    assert headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in headers["content-security-policy"]
    assert headers["content-disposition"].startswith("inline")
    assert headers["cross-origin-resource-policy"] == "same-origin"
    assert "private" in headers["cache-control"]

    # Out of the other street's scope: the app says no, nginx sends nothing.
    status, headers, body = request(stack.nginx_url, "GET", url, token=street_b)
    assert status == 404 and on_disk not in body
    # Nobody signed in: no file either.
    assert request(stack.nginx_url, "GET", url)[0] in (401, 403)
    # The internal location and MEDIA_URL are closed to the outside.
    for path in (f"/protected-media/{name}", f"/media/{name}"):
        status, _, body = request(stack.nginx_url, "GET", path, token=street)
        assert status == 404 and on_disk not in body, path


def the_probes_pass_through_nginx(deployed: Deployed) -> None:
    nginx = deployed.stack.nginx_url
    assert request(nginx, "GET", "/livez")[:3:2] == (200, b"ok\n")
    status, _, body = request(nginx, "GET", "/healthz")
    assert status == 200, body
    assert json.loads(body)["checks"]["database"] == {"ok": True}


def the_request_id_is_one_from_nginx_to_gunicorn(deployed: Deployed) -> None:
    stack = deployed.stack
    status, headers, _ = request(
        stack.nginx_url, "GET", "/api/v1/me", token=deployed.tokens["street"]
    )
    assert status == 200
    rid = headers["x-request-id"]
    assert len(rid) == 32  # nginx's $request_id, not one the app made up
    wait_for_access_line(stack, rid)


def metrics_through_nginx(deployed: Deployed, attachment: dict[str, Any]) -> None:
    stack, street = deployed.stack, deployed.tokens["street"]
    assert request(stack.nginx_url, "GET", "/metrics")[0] == 403
    assert request(stack.nginx_url, "GET", "/metrics", token="wrong")[0] == 403

    def detail_count() -> float:
        status, headers, body = request(stack.nginx_url, "GET", "/metrics", token=METRICS_TOKEN)
        assert status == 200, body
        assert headers["content-type"].startswith("text/plain; version=")
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples
        }
        assert samples[("huying_database_up", ())] == 1
        assert ("huying_worker_heartbeat_age_seconds", ()) in samples
        key = (
            "huying_http_request_duration_seconds_count",
            (("method", "GET"), ("view", "api:attachment_file")),
        )
        return samples.get(key, 0)

    before = detail_count()
    for _ in range(6):  # on new connections: both gunicorn workers answer some of them
        assert request(stack.nginx_url, "GET", attachment["url"], token=street)[0] == 200
    # Every worker's requests, whichever worker answers the scrape.
    assert detail_count() - before == 6


def test_the_deployment_through_nginx(deployed: Deployed, attachment: dict[str, Any]) -> None:
    """One test, so one stack: xdist would hand separate tests to both workers, and each
    would start gunicorn and nginx of its own."""
    nginx_serves_the_static_files_itself(deployed)
    nginx_sends_an_attachment_after_the_scope_check(deployed, attachment)
    the_probes_pass_through_nginx(deployed)
    the_request_id_is_one_from_nginx_to_gunicorn(deployed)
    metrics_through_nginx(deployed, attachment)
