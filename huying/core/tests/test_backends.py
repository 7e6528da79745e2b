"""The settings a deployment past one machine sets: HUYING_TASK_BACKEND=redis and
HUYING_STORAGE=s3 configure django-tasks-rq and django-storages, and combinations that cannot
work stop start-up with a message naming the variable. Each case imports the settings afresh,
in a child process, from its environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

SHOW = (
    "import json, huying.settings as s; print(json.dumps({'tasks': s.TASKS, 'rq': s.RQ_QUEUES,"
    " 'storage': s.STORAGES['default'], 'apps': s.INSTALLED_APPS,"
    " 'csp': getattr(s, 'CONTENT_SECURITY_POLICY', {}).get('DIRECTIVES', {})}))"
)


def settings_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUYING_")}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**clean, "HUYING_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_defaults_are_the_database_queue_and_the_filesystem(tmp_path: Path) -> None:
    done = settings_with(tmp_path)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["tasks"] == {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert got["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert "django_rq" not in got["apps"]
    assert got["csp"]["img-src"] == ["'self'", "data:", "blob:"]


def test_redis_and_s3(tmp_path: Path) -> None:
    done = settings_with(
        tmp_path,
        HUYING_TASK_BACKEND="redis",
        HUYING_REDIS_URL="redis://10.0.0.5:6379/2",
        HUYING_STORAGE="s3",
        HUYING_S3_BUCKET="files",
        HUYING_S3_ENDPOINT_URL="http://minio:9000",
        HUYING_S3_ACCESS_KEY="ak",
        HUYING_S3_SECRET_KEY="sk",
        HUYING_MEDIA_ACCEL="presigned",
        HUYING_S3_URL_SECONDS="60",
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["tasks"]["default"] == {
        "BACKEND": "django_tasks_rq.RQBackend",
        "QUEUES": ["default"],
    }
    assert got["rq"]["default"]["URL"] == "redis://10.0.0.5:6379/2"
    assert "django_rq" in got["apps"]
    options = got["storage"]["OPTIONS"]
    assert got["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "files" and options["endpoint_url"] == "http://minio:9000"
    assert options["access_key"] == "ak" and options["secret_key"] == "sk"
    assert options["querystring_auth"] and options["querystring_expire"] == 60
    assert options["default_acl"] is None and options["file_overwrite"] is False
    # An <img> of /files/… is redirected there: the pages' policy lets images come from it.
    assert "http://minio:9000" in got["csp"]["img-src"]


def test_what_cannot_work_stops_start_up(tmp_path: Path) -> None:
    no_bucket = settings_with(tmp_path, HUYING_STORAGE="s3")
    assert no_bucket.returncode != 0 and "HUYING_S3_BUCKET" in no_bucket.stderr
    nginx = settings_with(
        tmp_path, HUYING_STORAGE="s3", HUYING_S3_BUCKET="b", HUYING_MEDIA_ACCEL="nginx:/p/"
    )
    assert nginx.returncode != 0 and "HUYING_MEDIA_ACCEL" in nginx.stderr
    presigned = settings_with(tmp_path, HUYING_MEDIA_ACCEL="presigned")
    assert presigned.returncode != 0 and "HUYING_MEDIA_ACCEL" in presigned.stderr
