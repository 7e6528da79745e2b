"""A bare Django view doing one INSERT with the API's authentication (bearer token → user →
acting role, as ``huying.org.api_auth`` resolves them, cached the same way): what intake
would cost with nothing of its own — no rules, trail, numbering, notifications or ninja."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from bench.bare import TABLE
from huying.org.actors import actor_for
from huying.org.api_auth import token_used


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    row = token_used(header[7:]) if header.startswith("Bearer ") else None
    if row is None:
        return JsonResponse({"code": "unauthenticated"}, status=401)
    actor = actor_for(row.user, None)
    title = str(json.loads(request.body or b"{}").get("title", ""))[:200]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (title, user_id, role) VALUES (%s, %s, %s) RETURNING id",
            [title, row.user_id, actor.role],
        )
        (pk,) = cursor.fetchone()
    return JsonResponse({"id": pk}, status=201)
