"""How long a background job took the last time it ran, kept where every process can read it.

The metrics endpoint (``huying.ops.metrics``) runs in the web processes, the job in a worker
(on the database queue or another backend): the database is what they share. Two ``Counter``
rows per job, written once per run, read by one indexed lookup; no table scan over the task
results, which nothing prunes."""

from __future__ import annotations

from datetime import UTC, datetime

from huying.core.models import Counter


def _keys(name: str) -> tuple[str, str]:
    return f"lastrun:{name}:ms", f"lastrun:{name}:end"


def record_last_run(name: str, *, seconds: float, finished: datetime) -> None:
    duration, end = _keys(name)
    Counter.objects.update_or_create(key=duration, defaults={"value": round(seconds * 1000)})
    Counter.objects.update_or_create(key=end, defaults={"value": int(finished.timestamp())})


def last_run(name: str) -> tuple[float, datetime] | None:
    """(seconds it took, when it finished) of the job's last run, or None if it never ran."""
    duration, end = _keys(name)
    values = dict(Counter.objects.filter(key__in=(duration, end)).values_list("key", "value"))
    if duration not in values or end not in values:
        return None
    return values[duration] / 1000, datetime.fromtimestamp(values[end], tz=UTC)
