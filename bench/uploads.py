"""What checking an upload costs (decode, re-encode without EXIF, thumbnail): a phone photo
at 12 megapixels (noisy, the worst case for JPEG), a WebP, a drawn demo photo.

    .venv/bin/python bench/uploads.py [--repeat 3]

Prints the best of ``repeat`` runs per file, for docs/performance.md. No database needed.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image  # noqa: E402

from huying.core.files import check_upload  # noqa: E402
from huying.demo.photos import scene  # noqa: E402


def photo(fmt: str, size: tuple[int, int]) -> bytes:
    grey = Image.effect_noise(size, 40)
    im = Image.merge("RGB", [grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey])
    out = io.BytesIO()
    im.save(out, fmt, quality=90)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = {
        "12 MP JPEG (4000 × 3000)": (photo("JPEG", (4000, 3000)), "image/jpeg"),
        "12 MP WebP (4000 × 3000)": (photo("WEBP", (4000, 3000)), "image/webp"),
        "demo photo JPEG (800 × 600)": (
            scene(random.Random(1), fixed=False, name="x").read(),
            "image/jpeg",
        ),
    }
    print("| File | Upload KiB | Stored KiB | Thumbnail KiB | check_upload s |")
    print("|---|---:|---:|---:|---:|")
    for label, (data, content_type) in files.items():
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            checked = check_upload(SimpleUploadedFile("p", data, content_type=content_type))
            best = min(best, time.perf_counter() - started)
        thumb = len(checked.thumbnail or b"")
        print(
            f"| {label} | {len(data) // 1024} | {checked.size // 1024} | {thumb // 1024} "
            f"| {best:.3f} |"
        )


if __name__ == "__main__":
    main()
