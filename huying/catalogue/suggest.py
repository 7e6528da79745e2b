"""Which catalogue item a report is about, and at what level, from its Chinese text: the
cold-start scorer, which needs no history (issue #11's first slice; the learned model will be
blended with it).

Reports are written on phone keyboards, by hotline operators and in street chiefs' shorthand,
so an item is matched three ways and *ranked*, never "first hit wins":

- its terms (name, keywords, synonyms) found as written — a longer term weighs more;
- character bigrams shared with its terms — a wrong character still leaves most of them;
- pinyin — a homophone typo from a pinyin keyboard (路登 for 路灯) reads the same.

The level starts at the item's default and is moved up by cues in the text (danger to life,
many people, several departments, the media, repeated reports); every cue that weighed is
said in ``why``, so a person can trust or overrule the suggestion. No HTTP, no database
writes: callers pass the items (``selectors.current_items()``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from huying.catalogue.models import CatalogueItem, Level
from huying.core.text import syllables

#: Items returned, best first.
TOP = 5
#: How sharply the confidences separate the scores (a softmax temperature, in score units).
TEMPERATURE = 1.5
#: An item needs at least this score to be suggested at all.
FLOOR = 0.6

#: Cues that move the level up, with the level they call for at least: regular expressions,
#: because the same thing is said many ways ("反映了三次", "投诉三四回", "第五次来电";
#: "城管说归交警，交警说归城管"). A cue said as a fear ("万一着火", "真要着火了") is not one.
LEVEL_CUES: tuple[tuple[int, Any, str], ...] = (
    (
        Level.MAJOR,
        _("危及人身安全"),
        r"被困|困在|困住|关在.{0,4}(里|头)|出不来|没出来|被埋|压在.{0,2}下|砸(到|中|伤|翻)"
        r"|(摔|擦|碰|撞|划)(伤|破|断)|骨折|受伤|伤人|(出|流|淌)(了好多)?血|晕倒|昏迷|不省人事"
        r"|送(医|到医院)|打120|打119|死亡|人命|坍塌|倒塌|(屋顶|房子|楼|架子|边坡)垮|垮塌|摔下来|躺着不动|爆炸"
        r"|起火|着火|失火|烧起来|冒(黑)?烟|冒火花|火(好|很)大|触电|(遭|被)电(打|击)|漏气"
        r"|燃气泄漏|溺水|掉(下去|进)|跌落|坠亡|差点(砸|打|摸)到",
    ),
    (
        Level.MAJOR,
        _("涉及人数多"),
        r"上百(名|个|号)?(人|居民|群众|工人|业主)|(几|数)百(名|个)?人|一百多(名|个)?(人|工人|居民)"
        r"|群体|聚集|围堵|堵(住)?(大门|路口|政府)|情绪激动",
    ),
    (
        Level.COMPLEX,
        _("涉及多个部门"),
        r"(多|几|三|两)个部门|几家(部门|单位)?(都|互相)|各家|部门都管不了|(没|莫得|没得|无)人管|没人(来)?(修|拆|处理)"
        r"|互相推|推来推去|推诿|踢皮球|管不了|不归.{0,3}管|(不是|不归|不在)(自己|自家|他们|我们|他)"
        r"|对方|别人管|找别个|两头跑|说[^。；]{0,10}(归|管|找|是)[^。；]{1,12}说[^。；]{0,10}(归|管|找|要|是)",
    ),
    (Level.COMPLEX, _("媒体关注"), r"媒体|记者|曝光|电视台|热搜|网友|发到网上|抖音|微博"),
    (
        Level.COMPLEX,
        _("反复反映"),
        r"(反映|投诉|来电|报警|报|打|说|喊|找|求助)(了|过)?(不下)?(好多|好几|无数|多|[两二三四五六七八九十几]+)(次|回|遍)"
        r"|第[二三四五六七八九十]+(次|回)|多次|反复反映|屡次|一直没(解决|修|处理|人)"
        r"|又来了|又开起来|再次反映|仍未|至今|照(摆|停|开)不误|没(得)?结果|不了了之"
        r"|(说|喊|反映|投诉)了(一|半|好几|几)(年|个月)",
    ),
)
#: A cue said as a fear or a supposition, not as what happened.
_SUPPOSED = re.compile(
    r"(万一|要是|如果|假如|一旦|真要|真的|怕|担心|容易)[^，。；！？,.;!?\s]{0,3}$"
)

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class ItemSuggestion:
    item: CatalogueItem
    confidence: float  # 0–1, the items' confidences sum to at most 1
    why: tuple[str, ...]  # the words that weighed most


@dataclass(frozen=True)
class Suggestion:
    items: list[ItemSuggestion]
    level: int | None  # None: no item to start from and no cue
    level_why: tuple[str, ...] = ()
    lead: Any = None  # the top item's lead department
    co: list[Any] = field(default_factory=list)
    model: int | None = None  # the learned model's version blended in; None: cold start alone

    @property
    def top(self) -> ItemSuggestion | None:
        return self.items[0] if self.items else None

    def record(self, item_code: str, level: int) -> dict[str, Any]:
        """What the trail keeps of it beside a person's decision: the items offered, best
        first, and whether the decision took the first / one of the first three, and the
        level (``建议采纳率`` counts these)."""
        codes = [s.item.code for s in self.items]
        return {
            "items": codes,
            "level": self.level,
            "model": self.model,
            "top1": codes[:1] == [item_code],
            "top3": item_code in codes[:3],
            "level_taken": self.level == level,
        }


def _clean(text: str) -> str:
    return _PUNCTUATION.sub("", text or "")


def _bigrams(text: str) -> frozenset[str]:
    return frozenset({text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else ()))


#: A term's bigrams: the same few hundred catalogue words are compared with every report.
_term_bigrams = lru_cache(maxsize=4096)(_bigrams)


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> str:
    """Syllables joined by spaces, with a space at each end: a term matches on whole
    syllables only."""
    return " " + " ".join(syllables(text)) + " "


def item_terms(item: CatalogueItem) -> list[str]:
    """The words an item is known by: its name, keywords and synonyms."""
    return list(_terms(item.name, item.keywords, item.synonyms))


@lru_cache(maxsize=4096)
def _terms(name: str, keywords: str, synonyms: str) -> tuple[str, ...]:
    """Cached by the words themselves: every report is scored against every item, and an
    edited item has other words."""
    item = CatalogueItem(name=name, keywords=keywords, synonyms=synonyms)
    words = (name, *item.keyword_list(), *item.synonym_list())
    return tuple(dict.fromkeys(t for t in map(_clean, words) if t))  # a word counts once


def _score(
    text: str, text_pinyin: str, grams: frozenset[str], terms: Sequence[str]
) -> tuple[float, list[str]]:
    """``grams``: the text's bigrams, made once for all the items it is scored against."""
    score, why = 0.0, []
    for term in terms:
        if term in text:
            score += 1.0 + 0.25 * len(term)
            why.append(term)
            continue
        if len(term) >= 2 and _pinyin(term) in text_pinyin:
            score += 0.9 + 0.2 * len(term)  # a homophone: as good as written, nearly
            why.append(term)
            continue
        if len(term) < 3:
            continue
        term_grams = _term_bigrams(term)
        shared = term_grams & grams
        if shared:
            part = len(shared) / len(term_grams)
            if part >= 0.5:  # most of it, a character or two wrong
                score += part * (0.5 + 0.15 * len(term))
                why.append(term)
    return score, why


