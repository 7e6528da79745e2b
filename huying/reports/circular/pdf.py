"""The circular as PDF: the outline of ``document`` through ``reports/circular_print.html``,
rendered by WeasyPrint exactly as the call sheet is (same fonts, no URL ever fetched)."""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string

from huying.cases.callsheet import render_pdf as html_to_pdf
from huying.reports.circular.document import Block, CircularDocument, Figure, Table


def _item(block: Block) -> dict[str, Any]:
    """What the template needs of a block, worked out here rather than in template tags."""
    item: dict[str, Any] = {"block": block}
    if isinstance(block, Figure):
        svg = base64.b64encode(block.svg.encode()).decode()
        item["src"] = f"data:image/svg+xml;base64,{svg}"
    elif isinstance(block, Table):
        total = sum(block.widths)
        item["widths"] = [f"{100 * w / total:.2f}" for w in block.widths]
        item["rows"] = [list(zip(row, block.align, strict=True)) for row in block.rows]
    return item


def circular_html(document: CircularDocument) -> str:
    context = {
        "doc": document,
        "blocks": [_item(b) for b in document.blocks],
        "mark_size": f"{min(30.0, 430 / max(len(document.organ_mark), 1)):.1f}",
    }
    return render_to_string("reports/circular_print.html", context)


def render_pdf(document: CircularDocument) -> bytes:
    return html_to_pdf(circular_html(document))
