"""The public board (街长公示栏) of a road: its segments drawn, who answers for each, and a QR
code to report a problem on a segment. One context serves the page and the A3 PDF."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from shapely.geometry import shape

from huying.roads.models import Duty, Road, Segment, SegmentPerson
from huying.roads.selectors import board_segments

#: The armbands' colours (三色服务队): grid worker red, party-member chief green, merchant
#: chief blue; the departments' contacts in neutral tones.
COLOURS = {
    Duty.GRID_WORKER: "#c62828",
    Duty.PARTY_CHIEF: "#2e7d32",
    Duty.MERCHANT_CHIEF: "#1565c0",
    Duty.ENFORCEMENT: "#5d4037",
    Duty.GREENING: "#00796b",
}
#: The three who wear the armbands (三色服务队): a dot each on their segment in the drawing.
ARMBANDS = (Duty.GRID_WORKER, Duty.PARTY_CHIEF, Duty.MERCHANT_CHIEF)
#: The board's drawing, in SVG user units.
WIDTH, MIN_HEIGHT, MAX_HEIGHT, PAD = 1000, 180, 620, 50


def report_url(segment: Segment) -> str:
    """The phone report page with the segment preset, at the site's public address (a printed
    board outlives whatever address it was printed from)."""
    path = reverse("phone:report") + f"?segment={segment.pk}"
    return settings.HUYING_BASE_URL.rstrip("/") + path


def qr_data_uri(url: str) -> str:
    """A PNG (an image in the PDF too, so a printer never redraws it from vectors)."""
    uri: str = segno.make(url, error="m").png_data_uri(scale=6, border=2)
    return uri


@dataclass
class SegmentCard:
    segment: Segment
    people: list[SegmentPerson]
    report_url: str
    qr: str
    label_at: tuple[float, float] = (0.0, 0.0)
    path: str = ""
    markers: list[dict[str, Any]] = field(default_factory=list)


def _projector(segments: list[Segment]) -> tuple[Any, float]:
    """Lng/lat to the drawing's units (equirectangular, north up, fitted with margins), and
    the drawing's height: as tall as the roads need, within bounds, so a straight east-west
    road is not a thin line in a tall box."""
    xs = [lng for s in segments for lng, _lat in s.line["coordinates"]]
    ys = [lat for s in segments for _lng, lat in s.line["coordinates"]]
    kx = math.cos(math.radians((min(ys) + max(ys)) / 2))
    w = max((max(xs) - min(xs)) * kx, 1e-9)
    h = max(max(ys) - min(ys), 1e-9)
    height = min(MAX_HEIGHT, max(MIN_HEIGHT, (WIDTH - 2 * PAD) * h / w + 2 * PAD))
    k = min((WIDTH - 2 * PAD) / w, (height - 2 * PAD) / h)
    ox = (WIDTH - w * k) / 2
    oy = (height - h * k) / 2

    def project(lng: float, lat: float) -> tuple[float, float]:
        return ox + (lng - min(xs)) * kx * k, height - oy - (lat - min(ys)) * k

    return project, height


def _draw(cards: list[SegmentCard]) -> float:
    """Each card's path, label and armband dots; returns the drawing's height."""
    project, height = _projector([c.segment for c in cards])
    for card in cards:
        points = [project(lng, lat) for lng, lat in card.segment.line["coordinates"]]
        card.path = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in points)
        line = shape(card.segment.line)
        mid = line.interpolate(0.5, normalized=True)
        card.label_at = project(mid.x, mid.y)
        worn = [p for p in card.people if p.duty in ARMBANDS]
        for n, person in enumerate(worn):
            at = line.interpolate((n + 1) / (len(worn) + 1), normalized=True)
            x, y = project(at.x, at.y)
            card.markers.append(
                {"x": f"{x:.1f}", "y": f"{y:.1f}", "colour": COLOURS[Duty(person.duty)]}
            )
    return height


def legend() -> list[tuple[str, str]]:
    """(label, colour) per duty, in the legend's order."""
    return [(str(label), COLOURS[Duty(value)]) for value, label in Duty.choices]


def board_context(road: Road) -> dict[str, Any]:
    cards = []
    for segment in board_segments(road):
        url = report_url(segment)
        people = list(segment.people.all())
        for person in people:
            person.colour = COLOURS[Duty(person.duty)]  # type: ignore[attr-defined]
        cards.append(
            SegmentCard(
                segment=segment,
                people=people,
                report_url=url,
                qr=qr_data_uri(url),
            )
        )
    height = _draw(cards) if cards else MIN_HEIGHT
    return {
        "road": road,
        "street": road.street,
        "cards": cards,
        "legend": legend(),
        "width": WIDTH,
        "height": f"{height:.0f}",
        "title": _("{road}街长公示栏").format(road=road.name),
    }
