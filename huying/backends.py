"""Where background work and uploaded files live, as settings fragments.

One machine needs nothing but the database and a directory: the database queue
(django-tasks-db) and the filesystem are the defaults. Past one machine, tasks may go to Redis
(django-tasks-rq, run by RQ inside ``huying worker``) and files to an S3-compatible object
store (django-storages). The fragments are built here from plain values rather than inline in
``huying.settings`` so that the tests switch to Redis or S3 with exactly what a deployment
gets, only pointed at their own servers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from huying.env import EnvError

DATABASE_TASK_BACKEND = "django_tasks_db.DatabaseBackend"
REDIS_TASK_BACKEND = "django_tasks_rq.RQBackend"
#: HUYING_TASK_BACKEND's short names; any other value is taken as a backend's dotted path
#: (``django_tasks.backends.immediate.ImmediateBackend`` runs tasks inline, with no worker).
TASK_BACKENDS = {"db": DATABASE_TASK_BACKEND, "redis": REDIS_TASK_BACKEND}
#: django-tasks' default queue, the only one the project uses.
QUEUE = "default"
#: RQ stops a job after this many seconds (its own default, 180 s, would cut a circular or a
#: large export short; the database queue has no limit at all).
RQ_JOB_TIMEOUT = 3600


def task_backend_path(name: str) -> str:
    return TASK_BACKENDS.get(name, name)


def tasks_setting(name: str) -> dict[str, Any]:
    """``TASKS`` for HUYING_TASK_BACKEND ``name``."""
    path = task_backend_path(name)
    options: dict[str, Any] = {"BACKEND": path}
    if path == REDIS_TASK_BACKEND:
        options["QUEUES"] = [QUEUE]
    return {"default": options}


def rq_queues_setting(redis_url: str) -> dict[str, Any]:
    """django-rq's ``RQ_QUEUES``: the one queue, on ``redis_url`` (its database number
    included: ``redis://host:6379/2``). Only read when the Redis backend is in use."""
    return {QUEUE: {"URL": redis_url, "DEFAULT_TIMEOUT": RQ_JOB_TIMEOUT}}


FILESYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
S3_STORAGE = "storages.backends.s3.S3Storage"
STATICFILES_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


def storages_setting(
    kind: str,
    *,
    bucket: str = "",
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    prefix: str = "",
    addressing_style: str = "path",
    url_seconds: int = 300,
) -> dict[str, Any]:
    """Django's ``STORAGES`` for HUYING_STORAGE ``kind`` (``filesystem`` or ``s3``).

    The bucket stays private: objects are written without an ACL (the bucket's own policy,
    which must not be public), and every URL the storage makes is signed and expires after
    ``url_seconds``. Names are never overwritten (as on the filesystem, a taken name gets a
    suffix), so a thumbnail made by two requests at once keeps one of them. Empty keys leave
    boto3 to find credentials itself (its environment variables, an instance role)."""
    if kind == "filesystem":
        default: dict[str, Any] = {"BACKEND": FILESYSTEM_STORAGE}
    elif kind == "s3":
        if not bucket:
            raise EnvError("HUYING_STORAGE=s3 needs HUYING_S3_BUCKET")
        options: dict[str, Any] = {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "location": prefix.strip("/"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": url_seconds,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": addressing_style,
        }
        if access_key or secret_key:
            options.update(access_key=access_key, secret_key=secret_key)
        default = {"BACKEND": S3_STORAGE, "OPTIONS": options}
    else:
        raise EnvError(f"HUYING_STORAGE={kind!r} must be 'filesystem' or 's3'")
    return {"default": default, "staticfiles": {"BACKEND": STATICFILES_STORAGE}}


def presigned_origin(options: dict[str, Any]) -> str:
    """Where the S3 storage's presigned URLs point (scheme and host), for the pages'
    Content-Security-Policy: the endpoint's host, under the bucket's name with virtual-hosted
    addressing; AWS's S3 hosts without an endpoint."""
    endpoint = options.get("endpoint_url")
    if not endpoint:
        return "https://*.amazonaws.com"
    parts = urlsplit(endpoint)
    host = parts.netloc
    if options.get("addressing_style") == "virtual":
        host = f"{options['bucket_name']}.{host}"
    return f"{parts.scheme}://{host}"


def uses_redis() -> bool:
    """Whether background work goes to Redis (django-tasks-rq), asked without importing RQ
    and the Redis client (≈ 24 MB a process) where it does not."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    backend = type(task_backends[DEFAULT_TASK_BACKEND_ALIAS])
    return backend.__module__.partition(".")[0] == "django_tasks_rq"
