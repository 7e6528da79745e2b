"""The demo's report texts vary as real reports do (the triage suggestion learns from them):
many titles per item, many descriptions without the item's words, every item and channel
covered, and the same seed writing the same texts. No database."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from huying.cases.models import Source
from huying.cases.services.intake import validate_report
from huying.demo.district import CATALOGUE
from huying.demo.texts import BANKS, SPECS, TITLE_MAX, code_of, names_item, report_text
from huying.demo.year import PLACES, ROADS, SOURCES

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

CODES = list(SPECS)


def _reports(code: str, seed: int, n: int = 300) -> list[tuple[str, str]]:
    """n reports of one item from the demo's mix of channels, as the simulation draws them."""
    rng = random.Random(seed)
    sources = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES], k=n)
    return [
        report_text(code, source, rng, rng.choice(ROADS), rng.choice(PLACES), caller="王女士")
        for source in sources
    ]


def test_every_catalogue_item_has_its_bank() -> None:
    expected = [f"{c}{n:02d}" for c in ("ZF", "GL", "YJ") for n in range(1, 13)]
    assert [c for c, _, _ in CATALOGUE] == ["ZF", "GL", "YJ"]
    assert expected == CODES
    assert list(BANKS) == CODES
    for code, bank in BANKS.items():
        assert bank.name == SPECS[code].name, code
        assert code_of(SPECS[code]) == code


@pytest.mark.parametrize("code", CODES)
def test_a_bank_tells_the_problem_many_ways_a_third_without_the_items_words(code: str) -> None:
    problems = set(BANKS[code].problems)
    bare = [p for p in problems if not names_item(p, code)]
    assert len(problems) >= 8
    assert len(bare) * 3 >= len(problems), sorted(problems - set(bare))


@pytest.mark.parametrize("code", CODES)
def test_reports_of_one_item_vary(code: str) -> None:
    reports = _reports(code, seed=20261120)
    titles = Counter(t for t, _ in reports)
    descriptions = [d for _, d in reports]
    name = SPECS[code].name
    assert len(titles) >= 40, titles.most_common(5)
    assert len(set(descriptions)) >= 250
    assert sum(name not in d for d in descriptions) >= len(reports) / 4
    # Told in other words altogether: neither the name nor a keyword (the harder cases).
    assert sum(not names_item(d, code) for d in descriptions) >= len(reports) / 5


@pytest.mark.parametrize("source", Source.values)
def test_every_item_gets_texts_from_every_channel_within_the_models_bounds(source: str) -> None:
    rng = random.Random(source)
    for code in CODES:
        for _ in range(5):
            title, description = report_text(code, source, rng, "锦华路", "小区门口")
            assert validate_report(title, None, None) == title
            assert 2 <= len(title) <= TITLE_MAX
            assert 4 <= len(description) <= 300
            assert "{" not in title + description and "|" not in title + description


def test_the_channels_have_their_voices() -> None:
    rng = random.Random(3)
    hotline = [report_text("GL01", Source.HOTLINE, rng, "锦华路", "小区门口")[1] for _ in range(50)]
    assert all("诉求：" in d for d in hotline)
    resident = [report_text(c, Source.RESIDENT, rng, "锦华路", "小区门口") for c in CODES * 10]
    dialect = ("啥子", "咋个", "莫得", "恼火", "遭不住", "晓得", "一哈", "得很")
    assert sum(any(w in t + d for w in dialect) for t, d in resident) >= len(resident) / 10
    typos = ("路登", "路等", "井概", "井该", "燥音", "拉圾", "冲电", "到了", "反应", "以经")
    assert any(any(w in t + d for w in typos) for t, d in resident)


def test_the_same_seed_writes_the_same_texts() -> None:
    assert _reports("ZF01", seed=7, n=50) == _reports("ZF01", seed=7, n=50)
    assert _reports("ZF01", seed=7, n=50) != _reports("ZF01", seed=8, n=50)


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(KeyError):
        report_text("XX99", Source.RESIDENT, random.Random(1), "锦华路", "小区门口")
