"""Links to a case's files, and their thumbnails.

Every link goes to the scope-checked view (``file_views``), never to MEDIA_URL. Someone
without an account who proved on the tracking page that they reported a case (number and
the phone number they left) gets links carrying a signed, short-lived token for that case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.http import urlencode

from huying.cases.models import Attachment
from huying.core.errors import InvalidInput, NotFound
from huying.core.files import thumbnail_of

_TRACK_SALT = "huying.cases.tracked-files"
#: How long the tracking page's photo links work: long enough to look at them.
TRACK_MAX_AGE = 2 * 60 * 60


def track_token(case_id: int) -> str:
    return signing.TimestampSigner(salt=_TRACK_SALT).sign(str(case_id))


def tracked_case_id(token: str) -> int | None:
    """The case a tracking token was made for; ``None`` when forged or expired."""
    try:
        value = signing.TimestampSigner(salt=_TRACK_SALT).unsign(token, max_age=TRACK_MAX_AGE)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def file_url(attachment_id: int, *, thumbnail: bool = False, token: str = "") -> str:
    url = reverse("files:thumbnail" if thumbnail else "files:file", args=[attachment_id])
    return f"{url}?{urlencode({'t': token})}" if token else url


@dataclass(frozen=True)
class Link:
    """An attachment as a page shows it: a thumbnail linking to the file, or a download."""

    id: int
    name: str
    content_type: str
    size: int
    url: str
    thumbnail_url: str | None

    @property
    def is_image(self) -> bool:
        return self.thumbnail_url is not None


def links(attachments: list[Attachment], *, token: str = "") -> list[Link]:
    return [
        Link(
            id=a.pk,
            name=a.name,
            content_type=a.content_type,
            size=a.size,
            url=file_url(a.pk, token=token),
            thumbnail_url=file_url(a.pk, thumbnail=True, token=token) if a.is_image else None,
        )
        for a in attachments
    ]


def ensure_thumbnail(att: Attachment) -> str:
    """The storage name of the attachment's thumbnail, made now if it is not there yet (files
    uploaded before thumbnails were made at upload). Such a file was never decoded: one that
    is not a sound image has no thumbnail (404)."""
    name = att.thumbnail_name
    if default_storage.exists(name):
        return name
    try:
        with default_storage.open(att.file.name or "", "rb") as fp:
            data = thumbnail_of(fp, att.content_type, att.name)
    except (FileNotFoundError, KeyError, InvalidInput):
        raise NotFound() from None
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # another request made it meanwhile: keep theirs
        default_storage.delete(saved)
    return name
