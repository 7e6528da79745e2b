"""Photos for the demo's cases: drawn street scenes, so that the case pages, the phone pages
and the thumbnails have something to show. A report's photo shows the problem (a heap by
the kerb, a dark lamp); a result's the same street, cleared and lit.

They go in through the same upload checks as a phone's photo (decoded, re-encoded, a
thumbnail made), and use their own random stream: adding them changes nothing else in
the simulated year."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import Image, ImageDraw

W, H = 800, 600


def _sky(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    top = (rng.randrange(90, 140), rng.randrange(150, 190), rng.randrange(210, 245))
    for y in range(H // 2 + 40):  # down to the pavement
        k = y / (H / 2 + 40)
        draw.line([(0, y), (W, y)], fill=tuple(round(c + (235 - c) * k * 0.8) for c in top))


def _buildings(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    x = -rng.randrange(0, 60)
    while x < W:
        w, h = rng.randrange(90, 180), rng.randrange(140, 260)
        tone = rng.randrange(150, 215)
        wall = (tone, tone - rng.randrange(0, 25), tone - rng.randrange(10, 40))
        draw.rectangle([x, H // 2 - h + 40, x + w, H // 2 + 40], fill=wall)
        for wy in range(H // 2 - h + 60, H // 2 + 20, 32):
            for wx in range(x + 12, x + w - 20, 28):
                draw.rectangle([wx, wy, wx + 14, wy + 18], fill=(95, 120, 150))
        x += w + rng.randrange(4, 20)


def _street(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle([0, H // 2 + 40, W, H // 2 + 80], fill=(170, 170, 165))  # pavement
    draw.rectangle([0, H // 2 + 80, W, H], fill=(80, 82, 86))  # road
    for x in range(20, W, 120):
        draw.rectangle([x, H - 90, x + 60, H - 82], fill=(235, 235, 225))


def _lamp(draw: ImageDraw.ImageDraw, x: int, *, lit: bool) -> None:
    draw.rectangle([x, H // 2 - 120, x + 8, H // 2 + 60], fill=(60, 60, 64))
    draw.rectangle([x - 30, H // 2 - 126, x + 8, H // 2 - 118], fill=(60, 60, 64))
    glow = (255, 236, 150) if lit else (110, 110, 110)
    draw.ellipse([x - 40, H // 2 - 122, x - 16, H // 2 - 104], fill=glow)


def _heap(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    cx = rng.randrange(180, W - 180)
    for _ in range(14):
        w, h = rng.randrange(40, 110), rng.randrange(25, 60)
        x, y = cx + rng.randrange(-90, 60), H // 2 + 70 - h + rng.randrange(-10, 10)
        colour = rng.choice([(120, 90, 60), (60, 110, 60), (180, 60, 50), (90, 90, 140)])
        draw.ellipse([x, y, x + w, y + h], fill=colour, outline=(40, 40, 40))


def scene(rng: random.Random, *, fixed: bool, name: str) -> SimpleUploadedFile:
    """A JPEG as a phone would send it: the problem (``fixed=False``) or the result."""
    im = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(im)
    _sky(draw, rng)
    _buildings(draw, rng)
    _street(draw)
    lamp_x = rng.randrange(80, W - 80)
    kind = rng.random()
    _lamp(draw, lamp_x, lit=fixed or kind < 0.5)
    if not fixed and kind < 0.5:
        _heap(draw, rng)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=82)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


class DemoPhotos:
    """Which steps carry a photo: the resident account's own reports, and the reports and
    results of the last weeks (the cases a visitor opens first)."""

    #: Of the cases in the last ``RECENT_DAYS``, the share whose report or result has a photo.
    SHARE = 0.6
    RECENT_DAYS = 21

    def __init__(self, *, enabled: bool, seed: int = 2026) -> None:
        self.enabled = enabled
        self.rng = random.Random(f"demo-photos-{seed}")
        self.count = 0

    def maybe(self, *, recent: bool, always: bool = False, fixed: bool) -> list[SimpleUploadedFile]:
        if not self.enabled or not (always or (recent and self.rng.random() < self.SHARE)):
            return []
        self.count += 1
        name = "处置后.jpg" if fixed else "现场照片.jpg"
        return [scene(self.rng, fixed=fixed, name=name)]

    def unused(self, photos: Sequence[UploadedFile]) -> None:
        """Photos drawn for a step that was not taken: not counted."""
        self.count -= len(photos)
