"""地址落格: an address as people write it → the grid (and community, and point) it is in,
by the district's gazetteer. Plain Python over plain values: build a ``Matcher`` once (one
query for the whole gazetteer, ``huying.gazetteer.selectors.matcher``), then ``locate`` as
many addresses as an import has, with no query each.

The order of trust:

1. a road and a house number: the range of that road holding the number, its parity
   respected (单号 odd, 双号 even, 全 both) — a number is a fact, a name only a likeness;
2. a compound's or a landmark's name (or alias) written in the address, the longest first;
3. else the likeliest by a fuzzy match, at or above ``threshold``: the share of the name's
   jieba words in the address's, or of its characters in the best stretch of the address
   of the name's length, or of its syllables (a homophone typed by pinyin: 锦华园 for 锦华苑),
   whichever is highest (words in another order keep their words).

Two grids equally likely is no answer (None): a wrong grid sends a case to the wrong
street, while no grid sends it to a person (the hub's 待定位 queue).
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property

from huying.core.text import cut, syllables

ROAD, COMPOUND, LANDMARK = "road", "compound", "landmark"
ALL, ODD, EVEN = "all", "odd", "even"

#: The least fuzzy score that places an address (1.0: the name is written in it). A character
#: typed wrong passes in a name of six or more (5/6 ≈ 0.83), a homophone in any (0.95), one
#: put in (东门的码头) in a name of four or more; a five-character name with one character
#: not its own (0.8) does not: that is as often another place as a typo.
THRESHOLD = 0.82
#: A name that sounds the same (锦华园 for 锦华苑, typed by pinyin) counts a little less than
#: one written the same.
SOUNDS_ALIKE = 0.95
#: The most a fuzzy match scores.
FUZZY_BEST = 0.99
#: Names scored per address at most, and how many names share a character pair before the
#: pair is too common to pick them by (see ``Matcher._near``).
CANDIDATES = 24
COMMON_PAIR = 200
#: The least score a near miss is offered at (``Matcher.near_misses``): the person placing
#: by hand sees it as a choice, never as an answer.
NEAR_MISS_FLOOR = 0.5

#: Province and city heads an export may carry before the district's own names: a city only
#: when a 区 or 县 follows it closely, or 农贸市场 and 超市 would lose their heads.
_HEADS = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,6}?(?:省|自治区)(?=[\u4e00-\u9fff]{2,4}?市))?"
    r"(?:[\u4e00-\u9fff]{2,4}?市(?=[\u4e00-\u9fff]{1,6}?[区县]))?"
)
#: Parts of a building under the address's place: 3栋, 2单元, 5楼, 502室, 3号楼, 附3号.
_BUILDING = re.compile(r"(?:附)?\d+(?:号楼|栋|幢|座|单元|楼|层|室|户)")
#: Filler that says nothing of where: 附近, 旁边, 门口, 对面…
_NEAR = re.compile(r"(?:附近|旁边|门口|对面|周边|一带|处|段)$")
_SPACES = re.compile(r"\s+")
#: A house number right after a road: 12号, 12-3号, 12号附1号, 12弄; or a bare 12 ending it.
_NUMBER = re.compile(r"^(?:[东西南北中]段)?(\d+)(?:[-—~之](\d+))?(?:号|弄|#)")
_BARE_NUMBER = re.compile(r"^(\d+)(?!\d)")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?=号|弄|栋|幢|单元)")


@dataclass(frozen=True)
class Spot:
    """One gazetteer entry as the matcher needs it (``huying.gazetteer.models.Entry``)."""

    id: int
    kind: str  # ROAD, COMPOUND or LANDMARK
    name: str
    grid_id: int | None
    community_id: int | None
    aliases: tuple[str, ...] = ()
    number_from: int | None = None
    number_to: int | None = None
    parity: str = ALL
    lat: float | None = None
    lng: float | None = None

    def holds(self, number: int) -> bool:
        """A road range holds a house number: within it, on its side of the road."""
        low = self.number_from if self.number_from is not None else 1
        high = self.number_to if self.number_to is not None else 10**9
        if not low <= number <= high:
            return False
        return self.parity == ALL or (number % 2 == 1) == (self.parity == ODD)


@dataclass(frozen=True)
class Placement:
    """Where an address is: the grid (or only the community, for an entry that spans a
    community's grids), the entry's point if it has one, the entry that said so, and how
    sure (1.0 a number in a range or a name written whole)."""

    grid_id: int | None
    community_id: int | None
    lat: float | None
    lng: float | None
    entry_id: int
    entry_name: str
    score: float
    how: str  # "number", "name" or "fuzzy"


def normalise(address: str, prefixes: Iterable[str] = ()) -> str:
    """The address as the matcher reads it: NFKC (全角 ０-９, Ａ-Ｚ and ＃ become half-width),
    no spaces or punctuation, Chinese numerals before 号/栋/单元 as digits, the province,
    city and the district's own names (``prefixes``: 锦城区, 锦官驿街道…) cut from the front."""
    text = unicodedata.normalize("NFKC", address or "")
    text = _SPACES.sub("", text)
    text = re.sub(r"[,，.。;；:：、()（）\[\]【】\"'“”‘’<>《》!！?？]", "", text)
    text = _CN_NUMBER.sub(lambda m: str(_cn_number(m.group(0))), text)
    text = _HEADS.sub("", text, count=1)
    ordered = sorted({p for p in prefixes if p}, key=len, reverse=True)
    cut_one = True
    while cut_one and text:
        cut_one = False
        for prefix in ordered:
            if text.startswith(prefix) and len(text) > len(prefix):
                text, cut_one = text[len(prefix) :], True
                break
    return text


def _cn_number(text: str) -> int:
    """一百零二 → 102, 十五 → 15, 二五 → 25 (read digit by digit when there is no 十/百)."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif char == "十":
            total, digit = total + (digit or 1) * 10, 0
    return total + digit


class _Name:
    """A compound's or landmark's name (or alias), normalised; its jieba words and syllables
    are worked out the first time the name is scored (most never are)."""

    def __init__(self, text: str, spot: Spot) -> None:
        self.text, self.spot = text, spot

    @cached_property
    def words(self) -> Counter[str]:
        return Counter(_words(self.text))

    @cached_property
    def pairs(self) -> set[str]:
        return _pairs(self.text)

    @cached_property
    def sounds(self) -> tuple[str, ...]:
        return tuple(syllables(self.text))


@dataclass
class Matcher:
    """The gazetteer, indexed once: roads by name (and alias), the other names by their
    character pairs (which names an address could be near) and their jieba words."""

    spots: Sequence[Spot]
    prefixes: Sequence[str] = ()
    threshold: float = THRESHOLD
    _roads: dict[str, list[Spot]] = field(default_factory=dict, init=False)
    _road_names: list[str] = field(default_factory=list, init=False)
    _names: list[_Name] = field(default_factory=list, init=False)
    _by_text: dict[str, list[_Name]] = field(default_factory=dict, init=False)
    _lengths: list[int] = field(default_factory=list, init=False)
    _by_pair: dict[str, list[int]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        pairs: dict[str, list[int]] = defaultdict(list)
        for spot in self.spots:
            # Read as the addresses are: 锦城区人民医院 is 人民医院 once 锦城区 is cut off both.
            names = {normalise(n, self.prefixes) for n in (spot.name, *spot.aliases)} - {""}
            if spot.kind == ROAD:
                for name in names:
                    self._roads.setdefault(name, []).append(spot)
                continue
            for name in names:
                at = len(self._names)
                entry = _Name(name, spot)
                self._names.append(entry)
                self._by_text.setdefault(name, []).append(entry)
                for pair in _pairs(name):
                    pairs[pair].append(at)
        self._by_pair = dict(pairs)
        self._lengths = sorted({len(n) for n in self._by_text}, reverse=True)
        self._road_names = sorted(self._roads, key=len, reverse=True)

    def locate(self, address: str) -> Placement | None:
        """Where ``address`` is, or None: nothing matches well enough, or two grids do."""
        text = normalise(address, self.prefixes)
        if not text:
            return None
        by_number = self._by_road(text)
        if isinstance(by_number, _Nowhere):
            return None  # a road named with a number no range holds: unknown
        if by_number is not None:
            return by_number
        plain = _BUILDING.sub("", text)
        return self._by_name(plain) or self._by_fuzzy(plain)

    # --- 1. road and house number ----------------------------------------------------------

    def _by_road(self, text: str) -> Placement | _Nowhere | None:
        """The placement by road and number; None when no road with a number is written in
        the address (the names decide then); ``NOWHERE`` when one is but no range holds it or
        two grids do."""
        for name in self._road_names:
            start = text.find(name)
            if start < 0:
                continue
            rest = text[start + len(name) :]
            match = _NUMBER.match(rest) or _BARE_NUMBER.match(rest)
            if match is None:
                continue  # the road named without a number (路口, 沿线): not a number's place
            number = int(match.group(1))
            held = [s for s in self._roads[name] if s.holds(number)]
            return _one(held, score=1.0, how="number") or NOWHERE
        return None

    # --- 2. a name written whole -------------------------------------------------------------

    def _by_name(self, text: str) -> Placement | None:
        """The names written in the text, the longest first: a look-up per stretch of the
        text as long as some name, however many names there are."""
        for length in self._lengths:
            found = [
                name
                for start in range(len(text) - length + 1)
                for name in self._by_text.get(text[start : start + length], ())
            ]
            if found:
                return _one([n.spot for n in found], score=1.0, how="name")
        return None

    # --- 3. the likeliest name -----------------------------------------------------------------

    def _by_fuzzy(self, text: str) -> Placement | None:
        ranked = self._fuzzy_ranked(text)
        if not ranked or ranked[0][0] < self.threshold:
            return None
        if len(ranked) > 1 and round(ranked[1][0], 3) == round(ranked[0][0], 3):
            return None  # two grids as likely
        score, spot = ranked[0]
        # Below a name written whole, however alike: all its words, but not as written.
        return _placement(spot, score=min(FUZZY_BEST, round(score, 3)), how="fuzzy")

    def _fuzzy_ranked(self, text: str) -> list[tuple[float, Spot]]:
        """The likeliest name of each grid (or community), the likeliest first."""
        text = _NEAR.sub("", text)
        words = Counter(_words(text))
        sounds = syllables(text)
        best: dict[tuple[str, int | None], tuple[float, Spot]] = {}
        for name in self._near(text):
            score = max(
                _word_share(name.words, words, name.text, text),
                _likeness(name.text, text),
                SOUNDS_ALIKE * _likeness(name.sounds, sounds),
            )
            spot = name.spot
            key = ("grid", spot.grid_id) if spot.grid_id else ("community", spot.community_id)
            if key not in best or score > best[key][0]:
                best[key] = (score, spot)
        return sorted(best.values(), key=lambda pair: pair[0], reverse=True)

    # --- 4. for a person: what it might be -----------------------------------------------------

    def near_misses(self, address: str, top: int = 3) -> list[Placement]:
        """The places an address that ``locate`` left alone might be, the likeliest first,
        one per grid: the ranges of a road it names (its number in none of them, or in two
        grids'), the names written in it that two grids share, then the likeliest names below
        the threshold (at ``NEAR_MISS_FLOOR`` or above). Choices for the hub's 待定位 queue."""
        text = normalise(address, self.prefixes)
        if not text:
            return []
        plain = _BUILDING.sub("", text)
        found: list[Placement] = []
        for name in self._road_names:
            if name in text:
                found += [_placement(s, score=0.9, how="road") for s in self._roads[name]]
        for length in self._lengths:
            for start in range(len(plain) - length + 1):
                for entry in self._by_text.get(plain[start : start + length], ()):
                    found.append(_placement(entry.spot, score=1.0, how="name"))
        for score, spot in self._fuzzy_ranked(plain):
            if score >= NEAR_MISS_FLOOR:
                found.append(_placement(spot, score=min(FUZZY_BEST, round(score, 3)), how="fuzzy"))
        out: list[Placement] = []
        seen: set[tuple[int | None, int | None]] = set()
        for placement in sorted(found, key=lambda p: -p.score):
            key = (placement.grid_id, None if placement.grid_id else placement.community_id)
            if key not in seen:
                seen.add(key)
                out.append(placement)
        return out[:top]

    def _near(self, text: str) -> list[_Name]:
        """The few names worth scoring: those sharing the most character pairs with the text.
        Pairs that many names have (小区, 花园) only count when the text has no rarer one:
        they would bring in half the gazetteer and say nothing of which name it is."""
        mine = _pairs(text)
        pairs = sorted((p for p in mine if p in self._by_pair), key=lambda p: len(self._by_pair[p]))
        rare = [p for p in pairs if len(self._by_pair[p]) <= COMMON_PAIR] or pairs[:2]
        found: set[int] = set()
        for pair in rare:
            found.update(self._by_pair[pair])
        # Ranked by every pair they share, the common ones too.
        best = heapq.nlargest(CANDIDATES, found, key=lambda i: len(self._names[i].pairs & mine))
        return [self._names[i] for i in best]


class _Nowhere:
    """A road with a number that no range places: the address is not for the names."""

    def __bool__(self) -> bool:
        return False


NOWHERE = _Nowhere()


def _one(spots: list[Spot], *, score: float, how: str) -> Placement | None:
    """The one place these entries agree on: one grid (or, for entries with none, one
    community); None when they name two."""
    if not spots:
        return None
    grids = {s.grid_id for s in spots}
    communities = {s.community_id for s in spots}
    if len(grids) > 1 or (grids == {None} and len(communities) > 1):
        return None
    return _placement(spots[0], score=score, how=how)


def _placement(spot: Spot, *, score: float, how: str) -> Placement:
    return Placement(
        grid_id=spot.grid_id,
        community_id=spot.community_id,
        lat=spot.lat,
        lng=spot.lng,
        entry_id=spot.id,
        entry_name=spot.name,
        score=score,
        how=how,
    )


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _words(text: str) -> list[str]:
    """jieba's words of the text (``huying.core.text.cut``), digits and single particles out."""
    return [w for w in cut(text) if len(w) > 1 or ("\u4e00" <= w <= "\u9fff" and w not in "的号")]


def _word_share(name: Counter[str], words: Counter[str], name_text: str, text: str) -> float:
    """How much of the name, by characters, is in words the address has too (as often as the
    name has them), less as those words lie further apart in the address than in the name
    (天悦和美幼儿园 has every word of 天悦和美苑, but not as one name)."""
    total = sum(len(w) * n for w, n in name.items())
    shared = name & words
    if not total or not shared:
        return 0.0
    spots = [(text.find(w), text.find(w) + len(w)) for w in shared]
    span = max(end for _, end in spots) - min(start for start, _ in spots)
    covered = sum(len(w) * n for w, n in shared.items())
    return covered / total * min(1.0, len(name_text) / max(span, 1))


def _likeness(name: Sequence[str], text: Sequence[str]) -> float:
    """The best likeness (difflib's ratio) of the name to a stretch of the address as long
    as it or a character longer (a character dropped from a short name leaves too little:
    锦华 is as near 锦华路 as 锦华苑). Characters, or syllables for a homophone typo."""
    best = 0.0
    matcher: SequenceMatcher[str] = SequenceMatcher(autojunk=False)
    matcher.set_seq2(name)
    for width in (len(name), len(name) + 1):
        for start in range(max(1, len(text) - width + 1)):
            matcher.set_seq1(text[start : start + width])
            if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
                continue
            best = max(best, matcher.ratio())
    return best
