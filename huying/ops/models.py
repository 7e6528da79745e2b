"""What the worker leaves in the database so that other processes can see it is alive."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running ``huying worker`` (its django-tasks worker id), touched every few
    seconds by its scheduler. A task whose worker has stopped beating lost its worker; the
    health endpoint reports the newest beat. In the database because that is the one thing
    the web processes and every worker share, on SQLite and PostgreSQL alike."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.host}:{self.pid}"
