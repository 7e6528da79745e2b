"""通知: the bell in the top bar and the inbox page behind it.

The bell's count is fetched after the page has loaded (htmx), so no page pays a query for it.
Notifications name a case by its number; the page links those the acting role may see.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from huying.cases.selectors import cases_visible_to
from huying.core import inbox
from huying.org.web import staff_view


def _me(request: HttpRequest) -> int:
    """The signed-in person (``staff_view`` has made sure there is one)."""
    return int(request.user.pk or 0)


@require_GET
@staff_view
def inbox_page(request: HttpRequest) -> HttpResponse:
    rows = list(inbox.latest(_me(request)))
    numbers = {n.subject for n in rows}
    cases = dict(
        cases_visible_to(request.actor)  # type: ignore[attr-defined]
        .filter(number__in=numbers)
        .values_list("number", "pk")
    )
    return render(
        request,
        "cases/inbox.html",
        {
            "rows": [(n, cases.get(n.subject)) for n in rows],
            "unread": sum(n.read_at is None for n in rows),
            "nav": "",
        },
    )


@never_cache
@require_GET
@staff_view
def inbox_badge(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/_inbox_badge.html", {"unread": inbox.unread_count(_me(request))})


@require_POST
@staff_view
def inbox_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("id")
    ids = [int(x) for x in raw if x.isdigit()] if raw else None
    inbox.mark_read(_me(request), now=timezone.now(), ids=ids)
    return redirect("cases:inbox")
