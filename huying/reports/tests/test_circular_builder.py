"""The circular's builder on the fixed March of ``evaluation/tests/march.py`` plus a few
ratings: the figures it keeps (checked against numbers worked out by hand), the outline,
the Word file's text and tables, and the PDF with its embedded CJK font."""

from __future__ import annotations

import io
import re
import zlib
from datetime import date
from typing import Any

import pytest
from docx import Document

from huying.conftest import World, shared_fixture
from huying.evaluation.services import rating_create
from huying.evaluation.tests.helpers import at, scores
from huying.evaluation.tests.march import March, build_march
from huying.reports.circular.document import (
    CircularDocument,
    Figure,
    Heading,
    Table,
    chinese_date,
    circular_document,
    doc_number,
    pct,
)
from huying.reports.circular.figures import circular_figures
from huying.reports.circular.pdf import render_pdf
from huying.reports.circular.word import render_docx

pytestmark = pytest.mark.django_db

NOW = at(4, 2, 9)
NUMBER = "呼应办通〔2026〕7号"


@shared_fixture
def march(world: World) -> March:
    """March plus ratings: 城管局 85 (A1), 90 (A2), 70 (A9) — three cases, ranked, mean
    245 / 3 = 81.67; 交通局 95 on A4 and 水务局 88 on B1 — one case each, not ranked."""
    m = build_march(world)
    street, street_b = world.actor("street"), world.actor("street_b")
    for name, dept, given, who in [
        ("A1", "cg", scores(17), street),
        ("A2", "cg", scores(18), street),
        ("A9", "cg", scores(14), street),
        ("A4", "jt", scores(19), street),
        ("B1", "sw", scores(18, 18, 18, 18, 16), street_b),
    ]:
        rating_create(
            actor=who,
            case_id=m.cases[name].pk,
            department_id=world.departments[dept].pk,
            scores=given,
            reason="按实评议",
            now=at(4, 1, 15),
        )
    return m


@pytest.fixture
def figures(march: March) -> dict[str, Any]:
    return circular_figures(district=march.world.district, year=2026, month=3, now=NOW)


def test_chinese_dates_and_document_numbers() -> None:
    assert chinese_date(date(2026, 12, 2)) == "二〇二六年十二月二日"
    assert chinese_date(date(2030, 10, 31)) == "二〇三〇年十月三十一日"
    assert chinese_date(date(2026, 1, 20)) == "二〇二六年一月二十日"
    assert doc_number(issuer_abbr="呼应办通", year=2026, serial=11) == "呼应办通〔2026〕11号"
    assert pct("0.833333") == "83.3%" and pct("1.000000") == "100.0%" and pct(None) == "—"


def test_figures_match_the_hand_worked_march(march: March, figures: dict[str, Any]) -> None:
    """The same numbers the indicator tests work out by hand, as the circular keeps them."""
    assert figures["complete"] is True
    o = figures["overview"]
    # closed A1 A2 A4 A5 A9 B1 B2 B3; due adds A3 (overdue and open)
    assert (o["closed"], o["due"]) == (8, 9)
    assert pct(o["completion"]) == "88.9%"
    assert pct(o["on_time_completion"]) == "66.7%"  # 6 / 9: A2 and B3 ran late
    streets = {r["id"]: r for r in figures["by_street"]}
    assert pct(streets[march.street_a]["completion"]) == "83.3%"  # 5 / 6
    assert pct(streets[march.street_b]["completion"]) == "100.0%"
    assert streets[march.street_a]["calls"] >= 1

    ranking = {r["name"]: r for r in figures["ranking"]}
    assert ranking["城管局"] == {
        "id": march.department("cg"),
        "name": "城管局",
        "cases": 3,
        "score": "81.67",
        "rank": 1,
    }
    assert ranking["交通局"]["rank"] is None and ranking["交通局"]["score"] == "95.00"
    assert ranking["水务局"]["score"] == "88.00" and ranking["水务局"]["cases"] == 1
    assert ranking["生态环境局"]["cases"] == 0 and ranking["生态环境局"]["score"] is None
    assert figures["ranking"][0]["name"] == "城管局"  # the ranked first

    departments = {r["id"]: r for r in figures["by_department"]}
    cg = departments[march.department("cg")]
    # 城管局 handled A1 A2 A9 B2 B3 on time, A3 overdue: 5 / 6
    assert (cg["assignments_due"], cg["handled"]) == (6, 5)
    assert pct(cg["on_time_handling_rate"]) == "83.3%"


