"""Uploads are decoded, not trusted: what is stored is an image we encoded ourselves (no
EXIF, upright, under a generated name with its true extension) or a PDF kept as sent."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from huying.core.errors import InvalidInput
from huying.core.files import MAX_EDGE, THUMB_EDGE, CheckedFile, check_upload, download_name
from huying.core.tests.images import GPS_INFO, ORIENTATION, PNG, gps_exif, image_bytes

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored(checked: CheckedFile) -> bytes:
    checked.content.seek(0)
    return checked.content.read()


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels in a few dozen bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "现场"])
def test_an_image_is_stored_under_its_true_extension_whatever_its_name(name: str) -> None:
    checked = check_upload(upload(name, PNG))
    assert (checked.content_type, checked.extension, checked.name) == ("image/png", ".png", name)
    assert opened(stored(checked)).format == "PNG"
    assert download_name(name, checked.content_type).endswith(".png")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>",
        b'\x89PNG\r\n\x1a\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"\xff\xd8\xff<html><body>not a photo</body></html>",
    ],
)
def test_markup_behind_an_image_signature_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="已损坏或不完整"):
        check_upload(upload("evil.html", data))


def test_bytes_after_the_image_are_not_stored() -> None:
    """A real PNG with a page appended (a polyglot) keeps only the pixels."""
    payload = b"<html><script>alert(1)</script></html>"
    checked = check_upload(upload("evil.html", PNG + payload))
    assert payload not in stored(checked)


def test_a_decompression_bomb_is_refused() -> None:
    bomb = png_header_only(60_000, 60_000)
    assert len(bomb) < 200
    with pytest.raises(InvalidInput, match="像素过多") as refused:
        check_upload(upload("bomb.png", bomb))
    assert refused.value.status == 422


def test_over_the_pixel_limit_is_refused(settings: Any) -> None:
    settings.HUYING_IMAGE_MAX_PIXELS = 100
    with pytest.raises(InvalidInput, match="像素过多"):
        check_upload(upload("big.png", image_bytes("PNG", (12, 10))))  # 120 pixels
    assert check_upload(upload("ok.png", image_bytes("PNG", (10, 10)))).size > 0


def test_pillows_bomb_warning_is_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between Pillow's limit and twice it, Pillow only warns: that is a refusal as well."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(InvalidInput, match="像素过多"):
        check_upload(upload("big.png", image_bytes("PNG", (12, 10))))  # 120 pixels


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_exif_with_the_gps_position_is_stripped(fmt: str, content_type: str) -> None:
    original = image_bytes(fmt, (16, 16), exif=gps_exif())
    assert opened(original).getexif().get_ifd(GPS_INFO)  # the phone wrote where it was taken
    checked = check_upload(upload("photo", original, content_type))
    assert checked.content_type == content_type
    data = stored(checked)
    assert not opened(data).getexif()
    assert b"Exif" not in data and b"PhoneMaker" not in data


def test_a_photo_is_turned_upright_as_its_orientation_tag_says() -> None:
    """Orientation 6: the camera was turned; the left of the stored pixels is the top."""
    im = Image.new("RGB", (40, 20), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 20, 20))  # left half red
    out = io.BytesIO()
    im.save(out, "JPEG", quality=95, exif=gps_exif(orientation=6))
    upright = opened(stored(check_upload(upload("p.jpg", out.getvalue(), "image/jpeg"))))
    assert upright.size == (20, 40)
    assert ORIENTATION not in upright.getexif()
    top, bottom = upright.getpixel((10, 5)), upright.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60, top  # red on top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(fmt: str) -> None:
    """Even after WeasyPrint (imported for the PDFs) has told Pillow to load truncated
    images: the suite found that order."""
    import weasyprint  # noqa: F401

    assert ImageFile.LOAD_TRUNCATED_IMAGES  # what WeasyPrint does on import
    im = Image.effect_noise((200, 200), 64).convert("RGB")
    out = io.BytesIO()
    im.save(out, fmt)
    whole = out.getvalue()
    with pytest.raises(InvalidInput, match="已损坏或不完整"):
        check_upload(upload("cut", whole[: len(whole) // 2], f"image/{fmt.lower()}"))
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # given back: WeasyPrint's own images are its call


def test_a_pdf_is_kept_as_sent_with_no_thumbnail() -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    checked = check_upload(upload("情况说明.html", pdf, "application/pdf"))
    assert (checked.content_type, checked.extension) == ("application/pdf", ".pdf")
    assert stored(checked) == pdf and checked.size == len(pdf) and checked.thumbnail is None


def test_a_thumbnail_is_made_and_a_huge_photo_is_scaled_down() -> None:
    checked = check_upload(upload("wide.png", image_bytes("PNG", (MAX_EDGE + 904, 50))))
    assert opened(stored(checked)).size == (MAX_EDGE, 41)
    assert checked.thumbnail is not None
    thumb = opened(checked.thumbnail)
    assert thumb.format == "JPEG" and max(thumb.size) == THUMB_EDGE


def test_a_transparent_png_gets_a_white_backed_thumbnail() -> None:
    checked = check_upload(upload("t.png", image_bytes("PNG", (30, 30), mode="RGBA")))
    assert checked.thumbnail is not None and opened(checked.thumbnail).mode == "RGB"
    assert opened(stored(checked)).mode == "RGBA"  # the stored PNG keeps its transparency
