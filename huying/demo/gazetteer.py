"""The demo district's gazetteer (地址库) and a sample 12345 export to import against it.

The gazetteer is written as the XLSX a district would keep and imported through the
gazetteer's own import, so the demo shows that file and that path: each road of the demo's
reports (``year.ROADS``) runs through a few neighbouring grids, numbered in blocks, every
other road's last block split by side (odd numbers one grid, even the next); the housing estates of
the reports' texts (``texts.ESTATES``) are compounds, and each community has its service
centre and a few named spots as landmarks, each at its grid's centre.

The sample export (``12345工单样例.xlsx`` and the same rows as a GBK ``.csv``) has the
headers of ``hotline.importing.DEFAULT_MAPPING``: most addresses are a road and a number
the gazetteer holds, written as people do (full-width digits, the district's name first, a
building and flat after); some name an estate or landmark, a few with a typo; a few are
nowhere in it (they wait in the hub's 待定位); two rows are bad (no content; a date that is
no date) and show the import's error report.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from shapely.geometry import shape

from huying.cases.models import Source
from huying.demo.district import COMMON_SURNAMES, DemoDistrict
from huying.demo.texts import ESTATES, SPECS, report_text
from huying.demo.year import PLACES, ROADS
from huying.gazetteer.importing import COLUMNS, plan_import, read_rows, run_import
from huying.hotline.importing import DEFAULT_MAPPING
from huying.org.models import OrgUnit

#: House numbers per block of a road within one grid.
BLOCK = 40
#: Landmarks besides each community's service centre, by the kind of place.
LANDMARKS = (
    "农贸市场", "小学", "幼儿园", "公园", "地铁站", "卫生服务中心", "文化广场", "派出所",
)  # fmt: skip
#: Addresses no gazetteer holds: they wait in the 待定位 queue.
NOWHERE = (
    "天府广场东侧", "春熙路步行街", "绕城高速辅道", "火车东站出站口", "人民公园西门",
    "二环路高架桥下", "宽窄巷子旁", "东郊记忆停车场",
)  # fmt: skip
#: Homophone typos a hotline operator's pinyin keyboard makes in place names.
PLACE_TYPOS = {"苑": "园", "院": "苑", "园": "苑", "场": "厂", "宿舍": "宿社", "新村": "心村"}
TICKETS = 300
CHANNELS = ("电话", "电话", "电话", "网站", "微信", "APP")
KINDS = ("投诉", "求助", "咨询", "建议", "投诉")
URGENCIES = ("一般", "一般", "一般", "紧急")


@dataclass
class SampleFiles:
    gazetteer: Path
    xlsx: Path
    csv: Path
    entries: int
    tickets: int


def build_gazetteer(
    district: DemoDistrict, data_dir: Path, *, rng_seed: int = 2026
) -> tuple[Path, int, list[tuple[str, str]]]:
    """Write the demo's gazetteer as XLSX into ``data_dir`` and import it. Returns the file,
    the entries imported and, for the sample export, the addresses it places as (kind,
    text): ("road", "锦华路13号"), ("name", "锦华苑")."""
    rng = random.Random(rng_seed)
    grids = sorted(district.grids, key=lambda g: g.path)
    centre = {g.pk: shape(g.boundary).centroid for g in grids if g.boundary}
    rows: list[list[object]] = []
    placeable: list[tuple[str, str]] = []
    # Roads: each through a run of neighbouring grids (in path order: one community's first).
    run = max(2, min(6, len(grids) // 4))
    for r, road in enumerate(ROADS):
        start = (r * len(grids)) // len(ROADS)
        for block in range(run):
            grid = grids[(start + block) % len(grids)]
            low, high = block * BLOCK + 1, (block + 1) * BLOCK
            if r % 2 and block == run - 1:  # the sides are two grids (the road between them)
                other = grids[(start + block + 1) % len(grids)]
                rows.append(["道路", road, "", low, high, "单", "", grid.code, "", ""])
                rows.append(["道路", road, "", low + 1, high, "双", "", other.code, "", ""])
            else:
                rows.append(["道路", road, "", low, high, "全", "", grid.code, "", ""])
        placeable.append(("road", f"{road}:{run * BLOCK}"))
    # Compounds: the estates of the reports, in grids spread over the district.
    for e, estate in enumerate(ESTATES):
        grid = grids[(e * 7 + 3) % len(grids)]
        point = centre.get(grid.pk)
        alias = "、".join(a for a in (f"{estate}小区",) if not estate.endswith("小区"))
        rows.append(["小区", estate, alias, None, None, "", "", grid.code, *_point(point, rng)])
        placeable.append(("name", estate))
    # Landmarks: each community's service centre; some named spots.
    by_parent: dict[int, list[OrgUnit]] = {}
    for grid in grids:
        by_parent.setdefault(grid.parent_id or 0, []).append(grid)
    for community in district.communities:
        own = by_parent.get(community.pk, [])
        if not own:
            continue
        short = community.name.removesuffix("社区").removesuffix("村")
        centre_name = f"{short}社区服务中心" if community.subtype != "村" else f"{short}村委会"
        rows.append(
            [
                "地标",
                centre_name,
                "",
                None,
                None,
                "",
                "",
                own[0].code,
                *_point(centre.get(own[0].pk), rng),
            ]
        )
        placeable.append(("name", centre_name))
        spot = f"{short}{LANDMARKS[community.pk % len(LANDMARKS)]}"
        grid = own[-1]
        rows.append(
            ["地标", spot, "", None, None, "", "", grid.code, *_point(centre.get(grid.pk), rng)]
        )
        placeable.append(("name", spot))
    path = data_dir / "演示区地址库.xlsx"
    path.write_bytes(_xlsx(list(COLUMNS), rows, title="地址库"))
    plan = run_import(plan_import(read_rows(path.read_bytes())))
    errors = [(r.line, r.errors) for r in plan.rows if r.errors]
    if errors:  # the demo's own file: a mistake here is the builder's
        raise ValueError(f"demo gazetteer rows refused: {errors[:5]}")
    return path, len(rows), placeable


def _point(point: object, rng: random.Random) -> list[object]:
    """A compound's or landmark's point near its grid's centre (WGS-84), or none (a third)."""
    if point is None or rng.random() < 0.33:
        return ["", ""]
    return [round(point.y, 6), round(point.x, 6)]  # type: ignore[attr-defined]