def test_overdue_returned_and_notable_lists(march: March, figures: dict[str, Any]) -> None:
    """A3 past its handling limit (16 Mar 17:30) with no result by the month's end: 16 days;
    A2 reported in a day late; A6 never reported in (limit 31 Mar 17:30)."""
    overdue = figures["overdue"]
    by_number = {r["number"]: r for r in overdue["rows"]}
    a2, a3, a6 = (march.cases[n].number for n in ("A2", "A3", "A6"))
    assert set(by_number) == {a2, a3, a6}
    assert (by_number[a3]["status"], by_number[a3]["days"]) == ("unhandled", 16)
    assert (by_number[a2]["status"], by_number[a2]["days"]) == ("reported_late", 1)
    assert (by_number[a6]["status"], by_number[a6]["days"]) == ("not_reported", 1)
    assert (overdue["total"], overdue["cases"], overdue["open"]) == (3, 3, 2)
    assert overdue["rows"][0]["number"] == a3  # longest first
    assert by_number[a3]["department"] == "城管局"
    assert by_number[a3]["street"] == "第1街道"

    returned = figures["returned"]
    assert (returned["total"], returned["upheld"], returned["refused"]) == (1, 1, 0)
    assert returned["rows"][0]["number"] == march.cases["A4"].number
    assert returned["rows"][0]["reason"] == "不属本局职责"
    assert returned["rows"][0]["outcome"] == "upheld"
    assert figures["notable"]["reopened"]["total"] == 0
    assert figures["notable"]["escalated"]["total"] == 0


def test_outline_has_the_sections_tables_and_charts(figures: dict[str, Any]) -> None:
    doc = circular_document(figures, number=NUMBER, issued=NOW)
    assert doc.organ_mark == "锦城区“街道呼·部门应”工作通报"
    assert doc.title == "关于2026年3月“街道呼·部门应”工作情况的通报"
    assert doc.date == "二〇二六年四月二日"
    top = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 1]
    assert [t[:2] for t in top] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、"]
    assert sum(isinstance(b, Figure) for b in doc.blocks) == 2
    ranking = next(b for b in doc.blocks if isinstance(b, Table))
    assert ranking.rows[0] == ["1", "城管局", "3", "81.67"]
    assert ["未排名（评议件数不足）", "交通局", "1", "95.00"] in ranking.rows


def test_the_word_file_reads_as_the_circular(figures: dict[str, Any]) -> None:
    data = render_docx(circular_document(figures, number=NUMBER, issued=NOW))
    word = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "锦城区“街道呼·部门应”工作通报" in text
    assert NUMBER in text
    assert "关于2026年3月“街道呼·部门应”工作情况的通报" in text
    for heading in ("一、总体情况", "二、区级部门考评情况", "三、街道工作情况"):
        assert heading in text
    assert "二〇二六年四月二日" in text
    ranking = word.tables[0]
    rows = [[c.text for c in row.cells] for row in ranking.rows]
    assert rows[0] == ["排名", "部门", "评议件数", "平均得分"]
    assert rows[1] == ["1", "城管局", "3", "81.67"]
    assert ["未排名（评议件数不足）", "交通局", "1", "95.00"] in rows
    # East Asian text is set in the CJK face, named through w:eastAsia.
    xml = word.element.xml
    assert 'w:eastAsia="Noto Serif CJK SC"' in xml
    assert len(word.inline_shapes) == 2  # the two charts
    assert schema_order_faults(word.element) == []


#: Children whose order Word enforces (ECMA-376), for the properties this file writes.
SCHEMA_ORDER = {
    "pPr": ["pStyle", "keepNext", "widowControl", "pBdr", "spacing", "ind", "jc"],
    "tcPr": ["tcW", "shd", "vAlign"],
    "tblPr": ["tblStyle", "tblW", "jc", "tblLayout", "tblCellMar", "tblLook"],
    "rPr": ["rFonts", "b", "color", "sz", "szCs"],
}


