"""The Open311 GeoReport v2 endpoints under /open311/v2/, each as ``.json`` or ``.xml``.

Thin: read the parameters, ask the selectors or the service, answer in the format the path
asks for. Any refusal is the spec's error list with its HTTP status, and changes nothing.
The api_key is a parameter, never a cookie: the session plays no part here (so no CSRF).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from huying.cases.file_views import send_file
from huying.catalogue.selectors import attribute_specs, catalogue_published_at
from huying.core.errors import DomainError, NotFound, Unauthenticated
from huying.open311 import mapping, selectors, services
from huying.open311.formats import JSON, error_response, respond
from huying.org.actors import Actor
from huying.org.models import OrgUnit

View = Callable[..., HttpResponse]


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    status = 405


def door(*methods: str) -> Callable[[View], View]:
    """The methods a view takes, and its refusals in the spec's shape and the asked format."""

    def wrap(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str = JSON, **kwargs: Any) -> Any:
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(
                        _("此处只接受 %(methods)s") % {"methods": "、".join(methods)}
                    )
                response = view(request, *args, fmt=fmt, **kwargs)
            except DomainError as exc:
                response = error_response(request, exc, fmt)
                if exc.status == 405:
                    response["Allow"] = ", ".join(methods)
            return response

        # The api_key is a parameter, never a cookie: there is no session to forge requests in.
        return csrf_exempt(never_cache(wrapper))

    return wrap


def _params(request: HttpRequest) -> QueryDict:
    return request.POST if request.method == "POST" else request.GET


def _caller(request: HttpRequest) -> Actor | None:
    """The api_key's holder; without a key, None: the public. A bad key is refused, never
    read as no key."""
    api_key = request.GET.get("api_key", "").strip()
    return selectors.key_holder(api_key)[0] if api_key else None


def _jurisdiction(request: HttpRequest) -> OrgUnit | None:
    return selectors.jurisdiction(_params(request).get("jurisdiction_id", ""))


@door("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    # The named district's catalogue; unnamed, the latest publication of any district's.
    named = _jurisdiction(request) if _params(request).get("jurisdiction_id") else None
    published = catalogue_published_at(named.pk if named else None)
    base = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    hub = OrgUnit.objects.filter(kind=OrgUnit.Kind.HUB).only("name", "phone").first()
    contact = _("请联系区呼应办")
    if hub is not None:
        contact = f"{hub.name} {hub.phone}".strip()
    data = mapping.discovery(url=base, changeset=published, contact=contact)
    return respond(data, fmt=fmt, root="discovery")


@door("GET")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    district = _jurisdiction(request)
    items = selectors.services(district.pk if district else None)
    data = [mapping.service_dict(item, attribute_specs(item)) for item in items]
    return respond(data, fmt=fmt, root="services")


@door("GET")
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    district = _jurisdiction(request)
    item = selectors.service_get(code, district.pk if district else None)
    data = mapping.service_definition(item, attribute_specs(item))
    return respond(data, fmt=fmt, root="service_definition")


@door("GET", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, fmt=fmt)
    district = _jurisdiction(request)
    actor = _caller(request)
    query = selectors.request_query(request.GET, now=timezone.now())
    found = selectors.requests_find(actor, query, district=district)
    rows = selectors.request_rows(found.cases, media_link=_media_link(request))
    response = respond(rows, fmt=fmt, root="service_requests")
    if found.has_more:
        # The body is the spec's bare list; the next page is named beside it.
        params = request.GET.copy()
        params["page"] = str(query.page + 1)
        response["Link"] = (
            f'<{request.build_absolute_uri(request.path)}?{params.urlencode()}>; rel="next"'
        )
    return response


def _media_link(request: HttpRequest) -> Callable[[str, int], str]:
    def link(token: str, attachment_id: int) -> str:
        path = reverse("open311:media", kwargs={"token": token, "attachment_id": attachment_id})
        return request.build_absolute_uri(path)

    return link


def _submit(request: HttpRequest, *, fmt: str) -> HttpResponse:
    _jurisdiction(request)
    api_key = request.POST.get("api_key", "").strip()
    if not api_key:
        raise Unauthenticated(_("请提供 api_key"), code="api_key_missing")
    actor, token = selectors.key_holder(api_key)
    report = services.report_from(request.POST, request.FILES)
    made = services.request_submit(actor=actor, api_token=token, report=report)
    data = [mapping.created_dict(made.case, token=made.token)]
    return respond(data, fmt=fmt, root="service_requests")


@door("GET")
def request_detail(request: HttpRequest, number: str, *, fmt: str) -> HttpResponse:
    district = _jurisdiction(request)
    case = selectors.request_get(_caller(request), number, district=district)
    rows = selectors.request_rows([case], media_link=_media_link(request))
    return respond(rows, fmt=fmt, root="service_requests")


@door("GET")
def token(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    _jurisdiction(request)
    row = selectors.token_get(token)
    data = [mapping.token_dict(row.case, token=row.token)]
    return respond(data, fmt=fmt, root="service_requests")


@door("GET")
def media(request: HttpRequest, token: str, attachment_id: int, *, fmt: str) -> HttpResponse:
    """A public photo (``media_url``): one that came with a report made through this door."""
    return send_file(selectors.public_photo_get(token, attachment_id))


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under the prefix: the spec's 404, not an HTML page."""
    return error_response(request, NotFound(_("没有这个接口：%(path)s") % {"path": request.path}))
