"""地址落格 in plain Python: the matcher over a hand-made gazetteer, no database."""

from __future__ import annotations

import pytest

from huying.gazetteer.matching import (
    COMPOUND,
    EVEN,
    LANDMARK,
    ODD,
    ROAD,
    Matcher,
    Spot,
    normalise,
)

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

PREFIXES = ("锦城区", "锦官驿街道", "锦官驿", "望江路街道")

SPOTS = [
    # 锦华路: odd numbers 1–99 in grid 11, even 2–98 in grid 12, 101–199 both sides in 13.
    Spot(1, ROAD, "锦华路", 11, 1, number_from=1, number_to=99, parity=ODD),
    Spot(2, ROAD, "锦华路", 12, 1, number_from=2, number_to=98, parity=EVEN),
    Spot(3, ROAD, "锦华路", 13, 2, number_from=101, number_to=199),
    Spot(4, ROAD, "东大街", 14, 2, aliases=("东大街下东大街段",), number_from=1, number_to=300),
    # A road whose 50–60 is claimed by two grids (a gazetteer mistake): no answer there.
    Spot(5, ROAD, "书院街", 15, 3, number_from=1, number_to=60),
    Spot(6, ROAD, "书院街", 16, 3, number_from=50, number_to=120),
    Spot(7, COMPOUND, "锦华苑", 11, 1, aliases=("锦华小区",), lat=30.61, lng=104.01),
    Spot(8, COMPOUND, "东篱院", 12, 1),
    Spot(9, COMPOUND, "望江花园", 14, 2),
    Spot(10, LANDMARK, "水井坊博物馆", 13, 2, lat=30.62, lng=104.02),
    Spot(11, LANDMARK, "东门码头", 15, 3),
    # Two landmarks of one name in two grids.
    Spot(12, LANDMARK, "社区广场", 11, 1),
    Spot(13, LANDMARK, "社区广场", 16, 3),
    # A compound that spans its community's grids: placed in the community only.
    Spot(14, COMPOUND, "双林新村", None, 4),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(SPOTS, prefixes=PREFIXES)


def where(matcher: Matcher, address: str) -> tuple[int | None, int | None, str] | None:
    placed = matcher.locate(address)
    return None if placed is None else (placed.grid_id, placed.entry_id, placed.how)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("锦城区锦华路１２号", "锦华路12号"),
        ("四川省成都市锦城区 锦官驿街道 锦华路 12 号", "锦华路12号"),
        ("锦华路十二号", "锦华路12号"),
        ("锦华路一百零二号", "锦华路102号"),
        ("锦华苑三栋二单元", "锦华苑3栋2单元"),
        ("（锦华路）１２号，", "锦华路12号"),
        ("锦城区", "锦城区"),  # a prefix alone is kept: it is all there is
        ("成都市锦城区锦华路12号", "锦华路12号"),
        ("天悦玉兰农贸市场", "天悦玉兰农贸市场"),  # no city: no 区 or 县 after its 市
        ("锦华路超市门口", "锦华路超市门口"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text, PREFIXES) == expected


@pytest.mark.parametrize(
    ("address", "grid"),
    [
        ("锦华路13号", 11),  # odd
        ("锦华路14号", 12),  # even
        ("锦华路99号", 11),  # the range's end
        ("锦华路 101号", 13),  # the next range, both sides
        ("锦华路150号附近", 13),
        ("锦华路12-3号", 12),  # the number before the dash decides
        ("锦华路38号3栋2单元502室", 12),
        ("锦城区锦官驿街道锦华路７号", 11),  # full-width digit, the district's names before it
        ("东大街下东大街段25号", 14),  # an alias
        ("东大街100号", 14),
    ],
)
def test_a_road_and_a_number_place_by_the_range_that_holds_it(
    matcher: Matcher, address: str, grid: int
) -> None:
    placed = matcher.locate(address)
    assert placed is not None and placed.grid_id == grid
    assert placed.how == "number" and placed.score == 1.0


def test_parity_is_respected(matcher: Matcher) -> None:
    """Odd and even sides of 锦华路 are different grids; 98 is even's last, 99 odd's."""
    assert where(matcher, "锦华路98号") == (12, 2, "number")
    assert where(matcher, "锦华路97号") == (11, 1, "number")


def test_a_number_no_range_holds_places_nothing(matcher: Matcher) -> None:
    """The road is known, the number is not: a name elsewhere in the address is no help."""
    assert matcher.locate("锦华路100号") is None  # even, beyond even's 98; below 101
    assert matcher.locate("锦华路500号锦华苑") is None
    assert matcher.locate("东大街301号") is None


def test_two_grids_claiming_a_number_is_no_answer(matcher: Matcher) -> None:
    assert matcher.locate("书院街55号") is None
    assert where(matcher, "书院街45号") == (15, 5, "number")
    assert where(matcher, "书院街65号") == (16, 6, "number")


def test_a_road_without_a_number_leaves_it_to_the_names(matcher: Matcher) -> None:
    assert where(matcher, "锦华路锦华苑3栋") == (11, 7, "name")
    assert matcher.locate("锦华路与东大街交叉口") is None


def test_a_compound_or_landmark_named_whole(matcher: Matcher) -> None:
    placed = matcher.locate("锦城区望江花园5栋门口")
    assert placed is not None and (placed.grid_id, placed.community_id) == (14, 2)
    assert placed.how == "name" and placed.score == 1.0
    assert where(matcher, "水井坊博物馆门口") == (13, 10, "name")
    assert where(matcher, "东门码头旁边的绿道") == (15, 11, "name")


def test_the_entrys_point_comes_with_it(matcher: Matcher) -> None:
    placed = matcher.locate("水井坊博物馆")
    assert placed is not None and (placed.lat, placed.lng) == (30.62, 104.02)
    unpointed = matcher.locate("东篱院")
    assert unpointed is not None and (unpointed.lat, unpointed.lng) == (None, None)


def test_aliases(matcher: Matcher) -> None:
    assert where(matcher, "锦华小区2栋") == (11, 7, "name")


def test_the_longest_name_wins() -> None:
    """望江花园 in the address is 望江花园, not a landmark 花园 elsewhere."""
    m = Matcher([*SPOTS, Spot(20, LANDMARK, "花园", 16, 3)])
    assert where(m, "望江花园3栋") == (14, 9, "name")


def test_a_compound_placed_in_its_community_only(matcher: Matcher) -> None:
    placed = matcher.locate("双林新村12栋")
    assert placed is not None and (placed.grid_id, placed.community_id) == (None, 4)


@pytest.mark.parametrize(
    ("address", "entry"),
    [
        ("锦华园3栋", 7),  # a typo: 园 for 苑
        ("望江花苑", 9),
        ("水井坊的博物馆门口", 10),  # words apart
        ("东门的码头", 11),
        ("东篱苑小区门口", 8),
    ],
)
def test_fuzzy_names_above_the_threshold(matcher: Matcher, address: str, entry: int) -> None:
    placed = matcher.locate(address)
    assert placed is not None and placed.entry_id == entry
    assert placed.how == "fuzzy" and matcher.threshold <= placed.score < 1.0


def test_a_fuzzy_score_below_the_threshold_places_nothing(matcher: Matcher) -> None:
    assert matcher.locate("锦江花园") is None  # shares 花园 with 望江花园 only
    strict = Matcher(SPOTS, threshold=0.99)
    assert strict.locate("锦华园3栋") is None
    lax = Matcher(SPOTS, threshold=0.5)
    assert lax.locate("锦江花园") is not None


def test_two_grids_as_likely_is_no_answer(matcher: Matcher) -> None:
    assert matcher.locate("社区广场") is None  # one name, two grids
    assert matcher.locate("锦华苑东篱院之间") is None  # two names as long, two grids


@pytest.mark.parametrize("address", ["", "   ", "不知道在哪里", "12345", "锦城区", "天府广场"])
def test_nothing(matcher: Matcher, address: str) -> None:
    assert matcher.locate(address) is None


def test_an_empty_gazetteer_places_nothing() -> None:
    assert Matcher([]).locate("锦华路12号") is None


def test_words_far_apart_or_fewer_times_are_not_the_name() -> None:
    """Every word of 天悦和美苑 is in 天悦和美幼儿园, but not as one name; 安居安居苑 has 安居
    twice, 东湖安居苑 once."""
    m = Matcher(
        [
            Spot(1, COMPOUND, "天悦和美苑", 1, 1),
            Spot(2, COMPOUND, "安居安居苑", 2, 1),
            Spot(3, LANDMARK, "天悦农贸市场", 3, 1),
        ]
    )
    assert m.locate("天悦和美幼儿园门口") is None
    assert m.locate("东湖安居苑3栋") is None
    assert where(m, "天悦农贸市场门口") == (3, 3, "name")  # 市 here is no city
    assert where(m, "天悦和美园") == (1, 1, "fuzzy")  # the homophone typo still is


def test_among_many_alike_names_the_nearest_is_scored() -> None:
    """Thousands of names sharing their characters (花园, 农贸市场): the candidates are the
    names sharing the address's rarer character pairs, ranked by all they share."""
    words = [
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
    ]
    spots = [
        Spot(i, LANDMARK, f"{a}{b}{tail}", i, 1)
        for i, (a, b, tail) in enumerate(
            ((a, b, tail) for a in words for b in words for tail in ("花园", "农贸市场", "幼儿园")),
            start=1,
        )
    ]
    m = Matcher(spots)
    target = next(s for s in spots if s.name == "玉兰红梅农贸市场")
    placed = m.locate("玉兰红梅农贸市厂门口")  # 厂 for 场
    assert placed is not None and placed.entry_id == target.id and placed.how == "fuzzy"


def near(matcher: Matcher, address: str) -> list[tuple[int | None, int, str]]:
    return [(p.grid_id, p.entry_id, p.how) for p in matcher.near_misses(address)]


def test_near_misses_offer_what_locate_would_not_decide(matcher: Matcher) -> None:
    """Left unplaced, an address still has likely places for the person who places it."""
    # One name, two grids: both offered, whole names first.
    assert near(matcher, "社区广场") == [(11, 12, "name"), (16, 13, "name")]
    # Two names as long: both.
    assert {g for g, _e, _h in near(matcher, "锦华苑东篱院之间")} == {11, 12}
    # A road named with a number no range holds: the road's grids, nearest ranges as choices.
    assert {(g, h) for g, _e, h in near(matcher, "锦华路100号")} == {
        (11, "road"),
        (12, "road"),
        (13, "road"),
    }
    # Below the threshold: the likeliest name, as a choice.
    [(grid, entry, how)] = near(matcher, "锦江花园")[:1]
    assert (grid, entry, how) == (14, 9, "fuzzy")


def test_near_misses_are_one_per_grid_and_at_most_three(matcher: Matcher) -> None:
    offered = matcher.near_misses("书院街55号社区广场东门码头")
    assert len(offered) <= 3
    assert len({p.grid_id for p in offered}) == len(offered)
    assert [p.score for p in offered] == sorted((p.score for p in offered), reverse=True)


@pytest.mark.parametrize("address", ["", "不知道在哪里", "12345"])
def test_no_near_miss_for_nothing_alike(matcher: Matcher, address: str) -> None:
    assert matcher.near_misses(address) == []
