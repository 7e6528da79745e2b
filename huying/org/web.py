"""The web console's acting role: who is acting, which pages a role may open, and the
back-office change log as a page shows it. Here rather than in ``huying.core.web`` because
they read role grants, which org owns.

A person with several role grants picks one (角色切换); the choice lives in the session and
every page acts under it, exactly as the API acts under ``X-Huying-Grant``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huying.core.errors import DomainError, NotFound
from huying.core.models import ChangeLog
from huying.org.actors import Actor, active_grants, actor_for
from huying.org.models import Role, RoleGrant
from huying.org.roles import may_manage

SESSION_GRANT = "huying_grant"

View = TypeVar("View", bound=Callable[..., HttpResponse])


def web_actor(request: HttpRequest) -> Actor:
    """The acting role: the grant chosen in this session while it is still active, else the
    person's first one."""
    user: User = request.user  # type: ignore[assignment]
    chosen = request.session.get(SESSION_GRANT)
    if isinstance(chosen, int):
        try:
            return actor_for(user, chosen)
        except DomainError:
            request.session.pop(SESSION_GRANT, None)  # revoked since: fall back
    return actor_for(user)


def staff_view(view: View) -> View:
    """Login required; ``request.actor`` is the acting role (``no_role`` is a 403 page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.actor = web_actor(request)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_view(view: View) -> View:
    """``staff_view`` for the back office (清单和组织管理): for a role that may not manage,
    the page does not exist (404, never 403)."""

    @staff_view
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_manage(request.actor.role):  # type: ignore[attr-defined]
            raise NotFound(_("页面不存在"))
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def acting_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the acting role and the others the person may switch to."""
    actor = getattr(request, "actor", None)
    if actor is None:
        return {}
    return {"actor": actor, "grants": active_grants(actor.user)}


@require_POST
@staff_view
def role_switch(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("grant", "")
    user = request.actor.user  # type: ignore[attr-defined]
    if (
        not raw.isdigit()
        or not RoleGrant.objects.filter(pk=raw, user=user, is_active=True).exists()
    ):
        raise NotFound(_("角色不存在"))
    actor = actor_for(user, int(raw))
    request.session[SESSION_GRANT] = actor.grant_id
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("home")
    return HttpResponseRedirect(target)


ACTION_LABELS = {
    "create": gettext_lazy("新增"),
    "update": gettext_lazy("修改"),
    "publish": gettext_lazy("发布"),
    "delete": gettext_lazy("删除"),
    "confirm": gettext_lazy("确认"),
    "import": gettext_lazy("导入"),
}


def change_rows(records: Iterable[ChangeLog], labels: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Change-log records (``huying.core.changelog.changes_for``) for a page: when, who
    (account and role), what was done to which fields."""
    roles = dict(Role.choices)
    rows = []
    for record in records:
        verb = record.action.rsplit(".", 1)[-1]
        fields = [labels.get(k, k) for k in (record.after or {})]
        rows.append(
            {
                "at": record.at,
                "who": record.username or _("系统"),
                "role": roles.get(record.role, ""),
                "action": ACTION_LABELS.get(verb, record.action),
                "fields": fields,
                "record": record,
            }
        )
    return rows