def sample_export(
    data_dir: Path,
    placeable: Sequence[tuple[str, str]],
    *,
    year_end: datetime,
    rng_seed: int = 2026,
    count: int = TICKETS,
) -> tuple[Path, Path, int]:
    """A 12345 export of ``count`` tickets of the last fortnight before ``year_end`` (with two
    bad rows among them), as XLSX and as a GBK CSV; nothing is imported."""
    rng = random.Random(rng_seed + 12345)
    roads = [p.split(":") for kind, p in placeable if kind == "road"]
    names = [p for kind, p in placeable if kind == "name"]
    codes = sorted(SPECS)
    header = list(DEFAULT_MAPPING)
    rows: list[list[str]] = []
    for n in range(count):
        received = year_end - timedelta(days=14) + timedelta(minutes=rng.randrange(14 * 24 * 60))
        address, road, number = _address(rng, roads, names)
        caller = f"{rng.choice(COMMON_SURNAMES)}{rng.choice(('女士', '先生'))}"
        _, content = report_text(
            rng.choice(codes),
            Source.HOTLINE,
            rng,
            road or rng.choice(ROADS),
            rng.choice(PLACES),
            number=number,
            caller=caller,
        )
        rows.append(
            [
                f"SC{received:%Y%m%d}{n + 1:05d}",
                f"{received:%Y-%m-%d %H:%M:%S}",
                caller,
                f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                rng.choice(CHANNELS),
                rng.choice(KINDS),
                content,
                address,
                "锦城区",
                "锦城区街道呼·部门应办公室",
                f"{received + timedelta(days=rng.choice((3, 5, 7))):%Y-%m-%d} 18:00",
                rng.choice(URGENCIES),
            ]
        )
    rows.sort(key=lambda r: r[1])
    rows[count // 3][6] = ""  # no content: refused
    rows[2 * count // 3][1] = "2026-13-45 25:00"  # no such time: refused
    stem = f"12345工单样例-{year_end:%Y%m%d}"
    xlsx_path, csv_path = data_dir / f"{stem}.xlsx", data_dir / f"{stem}.csv"
    xlsx_path.write_bytes(_xlsx(header, rows, title="工单"))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    csv_path.write_bytes(text.getvalue().encode("gbk", errors="replace"))
    return xlsx_path, csv_path, count


def _address(
    rng: random.Random, roads: list[list[str]], names: list[str]
) -> tuple[str, str | None, int | None]:
    """An address as a caller gives it (with its road and number, if it has them): mostly a
    road and number, some an estate or landmark (a few misspelt), a few nowhere in the
    gazetteer."""
    draw = rng.random()
    if draw < 0.07:
        return rng.choice(NOWHERE), None, None
    if draw < 0.70:
        road, top = rng.choice(roads)
        number = rng.randrange(1, int(top) + 1)
        text = f"{road}{number}号"
        if rng.random() < 0.2:
            text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        if rng.random() < 0.25:
            text = f"锦城区{text}"
        if rng.random() < 0.3:
            text += f"{rng.randint(1, 12)}栋{rng.randint(1, 4)}单元"
        elif rng.random() < 0.2:
            text += rng.choice(("附近", "门口", "对面"))
        return text, road, number
    name = rng.choice(names)
    if rng.random() < 0.2:
        for right, wrong in PLACE_TYPOS.items():
            if right in name:
                name = name.replace(right, wrong, 1)
                break
    if rng.random() < 0.4:
        name += rng.choice(("门口", "旁边", f"{rng.randint(1, 9)}栋", "后门"))
    return name, None, None


def _xlsx(header: list[str], rows: Sequence[Sequence[object]], *, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
