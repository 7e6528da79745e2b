"""Upload checks: a file is what its bytes decode as, not what its name or first bytes say.

The first bytes pick the one decoder a file may be read with; an image is then decoded in full
by Pillow (refused when it is damaged, truncated or a decompression bomb) and encoded afresh:
what is stored is pixels we wrote ourselves, with no EXIF (a phone photo's GPS position is the
reporter's home), no XMP and nothing appended after the image data, turned upright as the
camera's orientation tag said. A PDF is kept as sent; it is only ever served as a download.
The client's file name is kept as data, never as the name on disk.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

from huying.core.errors import InvalidInput
from huying.core.i18n import join_list

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
)

#: Content type → (Pillow format, extension on disk). Only these decoders ever see an upload:
#: Pillow would otherwise guess among all its formats (EPS runs Ghostscript).
IMAGE_FORMATS = {
    "image/jpeg": ("JPEG", ".jpg"),
    "image/png": ("PNG", ".png"),
    "image/webp": ("WEBP", ".webp"),
}
EXTENSIONS = {**{t: ext for t, (_f, ext) in IMAGE_FORMATS.items()}, "application/pdf": ".pdf"}

#: A stored photo's longest side: enough to read a house number on a 50-megapixel shot, and it
#: bounds what every later view of the photo costs.
MAX_EDGE = 4096
#: Files one upload may carry: a report's photos from every side, and no more to review.
FILES_PER_UPLOAD = 9
#: A thumbnail's longest side (shown at 120 × 90 CSS px, sharp on a 3× phone screen).
THUMB_EDGE = 360

#: Pillow's decompression-bomb guard (a warning over the limit, an error over twice it) at our
#: limit rather than its default of ≈ 89 megapixels; set once, as it is process-wide.
Image.MAX_IMAGE_PIXELS = settings.HUYING_IMAGE_MAX_PIXELS


def sniff(head: bytes) -> str | None:
    for magic, offset, content_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and not head.startswith(b"RIFF"):
                continue
            return content_type
    return None


@dataclass(frozen=True)
class CheckedFile:
    """What is stored: ``content`` (re-encoded for an image) under a generated name ending in
    ``extension``; ``name`` is the client's file name, kept only to show."""

    content: File[bytes]
    name: str
    content_type: str
    extension: str
    size: int
    sha256: str
    #: A small JPEG of an image, stored beside it; ``None`` for a PDF.
    thumbnail: bytes | None = None


class ImageRefused(InvalidInput):
    """An image that cannot be decoded safely (damaged, truncated, too many pixels)."""


_strict = threading.Lock()


@contextmanager
def image_limits() -> Iterator[None]:
    """Decode strictly: Pillow's decompression-bomb warning (over the limit, under twice it)
    made an error, like the error a refusal; and a truncated file an error rather than an
    image padded with grey. ``LOAD_TRUNCATED_IMAGES`` is process-wide and WeasyPrint turns
    it on when it is imported (for the PDFs), so it is turned off here for the decode and
    given back after."""
    with _strict, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        lenient = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _too_many_pixels(name: str) -> ImageRefused:
    return ImageRefused(
        _("图片「{name}」像素过多（超过 {limit} 万像素），请缩小后再上传").format(
            name=name, limit=settings.HUYING_IMAGE_MAX_PIXELS // 10_000
        ),
        field="files",
    )


def decode_image(fp: IO[bytes], content_type: str, name: str) -> Image.Image:
    """The whole image decoded (pixels in memory), upright, at most ``MAX_EDGE`` a side."""
    pil_format, _ext = IMAGE_FORMATS[content_type]
    try:
        with image_limits(), Image.open(fp, formats=[pil_format]) as im:
            # The header's size, checked again here: ``catch_warnings`` is process-wide, so
            # another thread may have reset the filter that makes Pillow's warning an error.
            if im.width * im.height > settings.HUYING_IMAGE_MAX_PIXELS:
                raise _too_many_pixels(name)
            if pil_format == "JPEG":
                # Decode a huge JPEG at 1/2, 1/4 or 1/8 scale directly: far less memory.
                im.draft(None, (MAX_EDGE, MAX_EDGE))
            im.load()
            upright = ImageOps.exif_transpose(im)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name) from None
    except Exception:  # any failure to decode untrusted bytes is a refusal
        raise ImageRefused(
            _("图片「{name}」已损坏或不完整，无法识别").format(name=name), field="files"
        ) from None
    upright.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    return upright


def encode_image(im: Image.Image, content_type: str) -> bytes:
    """Pixels only: no EXIF, XMP or text chunks (Pillow writes metadata only when asked);
    the colour profile stays, or wide-gamut phone photos would look washed out."""
    pil_format, _ext = IMAGE_FORMATS[content_type]
    out = io.BytesIO()
    icc = im.info.get("icc_profile")
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if pil_format == "JPEG":
        if im.mode not in ("RGB", "L", "CMYK"):
            im = im.convert("RGB")
        im.save(out, "JPEG", quality=88, optimize=True, **options)
    elif pil_format == "WEBP":
        im.save(out, "WEBP", quality=88, **options)
    else:
        im.save(out, "PNG", optimize=False, **options)
    return out.getvalue()


def encode_thumbnail(im: Image.Image) -> bytes:
    """A small JPEG (transparent parts on white) for lists and pages that show many photos."""
    small = im.copy()
    small.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    if small.mode in ("RGBA", "LA", "P", "PA"):
        small = small.convert("RGBA")
        flat = Image.new("RGB", small.size, "white")
        flat.paste(small, mask=small.getchannel("A"))
        small = flat
    elif small.mode != "RGB":
        small = small.convert("RGB")
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def thumbnail_of(fp: IO[bytes], content_type: str, name: str) -> bytes:
    """A thumbnail of a stored image (one uploaded before thumbnails were made at upload)."""
    return encode_thumbnail(decode_image(fp, content_type, name))


def download_name(name: str, content_type: str) -> str:
    """The client's name with the extension its content really has (``evil.html`` that is a
    PNG is offered as ``evil.png``)."""
    stem = PurePosixPath(name).stem or "file"
    return stem + EXTENSIONS.get(content_type, "")


def check_upload(upload: UploadedFile) -> CheckedFile:
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][-200:] or "file"
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
    upload.seek(0)
    thumbnail = None
    if content_type in IMAGE_FORMATS:
        image = decode_image(upload, content_type, name)
        data = encode_image(image, content_type)
        thumbnail = encode_thumbnail(image)
        content: File[bytes] = ContentFile(data)
        size = len(data)
        sha256 = hashlib.sha256(data).hexdigest()
    else:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        content, sha256 = upload, digest.hexdigest()
    return CheckedFile(
        content=content,
        name=name,
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        size=size,
        sha256=sha256,
        thumbnail=thumbnail,
    )
