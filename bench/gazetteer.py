"""How fast the gazetteer places addresses (地址落格), in plain Python, no database:

    .venv/bin/python bench/gazetteer.py [--grids 3000] [--addresses 20000]

A district-sized gazetteer is made up: ``--grids`` grids, a road per ten grids numbered in
blocks of 40 through them (every fourth block split odd/even), two compounds and two
landmarks per grid from the demo's words. Then ``--addresses`` addresses drawn as the demo's
sample export draws them (numbers, names, misspellings, nowhere) are placed. Prints the
matcher's build time, and by how each address was placed (a number's range, a name written
whole, a fuzzy match, none): how many, how many of them in the right grid (for none: the
addresses that are nowhere), and the time per address.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")

import django

django.setup()

from huying.demo.gazetteer import PLACE_TYPOS  # noqa: E402
from huying.gazetteer.matching import COMPOUND, EVEN, LANDMARK, ODD, ROAD, Matcher, Spot  # noqa: E402

HEADS = "东西南北中新老上下前后"
TAILS = ("路", "街", "大道", "巷")
SPOTS = ("农贸市场", "小学", "幼儿园", "公园", "地铁站", "卫生服务中心", "文化广场", "派出所")
#: Words that make up place names (a real gazetteer's are no more varied).
WORDS = [
    "金桂",
    "银杏",
    "翠竹",
    "丹枫",
    "青松",
    "紫荆",
    "海棠",
    "芙蓉",
    "玉兰",
    "红梅",
    "清水",
    "白鹭",
    "锦绣",
    "瑞祥",
    "福源",
    "康宁",
    "长乐",
    "永安",
    "安居",
    "和美",
    "东湖",
    "西岭",
    "南苑",
    "北辰",
    "望月",
    "听涛",
    "观澜",
    "临江",
    "滨河",
    "碧波",
    "晨曦",
    "朝阳",
    "星河",
    "云顶",
    "天悦",
    "嘉禾",
    "兴隆",
    "盛世",
    "华府",
    "凤凰",
]
SUFFIXES = ("苑", "园", "花园", "家园", "新村", "公寓", "小区", "雅居", "华庭", "名邸")


def gazetteer(
    grids: int, rng: random.Random
) -> tuple[list[Spot], list[tuple[str, int]], dict[str, int]]:
    spots: list[Spot] = []
    roads: list[tuple[str, int]] = []
    names: dict[str, int] = {}
    taken: set[str] = set()

    def fresh(make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name not in taken:
                taken.add(name)
                return name
        return ""

    def add(**kw: Any) -> None:
        spots.append(Spot(id=len(spots) + 1, **kw))

    for _r in range(grids // 10):
        road = fresh(lambda: f"{rng.choice(WORDS)}{rng.choice(HEADS)}{rng.choice(TAILS)}")
        if not road:
            continue
        start = rng.randrange(grids)
        for block in range(10):
            grid, low, high = (start + block) % grids, block * 40 + 1, block * 40 + 40
            place = {"kind": ROAD, "name": road, "community_id": grid // 7}
            if block % 4 == 3:  # odd numbers one side, even the other
                add(**place, grid_id=grid, number_from=low, number_to=high, parity=ODD)
                add(**place, grid_id=grid + 1, number_from=low + 1, number_to=high, parity=EVEN)
            else:
                add(**place, grid_id=grid, number_from=low, number_to=high)
        roads.append((road, 400))
    for g in range(grids):
        for _k in range(2):
            estate = fresh(lambda: f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(SUFFIXES)}")
            spot = fresh(lambda: f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(SPOTS)}")
            if estate:
                add(kind=COMPOUND, name=estate, grid_id=g, community_id=g // 7)
                names[estate] = g
            if spot:
                add(kind=LANDMARK, name=spot, grid_id=g, community_id=g // 7)
                names[spot] = g
    return spots, roads, names


def address(
    rng: random.Random, roads: list[tuple[str, int]], names: dict[str, int], spots: list[Spot]
) -> tuple[str, int | None]:
    """An address and the grid it is in (None: nowhere in the gazetteer)."""
    draw = rng.random()
    if draw < 0.07:
        return rng.choice(("天府广场东侧", "春熙路步行街", "绕城高速辅道")), None
    if draw < 0.7:
        road, top = rng.choice(roads)
        number = rng.randrange(1, top + 1)
        grid = next(s.grid_id for s in spots if s.name == road and s.holds(number))
        return f"锦城区{road}{number}号{rng.randint(1, 12)}栋", grid
    name = rng.choice(list(names))
    grid = names[name]
    if rng.random() < 0.2:
        for right, wrong in PLACE_TYPOS.items():
            if right in name:
                name = name.replace(right, wrong, 1)
                break
    return name + rng.choice(("", "门口", "3栋")), grid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=3000)
    parser.add_argument("--addresses", type=int, default=20000)
    args = parser.parse_args()
    rng = random.Random(2026)
    spots, roads, names = gazetteer(args.grids, rng)
    began = time.perf_counter()
    matcher = Matcher(spots, prefixes=("锦城区",))
    built = time.perf_counter() - began
    addresses = [address(rng, roads, names, spots) for _ in range(args.addresses)]
    times: dict[str, list[float]] = defaultdict(list)
    how: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for text, grid in addresses:
        t = time.perf_counter()
        placed = matcher.locate(text)
        key = placed.how if placed else "none"
        times[key].append((time.perf_counter() - t) * 1000)
        how[key] += 1
        right[key] += (placed.grid_id if placed else None) == grid
    total = sum(sum(v) for v in times.values())
    print(
        f"gazetteer: {len(spots)} entries over {args.grids} grids; matcher built in {built:.2f} s"
    )
    print(
        f"{args.addresses} addresses in {total / 1000:.2f} s ({total / args.addresses:.3f} ms each)"
    )
    for key, values in sorted(times.items()):
        values.sort()
        p95 = values[int(len(values) * 0.95)]
        print(
            f"  {key:<7} {how[key]:>6} ({right[key]} right)  "
            f"p50 {statistics.median(values):.3f} ms  p95 {p95:.3f} ms"
        )


if __name__ == "__main__":
    main()
