"""Chinese text: turning a search box's words into terms (jieba).

Chinese has no spaces, so "小区路灯坏了" must become 小区 / 路灯 / 坏了 before it can match a
report that says "3 栋门口的路灯坏了两天". jieba's general dictionary lacks the trade's words
(占道经营, 路灯不亮), so the catalogue's item names and keywords are added to it.

How alike two reports read (``character_profile``, ``profile_similarity``) needs no words.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from math import sqrt

import jieba

# Characters are read one at a time (``syllables``), so pypinyin's phrase dictionary, ~45 MB
# of every process, is never consulted: its documented switches leave it unloaded (they are
# read when pypinyin is first imported, which is here). A test holds the readings the same.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "true")

from pypinyin import lazy_pinyin

#: Particles that carry no meaning in a search.
STOP = frozenset("了的吗呢啊吧呀哦么")

_ready = False
_lock = threading.Lock()


def _tokenizer() -> jieba.Tokenizer:
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(60)  # its start-up chatter goes to stderr otherwise
                jieba.initialize()
                _ready = True
    return jieba.dt


def warm_up() -> None:
    """Load the tokenizer's dictionary now rather than at the first search or suggestion:
    a preloading server (gunicorn's master, ``huying.wsgi``) then forks its workers with it,
    and they share its pages instead of each building its own (≈ 60 MB)."""
    _tokenizer()


def add_words(words: Iterable[str]) -> None:
    """Teach the tokenizer domain words (the catalogue's item names and keywords).

    Each gets jieba's suggested frequency: just enough to be cut whole where it stands on its
    own, never more than a word jieba knows. A fixed large frequency let a taught fragment
    win over the words around it: with 灯坏 taught, 小区路灯坏了 became 小区 / 路 / 灯坏."""
    tokenizer = _tokenizer()
    for word in words:
        word = word.strip()
        if len(word) >= 2:
            tokenizer.add_word(word)


def cut(text: str) -> list[str]:
    """jieba's words of ``text``, as they come (the triage model's word features). Without
    jieba's HMM guesses at unknown words: a third faster, and the labelled reports' accuracy
    was the same (the character grams already carry what an unknown word would)."""
    return list(_tokenizer().cut(text, HMM=False))


_HAN_OR_RUN = re.compile(r"[\u3400-\u9fff]|[^\u3400-\u9fff]+")


@lru_cache(maxsize=32768)
def _syllable(char: str) -> str:
    return lazy_pinyin(char)[0]


def syllables(text: str) -> list[str]:
    """Pinyin, a syllable for each Chinese character read on its own (its commonest reading),
    other runs of characters as they are. Reading phrases (pypinyin's default) picks better
    readings for heteronyms but costs ten times as much; for matching homophone typos (路登
    for 路灯) all that matters is that both sides are read the same way."""
    return [_syllable(m) if len(m) == 1 and m >= "\u3400" else m for m in _HAN_OR_RUN.findall(text)]


def search_terms(text: str) -> list[str]:
    """The words of a query: jieba's cut, particles dropped, stray single characters joined
    back to their neighbours (so 占/道 stays 占道), duplicates removed, order kept."""
    terms: list[str] = []
    for chunk in text.split():
        run = ""
        for token in _tokenizer().cut(chunk):
            token = token.strip()
            if not token or token in STOP:
                if run:
                    terms.append(run)
                    run = ""
                continue
            if len(token) == 1 and not token.isascii():
                run += token
                continue
            if run:
                terms.append(run)
                run = ""
            terms.append(token)
        if run:
            terms.append(run)
    return list(dict.fromkeys(t for t in terms if t not in "-_/"))


# --- how alike two reports read -----------------------------------------------------------

#: Characters too common to say what a report is about (particles, pronouns, "very", "also").
_FILLER = frozenset("了的吗呢啊吧呀哦么是在有和就都很也还又把被这那个着")


def character_profile(text: str) -> Counter[str]:
    """A text as counts of its characters and adjacent character pairs (NFKC, lower case,
    letters and digits only, filler characters dropped). Chinese needs no word segmentation
    for this: two reports of one problem share most of their characters (路, 灯) and pairs
    (路灯), whatever words a segmenter would cut them into."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    kept = "".join(c for c in folded if c.isalnum() and c not in _FILLER)
    profile = Counter(kept)
    profile.update(kept[i : i + 2] for i in range(len(kept) - 1))
    return profile


def profile_similarity(a: Counter[str], b: Counter[str]) -> float:
    """Cosine of two ``character_profile`` counts: 0 (nothing shared) to 1 (the same)."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(n * large[key] for key, n in small.items())
    norms = sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))
    return dot / norms
