"""A case's files, served only to those who may see the case (there is no /media/ route).

Staff see every file of a case in their scope; a resident only what ``reporter_attachments``
shows (their report, what they added, the result's photos); someone who tracked the case
by number and phone, the same, through the signed links of the tracking page. Anything else
is a 404, as an out-of-scope case is; without a session or token, the login page.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from huying.cases import selectors
from huying.cases.attachments import ensure_thumbnail, tracked_case_id
from huying.cases.models import Attachment
from huying.core.errors import NotFound
from huying.core.files import IMAGE_FORMATS, download_name
from huying.core.web import protected_file
from huying.org.web import web_actor


def _attachment(request: HttpRequest, attachment_id: int) -> Attachment | HttpResponse:
    token = request.GET.get("t")
    if token:
        case_id = tracked_case_id(token)
        if case_id is None:
            raise NotFound(_("链接已过期，请重新查询"))
        return selectors.tracked_attachment(case_id, attachment_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return selectors.attachment_get(web_actor(request), attachment_id)


def attachment_file(request: HttpRequest, attachment_id: int) -> HttpResponse:
    att = _attachment(request, attachment_id)
    return att if isinstance(att, HttpResponse) else send_file(att)


def attachment_thumbnail(request: HttpRequest, attachment_id: int) -> HttpResponse:
    att = _attachment(request, attachment_id)
    return att if isinstance(att, HttpResponse) else send_thumbnail(att)


def send_file(att: Attachment) -> HttpResponse:
    """The file itself: an image shown in the browser, anything else (PDF) downloaded."""
    inline = att.content_type in IMAGE_FORMATS
    return protected_file(
        att.file.name or "",
        content_type=att.content_type if inline else _download_type(att.content_type),
        filename=download_name(att.name, att.content_type),
        inline=inline,
    )


def send_thumbnail(att: Attachment) -> HttpResponse:
    """A small JPEG of an image attachment, made on first request when it has none yet."""
    if att.content_type not in IMAGE_FORMATS:
        raise NotFound(_("附件没有缩略图"))
    return protected_file(
        ensure_thumbnail(att),
        content_type="image/jpeg",
        filename=download_name(att.name, "image/jpeg"),
        inline=True,
    )


def _download_type(content_type: str) -> str:
    """A PDF keeps its type (the download opens in a PDF reader); anything unexpected that
    an old upload might carry is plain bytes."""
    return content_type if content_type == "application/pdf" else "application/octet-stream"
