"""通知: the bell in the top bar, the inbox page behind it, and 通知设置 (which kinds of
notification reach the person by which channel, and their quiet hours).

The bell's count is fetched after the page has loaded (htmx), so no page pays a query for it.
Notifications name a case by its number; the page links those the acting role may see.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from huying.cases.selectors import cases_visible_to
from huying.core import inbox, notify
from huying.core.errors import InvalidInput
from huying.core.models import QuietHours, TextNumber
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


def _field(request: HttpRequest, name: str) -> str | None:
    """A text field as sent, stripped; None when the form did not carry it."""
    raw = request.POST.get(name)
    return None if raw is None else raw.strip()


def _time(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@staff_view
def inbox_settings(request: HttpRequest) -> HttpResponse:
    """通知设置: a box per kind of notification and channel (in-app is always on), and the
    person's quiet hours: the site's, their own, or none."""
    me = _me(request)
    error = ""
    if request.method == "POST":
        wanted = [
            (c, ch)
            for c in notify.CATEGORIES
            for ch in notify.CHANNEL_LABELS
            if request.POST.get(f"{c}:{ch}") == "on"
        ]
        mode = request.POST.get("quiet", "site")
        quiet: tuple[time, time] | str | None = "site" if mode != "off" else None
        if mode == "own":
            start, end = _time(request.POST.get("start", "")), _time(request.POST.get("end", ""))
            if start is None or end is None or start == end:
                error = _("请填写免打扰的开始和结束时间（两者不能相同）")
            else:
                quiet = (start, end)
        if not error:
            try:
                notify.preferences_save(
                    user_id=me,
                    wanted=wanted,
                    quiet=quiet,
                    phone=_field(request, "text_number"),
                )
            except InvalidInput as exc:
                error = exc.message
            else:
                messages.success(request, _("通知设置已保存"))
                return redirect("cases:inbox_settings")
    own = QuietHours.objects.filter(user_id=me).first()
    site = notify.site_quiet_hours()
    enabled = set(settings.HUYING_NOTIFY_CHANNELS)
    table = [
        (
            str(notify.CATEGORIES[category]),
            [
                (
                    f"{category}:{c.channel}",
                    c,
                    c.channel in enabled,
                    str(notify.CHANNEL_LABELS[c.channel]),
                )
                for c in cells
            ],
        )
        for category, cells in notify.preference_table(me)
    ]
    return render(
        request,
        "cases/inbox_settings.html",
        {
            "channels": [
                (c, str(label), c in enabled) for c, label in notify.CHANNEL_LABELS.items()
            ],
            "table": table,
            "quiet_mode": "site" if own is None else ("own" if own.enabled else "off"),
            "own": own,
            "site_quiet": site,
            "error": error,
            "text_number": request.POST.get("text_number")
            if error
            else TextNumber.objects.filter(user_id=me).values_list("phone", flat=True).first(),
            "nav": "",
        },
        status=400 if error else 200,
    )
