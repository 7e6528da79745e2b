"""Chinese text: turning a search box's words into terms (jieba).

Chinese has no spaces, so "小区路灯坏了" must become 小区 / 路灯 / 坏了 before it can match a
report that says "3 栋门口的路灯坏了两天". jieba's general dictionary lacks the trade's words
(占道经营, 路灯不亮), so the catalogue's item names and keywords are added to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import jieba

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


def add_words(words: Iterable[str]) -> None:
    """Teach the tokenizer domain words (the catalogue's item names and keywords)."""
    tokenizer = _tokenizer()
    for word in words:
        word = word.strip()
        if len(word) >= 2:
            tokenizer.add_word(word, freq=50_000)


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