@dataclass(frozen=True)
class Scored:
    item: CatalogueItem
    score: float
    why: tuple[str, ...]


def score_items(title: str, description: str, items: Iterable[CatalogueItem]) -> list[Scored]:
    """Every item with evidence in the text (score at least ``FLOOR``), best first."""
    text = _clean(f"{title}{description}")
    scored = []
    if text:
        text_pinyin, grams = _pinyin(text), _bigrams(text)
        for item in items:
            score, why = _score(text, text_pinyin, grams, item_terms(item))
            if score >= FLOOR:
                scored.append(Scored(item, score, tuple(why)))
    scored.sort(key=lambda s: (-s.score, s.item.pk))
    return scored


def confidences(scored: Sequence[Scored]) -> list[float]:
    """A softmax over the scores, with "none of them" at the floor as one more choice."""
    weights = [math.exp(s.score / TEMPERATURE) for s in scored]
    total = sum(weights) + math.exp(FLOOR / TEMPERATURE)
    return [w / total for w in weights]


def suggestion(
    ranked: Sequence[tuple[CatalogueItem, float, tuple[str, ...]]], title: str, description: str
) -> Suggestion:
    """The suggestion for items already ranked (item, confidence, why): the level from the
    first item and the text's cues, the departments from the first item."""
    items = [ItemSuggestion(item, round(p, 3), why) for item, p, why in ranked]
    first = items[0].item if items else None
    level, level_why = _level(f"{title} {description}", first)
    return Suggestion(
        items=items,
        level=level,
        level_why=level_why,
        lead=first.lead_department if first else None,
        co=list(first.co_departments.all()) if first else [],
    )


def suggest(
    title: str, description: str = "", *, items: Iterable[CatalogueItem], top: int = TOP
) -> Suggestion:
    """The items the text is most likely about (best first, with confidences), the level
    its words call for and the departments the top item implies."""
    scored = score_items(title, description, items)
    ranked = [(s.item, p, s.why) for s, p in zip(scored, confidences(scored), strict=True)]
    return suggestion(ranked[:top], title, description)


def level_cues(title: str, description: str = "") -> tuple[int | None, tuple[str, ...]]:
    """The level the text's cues call for at least (None: no cue), and each cue that weighed,
    whatever the item: choosing another item keeps them (the triage form's 改选)."""
    return _level_cues(f"{title} {description}")


def _level_cues(text: str) -> tuple[int | None, tuple[str, ...]]:
    level: int | None = None
    why = []
    for cue_level, label, pattern in LEVEL_CUES:
        hits = list(dict.fromkeys(_said(pattern, text)))
        if hits:
            why.append(f"{label}（{'、'.join(hits)}）")  # shown in the active language
            level = max(level or 0, cue_level)
    return level, tuple(why)


@lru_cache(maxsize=16)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _said(pattern: str, text: str) -> Iterable[str]:
    """The places ``pattern`` matches, but not those said as a fear ("万一着火")."""
    for match in _compiled(pattern).finditer(text):
        if not _SUPPOSED.search(text[max(0, match.start() - 8) : match.start()]):
            yield match.group()


def _level(text: str, item: CatalogueItem | None) -> tuple[int | None, tuple[str, ...]]:
    cue, why = _level_cues(text)
    level = item.default_level if item else None
    if cue is not None:
        level = max(level or 0, cue)
    return level, why
