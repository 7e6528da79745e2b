"""Upload checks: the type is read from the file's first bytes, not from what the client says."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from huying.core.errors import InvalidInput
from huying.core.i18n import join_list

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    for magic, offset, content_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and not head.startswith(b"RIFF"):
                continue
            return content_type
    return None


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def check_upload(upload: UploadedFile) -> CheckedFile:
    name = (upload.name or "file").rsplit("/", 1)[-1][-200:]
    size = upload.size or 0
    limit = settings.HUYING_ATTACHMENT_MAX_BYTES
    if size <= 0:
        raise InvalidInput(_("文件「{name}」为空").format(name=name), field="files")
    if size > limit:
        raise InvalidInput(
            _("文件「{name}」超过 {size} MB 上限").format(name=name, size=limit // (1024 * 1024)),
            field="files",
        )
    upload.seek(0)
    content_type = sniff(upload.read(16))
    if content_type is None or content_type not in settings.HUYING_ATTACHMENT_TYPES:
        allowed = join_list(settings.HUYING_ATTACHMENT_TYPES)
        raise InvalidInput(
            _("文件「{name}」类型不支持，仅允许：{allowed}").format(name=name, allowed=allowed),
            field="files",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        upload=upload, name=name, content_type=content_type, size=size, sha256=digest.hexdigest()
    )
