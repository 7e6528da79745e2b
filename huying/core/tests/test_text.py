"""Chinese search terms."""

from __future__ import annotations

from collections.abc import Iterator

import jieba
import pytest

from huying.core import text
from huying.core.text import add_words, search_terms


@pytest.fixture(autouse=True, scope="module")
def untaught_tokenizer() -> Iterator[None]:
    """A tokenizer of jieba's own dictionary: other tests teach the process-wide one the
    catalogue's words, and these assert how words are cut, not what some catalogue taught."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text, "_tokenizer", lambda: tokenizer)
        yield


def test_a_chinese_query_becomes_its_words() -> None:
    assert search_terms("小区路灯坏了") == ["小区", "路灯", "坏"]
    assert search_terms("河道排污口水质污染") == ["河道", "排污口", "水质", "污染"]


def test_spaces_separate_and_punctuation_is_dropped() -> None:
    assert search_terms("排水口  污染") == ["排水口", "污染"]
    assert search_terms("JJ-20261202-00001") == ["JJ", "20261202", "00001"]


def test_single_characters_stay_with_their_neighbours() -> None:
    assert "".join(search_terms("占道经营")) == "占道经营"
    assert all(len(t) > 1 for t in search_terms("占道经营"))


def test_domain_words_are_kept_whole_once_taught() -> None:
    add_words(["违章搭建"])
    assert search_terms("违章搭建") == ["违章搭建"]


def test_a_taught_fragment_does_not_break_the_words_around_it() -> None:
    add_words(["灯坏"])
    assert search_terms("小区路灯坏了") == ["小区", "路灯", "坏"]
    assert search_terms("灯坏了") == ["灯坏"]


def test_every_character_reads_as_it_does_with_pypinyins_phrases_loaded() -> None:
    """The phrase dictionary is left unloaded to save memory; a character read alone must
    read the same as pypinyin reads it with the dictionary (the triage model's syllables)."""
    import os
    import subprocess
    import sys

    import pypinyin.constants

    assert pypinyin.constants.PHRASES_DICT == {}  # the ~45 MB never loaded here
    chars = "".join(map(chr, range(0x3400, 0xA000)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN_")}
    full = subprocess.run(
        [sys.executable, "-c", "import sys; from pypinyin import lazy_pinyin, constants; "
         "assert constants.PHRASES_DICT; "
         "print(' '.join(lazy_pinyin(c)[0] for c in sys.stdin.read()))"],
        input=chars, capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    assert text.syllables(chars) == full.stdout.split()
