"""Bar charts for the circular, drawn on the server with no chart library.

A chart is laid out once as a list of shapes (rectangles, lines, text) in points, then
drawn twice: as SVG for the PDF (vector, WeasyPrint draws it) and as PNG with Pillow for
the Word file (Word has no SVG of its own in older versions). Text uses the CJK font the
PDFs use (Noto Sans CJK SC, Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

FONT_FAMILY = "Noto Sans CJK SC"
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

INK = "#1f2937"
GRID = "#d1d5db"
RED = "#b91c1c"
BLUE = "#1d4ed8"
GREY = "#9ca3af"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 0.6


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = 8
    anchor: str = "start"  # start | middle | end
    fill: str = INK
    bold: bool = False


@dataclass
class Chart:
    width: float
    height: float
    shapes: list[Rect | Line | Text] = field(default_factory=list)
    title: str = ""

    def svg(self) -> str:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:g} {self.height:g}"'
            f' width="{self.width:g}pt" height="{self.height:g}pt" role="img"'
            f' aria-label="{escape(self.title)}" font-family="{FONT_FAMILY}, sans-serif">'
        ]
        for s in self.shapes:
            if isinstance(s, Rect):
                parts.append(
                    f'<rect x="{s.x:.2f}" y="{s.y:.2f}" width="{s.w:.2f}" height="{s.h:.2f}"'
                    f' fill="{s.fill}"/>'
                )
            elif isinstance(s, Line):
                parts.append(
                    f'<line x1="{s.x1:.2f}" y1="{s.y1:.2f}" x2="{s.x2:.2f}" y2="{s.y2:.2f}"'
                    f' stroke="{s.stroke}" stroke-width="{s.width:g}"/>'
                )
            else:
                weight = ' font-weight="bold"' if s.bold else ""
                parts.append(
                    f'<text x="{s.x:.2f}" y="{s.y:.2f}" font-size="{s.size:g}"'
                    f' text-anchor="{s.anchor}" fill="{s.fill}"{weight}>{escape(s.text)}</text>'
                )
        parts.append("</svg>")
        return "".join(parts)

    def png(self, *, scale: float = 4.0) -> bytes:
        """The chart as PNG, ``scale`` pixels per point (4: about 290 dpi at full size)."""
        image = Image.new("RGB", (round(self.width * scale), round(self.height * scale)), "white")
        draw = ImageDraw.Draw(image)
        for s in self.shapes:
            if isinstance(s, Rect):
                box = (s.x * scale, s.y * scale, (s.x + s.w) * scale, (s.y + s.h) * scale)
                draw.rectangle(box, fill=s.fill)
            elif isinstance(s, Line):
                draw.line(
                    (s.x1 * scale, s.y1 * scale, s.x2 * scale, s.y2 * scale),
                    fill=s.stroke,
                    width=max(1, round(s.width * scale)),
                )
            else:
                font = _font(round(s.size * scale), s.bold)
                anchor = {"start": "ls", "middle": "ms", "end": "rs"}[s.anchor]
                draw.text((s.x * scale, s.y * scale), s.text, font=font, fill=s.fill, anchor=anchor)
        out = io.BytesIO()
        image.save(out, format="PNG", dpi=(72 * scale, 72 * scale), optimize=True)
        return out.getvalue()


@cache
def _font_file(bold: bool) -> tuple[str, int] | None:
    """The Noto Sans CJK collection and the index of its Simplified Chinese face."""
    name = "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc"
    for root in FONT_DIRS:
        for path in sorted(root.rglob(name)) if root.exists() else []:
            for index in range(10):
                try:
                    face = ImageFont.truetype(str(path), 10, index=index)
                except OSError:
                    break
                if face.getname()[0] == FONT_FAMILY:
                    return str(path), index
    return None


@cache
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    found = _font_file(bold) or _font_file(not bold)
    if found is None:  # no CJK font: the chart still draws, its labels as boxes
        return ImageFont.load_default(size)
    path, index = found
    return ImageFont.truetype(path, size, index=index)


def _nice_max(value: float) -> float:
    for step in (10, 20, 25, 50, 100):
        if value <= step:
            return float(step)
    return float(((int(value) // 50) + 1) * 50)


def horizontal_bars(
    rows: list[tuple[str, float | None, bool]],
    *,
    title: str,
    unit: str = "",
    maximum: float | None = None,
    width: float = 440,
) -> Chart:
    """One bar per row: (label, value, highlighted). A row without a value shows 无数据."""
    label_w, value_w, top, row_h, bottom = 120.0, 36.0, 26.0, 14.0, 18.0
    height = top + row_h * max(len(rows), 1) + bottom
    chart = Chart(width=width, height=height, title=title)
    chart.shapes.append(Text(width / 2, 12, title, size=10, anchor="middle", bold=True))
    values = [v for _, v, _ in rows if v is not None]
    top_value = maximum if maximum is not None else _nice_max(max(values, default=1))
    plot_x, plot_w = label_w, width - label_w - value_w
    plot_bottom = top + row_h * len(rows)
    for i in range(5):
        x = plot_x + plot_w * i / 4
        chart.shapes.append(Line(x, top - 2, x, plot_bottom, GRID, 0.4))
        tick = top_value * i / 4
        chart.shapes.append(Text(x, plot_bottom + 10, f"{tick:g}{unit}", size=7, anchor="middle"))
    for i, (label, value, highlighted) in enumerate(rows):
        y = top + row_h * i
        chart.shapes.append(Text(plot_x - 4, y + row_h * 0.68, label, size=7.5, anchor="end"))
        if value is None:
            chart.shapes.append(Text(plot_x + 3, y + row_h * 0.68, "无数据", size=7, fill=GREY))
            continue
        w = plot_w * min(value, top_value) / top_value
        chart.shapes.append(
            Rect(plot_x, y + row_h * 0.18, max(w, 0.5), row_h * 0.64, RED if highlighted else GREY)
        )
        chart.shapes.append(
            Text(plot_x + w + 3, y + row_h * 0.68, f"{value:.1f}", size=7, anchor="start")
        )
    chart.shapes.append(Line(plot_x, top - 2, plot_x, plot_bottom, INK, 0.8))
    return chart


def grouped_bars(
    groups: list[tuple[str, list[float | None]]],
    *,
    series: list[str],
    title: str,
    unit: str = "%",
    maximum: float = 100,
    width: float = 440,
    height: float = 190,
) -> Chart:
    """Vertical bars, one cluster per group, one bar per series (values up to ``maximum``)."""
    colours = [RED, BLUE, GREY]
    chart = Chart(width=width, height=height, title=title)
    chart.shapes.append(Text(width / 2, 12, title, size=10, anchor="middle", bold=True))
    left, right, top, bottom = 34.0, 8.0, 36.0, 30.0
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h
    # legend
    x = left
    for name, colour in zip(series, colours, strict=False):
        chart.shapes.append(Rect(x, 20, 8, 7, colour))
        chart.shapes.append(Text(x + 11, 26.5, name, size=7.5))
        x += 16 + 8 * len(name) + 10
    for i in range(6):
        y = base - plot_h * i / 5
        chart.shapes.append(Line(left, y, left + plot_w, y, GRID, 0.4))
        chart.shapes.append(
            Text(left - 3, y + 2.5, f"{maximum * i / 5:g}{unit}", size=7, anchor="end")
        )
    n = max(len(groups), 1)
    slot = plot_w / n
    bar = min(14.0, slot * 0.8 / max(len(series), 1))
    for g, (label, values) in enumerate(groups):
        cx = left + slot * (g + 0.5)
        x0 = cx - bar * len(values) / 2
        for s, value in enumerate(values):
            if value is None:
                continue
            h = plot_h * min(max(value, 0), maximum) / maximum
            chart.shapes.append(Rect(x0 + bar * s, base - h, bar * 0.9, max(h, 0.5), colours[s]))
            chart.shapes.append(
                Text(x0 + bar * (s + 0.45), base - h - 2, f"{value:.1f}", size=5.5, anchor="middle")
            )
        chart.shapes.append(Text(cx, base + 11, label, size=7.5, anchor="middle"))
    chart.shapes.append(Line(left, base, left + plot_w, base, INK, 0.8))
    return chart
