"""Small real images for upload tests (a fake PNG signature no longer gets through)."""

from __future__ import annotations

import io

from PIL import Image

#: EXIF tags: Orientation, GPSInfo; GPS sub-tags: latitude ref, latitude.
ORIENTATION = 0x0112
GPS_INFO = 0x8825


def image_bytes(
    fmt: str = "PNG",
    size: tuple[int, int] = (8, 6),
    *,
    color: tuple[int, int, int] = (200, 40, 40),
    mode: str = "RGB",
    exif: Image.Exif | None = None,
) -> bytes:
    im = Image.new(mode, size, color if mode == "RGB" else (*color, 128))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    im.save(out, fmt, **options)
    return out.getvalue()


def png(size: tuple[int, int] = (8, 6)) -> bytes:
    return image_bytes("PNG", size)


def gps_exif(*, orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: where the photo was taken (成都), and which way is up."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_INFO).update({1: "N", 2: (30.0, 39.0, 36.0), 3: "E", 4: (104.0, 3.0, 48.0)})
    return exif


#: A real 8 × 6 PNG.
PNG = png()