def schema_order_faults(root: Any) -> list[str]:
    """Property elements out of the schema's order: Word calls such a file unreadable."""
    faults = []
    for parent, order in SCHEMA_ORDER.items():
        for element in root.iter(f"{{{W}}}{parent}"):
            names = [c.tag.split("}")[1] for c in element if c.tag.split("}")[1] in order]
            if names != sorted(names, key=order.index):
                faults.append(f"{parent}: {names}")
    return faults


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def pdf_fonts(data: bytes) -> list[tuple[bytes, bool]]:
    found: list[tuple[bytes, bool]] = []
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            inflated = zlib.decompressobj().decompress(data[m.end() : m.end() + 4_000_000])
        except zlib.error:
            continue
        for name in re.findall(rb"/FontName\s*/([^\s/<>\[\]]+)", inflated):
            found.append((name, b"/FontFile" in inflated))
    return found


def test_the_pdf_embeds_a_cjk_font(figures: dict[str, Any]) -> None:
    data = render_pdf(circular_document(figures, number=NUMBER, issued=NOW))
    assert data.startswith(b"%PDF-")
    fonts = pdf_fonts(data)
    assert any(b"CJK" in name and embedded for name, embedded in fonts), fonts


def test_the_word_file_carries_text_with_control_characters() -> None:
    """Text stored before the input door dropped control characters (a title with \\x01, an
    escape sequence) must not make the circular's Word file fail: python-docx refuses them."""
    doc = CircularDocument(
        organ_mark="呼应办",
        number=NUMBER,
        title="通报",
        addressees="各街道",
        signer="呼应办",
        date="二〇二六年四月二日",
    )
    doc.p("JJ-1 路灯\x01不\x1b亮\x00")
    doc.blocks.append(Table(["事件"], [["井盖\x07丢失"]], widths=[1.0], align=["left"]))
    word = Document(io.BytesIO(render_docx(doc)))
    assert "JJ-1 路灯不亮" in [p.text for p in word.paragraphs]
    assert word.tables[0].rows[1].cells[0].text == "井盖丢失"


def test_the_rated_field_units_follow_the_departments_ranking(figures: dict[str, Any]) -> None:
    assert figures["units"] == []  # no field unit was rated in this March: no section
    units = [
        {"id": 1, "name": "东门派出所", "department": "公安分局", "cases": 4, "score": "91.50"},
        {"id": 2, "name": "综合执法一中队", "department": "城管局", "cases": 1, "score": "70.00"},
    ]
    units[0]["rank"], units[1]["rank"] = 1, None
    doc = circular_document({**figures, "units": units}, number=NUMBER, issued=NOW)
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert tables[1].columns[:3] == ["排名", "派驻机构", "所属部门"]
    assert tables[1].rows == [
        ["1", "东门派出所", "公安分局", "4", "91.50"],
        ["未排名（评议件数不足）", "综合执法一中队", "城管局", "1", "70.00"],
    ]
    text = " ".join(b.text for b in doc.blocks if hasattr(b, "text"))
    assert "共评议2个派驻机构的5件次事件" in text
    without = circular_document(figures, number=NUMBER, issued=NOW)
    assert "派驻机构" not in " ".join(str(b) for b in without.blocks)


def test_each_district_s_circular_counts_its_own_cases(march: March) -> None:
    """Two districts in one installation (a city's): each circular's overview counts its own
    district's cases, whichever district the database groups first."""
    from huying.cases.models import Case
    from huying.org.models import OrgUnit
    from huying.org.services import unit_create

    other = unit_create(kind=OrgUnit.Kind.DISTRICT, code="510299", name="青山区", abbr="QS")
    street_b_cases = [march.cases[name].pk for name in ("B1", "B2", "B3")]
    Case.objects.filter(pk__in=street_b_cases).update(district=other)
    theirs = circular_figures(district=other, year=2026, month=3, now=NOW)["overview"]
    ours = circular_figures(district=march.world.district, year=2026, month=3, now=NOW)["overview"]
    # B1 B2 B3 closed (and due) in March; the rest as hand-worked above: 8 closed, 9 due
    assert (theirs["closed"], theirs["due"]) == (3, 3)
    assert (ours["closed"], ours["due"]) == (5, 6)


def test_the_figures_count_each_family_once(
    march: March, django_assert_max_num_queries: Any
) -> None:
    """Every indicator family the circular prints is counted in one statement by street
    and, for the departments' table, one by department (the district's overview is the sum
    of one of them): the case families are the costly reads at ten million cases. The
    figures of this March took 35 statements when each grouping, and each indicator
    sharing a family, counted the family again."""
    with django_assert_max_num_queries(24):
        circular_figures(district=march.world.district, year=2026, month=3, now=NOW)
