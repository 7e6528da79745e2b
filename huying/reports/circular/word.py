"""The circular as a Word file (python-docx), in the layout of GB/T 9704 as far as it fits.

A4; margins 37 / 35 / 28 / 26 mm (top, bottom, left, right); body in a serif CJK face at
三号 (16 pt) on a 28 pt grid with a two-character first-line indent; red issuing-organ mark
and rule; 一、 headings in a sans face (黑体's place), （一） in bold serif (楷体's); tables
at 五号 with a repeated header row; page numbers "— 1 —" at the foot.

The fonts are the ones the server has (Noto CJK, Debian's fonts-noto-cjk), named for East
Asian text through ``w:eastAsia``: Word takes the CJK face from there, not from ``w:ascii``.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from huying.core.input_text import printable
from huying.reports.circular.document import CircularDocument, Figure, Heading, Para, Table

SERIF = "Noto Serif CJK SC"  # 仿宋 / 小标宋's place
SANS = "Noto Sans CJK SC"  # 黑体's place
LATIN = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY = Pt(16)  # 三号
SMALL = Pt(10.5)  # 五号
GRID = Pt(28)  # 22 lines a page
NONE = Pt(0)
TYPE_WIDTH_MM = 210 - 28 - 26

#: What follows w:pBdr in a w:pPr (ECMA-376 CT_PPrBase).
PPR_AFTER_BORDER = tuple(
    f"w:{name}"
    for name in [
        "shd",
        "tabs",
        "suppressAutoHyphens",
        "kinsoku",
        "wordWrap",
        "overflowPunct",
        "topLinePunct",
        "autoSpaceDE",
        "autoSpaceDN",
        "bidi",
        "adjustRightInd",
        "snapToGrid",
        "spacing",
        "ind",
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    ]
)

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


def _fonts(element: object, east: str, latin: str = LATIN) -> None:
    """Set the fonts of a run (or a style's run properties), East Asian ones included."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr, name in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east), ("cs", latin)):
        fonts.set(qn(f"w:{attr}"), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _run(
    p: Paragraph,
    text: str,
    *,
    east: str = SERIF,
    size: Pt = BODY,
    bold: bool = False,
    color: RGBColor | None = None,
) -> Run:
    run = p.add_run(printable(text))
    _fonts(run._r, east)
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _para(
    container: object,
    *,
    align: int = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    line: Pt | None = GRID,
    before: Pt = NONE,
    after: Pt = NONE,
) -> Paragraph:
    p: Paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    f = p.paragraph_format
    f.alignment = align
    if indent:
        f.first_line_indent = Pt(32)  # two characters of 三号
    if line is not None:
        f.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        f.line_spacing = line
    f.space_before, f.space_after = before, after
    f.widow_control = True
    return p


def _border(p: Paragraph, *, color: str = "C00000", size_eighths: int = 16) -> None:
    """A rule under the paragraph (the red 分隔线 under the document number)."""
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("val", "single"),
        ("sz", str(size_eighths)),
        ("space", "1"),
        ("color", color),
    ):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    # Word refuses a file whose elements are out of the schema's order.
    ppr.insert_element_before(borders, *PPR_AFTER_BORDER)


def _shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tcpr.insert_element_before(
        shading, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"
    )


def _cell_margins(table: object, *, twips: int) -> None:
    tblpr = table._tbl.tblPr  # type: ignore[attr-defined]
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(twips))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    tblpr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _row_flags(row: object, *, header: bool = False) -> None:
    """A row never splits across pages; the header row repeats on each page."""
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        trpr.append(flag)


def _page_number_footer(section: object) -> None:
    footer = section.footer  # type: ignore[attr-defined]
    p = footer.paragraphs[0]
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ", size=Pt(14))
    run = _run(p, "", size=Pt(14))
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("end", None)):
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
            if kind == "separate":
                shown = OxmlElement("w:t")
                shown.text = "1"
                run._r.append(shown)
    _run(p, " —", size=Pt(14))


def _table(doc: object, block: Table) -> None:
    table = doc.add_table(rows=1, cols=len(block.columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table, twips=57)  # 1 mm each side: room for "100.0%" in narrow columns
    total = sum(block.widths)
    widths = [Mm(TYPE_WIDTH_MM * w / total) for w in block.widths]

    def fill(cell: _Cell, text: str, align: str, *, bold: bool = False) -> None:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.paragraph_format.alignment = ALIGN[align]
        p.paragraph_format.line_spacing = 1.0
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(1.5)
        _run(p, text, east=SANS if bold else SERIF, size=SMALL, bold=bold)

    header = table.rows[0]
    _row_flags(header, header=True)
    for i, name in enumerate(block.columns):
        fill(header.cells[i], name, "center", bold=True)
        _shade(header.cells[i], "F2F2F2")
    for values in block.rows:
        row = table.add_row()
        _row_flags(row)
        cells = row.cells
        for i, value in enumerate(values):
            fill(cells[i], value, block.align[i])
    # Word reads the cells' widths, LibreOffice the grid's: set both.
    for i, column in enumerate(table.columns):
        column.width = widths[i]
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            cell.width = widths[i]
    if block.note:
        note = _para(doc, align=WD_ALIGN_PARAGRAPH.LEFT, line=None, before=Pt(3), after=Pt(6))
        _run(note, block.note, size=SMALL)
    else:
        _para(doc, line=Pt(10))


def render_docx(document: CircularDocument) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    normal = doc.styles["Normal"]
    _fonts(normal.element, SERIF)
    normal.font.size = BODY
    doc.core_properties.title = document.title
    doc.core_properties.subject = document.number
    doc.core_properties.author = document.signer

    # 版头: the red mark, the number, the red rule.
    mark_size = Pt(min(30.0, 430 / max(len(document.organ_mark), 1)))
    mark = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, before=Pt(12), after=Pt(24))
    _run(mark, document.organ_mark, size=mark_size, bold=True, color=RED)
    number = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, line=GRID, after=Pt(4))
    _run(number, document.number)
    _border(number)
    # Title (2号, 22 pt), a blank line above it, then the addressees.
    title = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(36), before=Pt(28), after=Pt(14))
    _run(title, document.title, size=Pt(22), bold=True)
    _run(_para(doc, align=WD_ALIGN_PARAGRAPH.LEFT), document.addressees)

    for block in document.blocks:
        if isinstance(block, Heading):
            p = _para(doc, indent=True, align=WD_ALIGN_PARAGRAPH.LEFT)
            p.paragraph_format.keep_with_next = True
            _run(p, block.text, east=SANS if block.level == 1 else SERIF, bold=block.level == 2)
        elif isinstance(block, Para):
            align = WD_ALIGN_PARAGRAPH.LEFT if block.item else WD_ALIGN_PARAGRAPH.JUSTIFY
            _run(_para(doc, indent=True, align=align), block.text)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Figure):
            p = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, before=Pt(4), after=Pt(8))
            width = Mm(min(TYPE_WIDTH_MM - 6, block.chart.width * 25.4 / 72 * 1.05))
            p.add_run().add_picture(io.BytesIO(block.chart.png()), width=width)

    # 落款: the issuer over the date, the date four characters from the right margin.
    _para(doc)
    _para(doc)
    signer = _para(doc, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signer.paragraph_format.right_indent = Pt(16 * document.signer_indent)
    _run(signer, document.signer)
    dated = _para(doc, align=WD_ALIGN_PARAGRAPH.RIGHT)
    dated.paragraph_format.right_indent = Pt(64)
    _run(dated, document.date)
    _page_number_footer(section)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
