"""Reads of patrols: a person sees their own."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from huying.grid.models import Patrol
from huying.org.actors import Actor


def open_patrol(actor: Actor) -> Patrol | None:
    return (
        Patrol.objects.select_related("grid")
        .defer("grid__boundary")
        .filter(worker=actor.user, ended_at__isnull=True)
        .first()
    )


def patrols_of(actor: Actor) -> QuerySet[Patrol]:
    return (
        Patrol.objects.select_related("grid")
        .defer("grid__boundary")
        .filter(worker=actor.user)
        .annotate(finding_count=Count("findings"))
        .order_by("-started_at")
    )
