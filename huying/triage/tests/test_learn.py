"""The learned model on its own: it learns words the catalogue never listed, survives a
typo, and is stored as plain arrays that load back to the same answers (never as pickle)."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from huying.core.text import cut
from huying.triage.learn import fit, fit_hashed, hashed
from huying.triage.model import Example, Model, char_grams, column, explain, ranked

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

LAMP = [
    "晚上那段路黑漆漆的走路都看不到",
    "小区门口的灯坏了好几天晚上黑黢黢",
    "三号楼下面那根灯杆不亮了",
    "路口一到晚上就黑灯瞎火",
    "东大街的灯晚上不亮，过路的人看不见",
    "滨江路边的灯杆一闪一闪的，时亮时不亮",
]
BINS = [
    "楼下几个桶都冒尖了三天没人来拉",
    "垃圾桶满了溢出来臭得很",
    "小区垃圾站好几天没清运",
    "桶边上堆满了袋子苍蝇到处飞",
    "垃圾车好几天没来，桶都装不下了",
    "菜市场后面的桶满了没人拉走",
]
NOISE = [
    "楼上天天半夜跳绳咚咚响",
    "广场舞音响开得震天响",
    "隔壁装修电钻声吵得睡不着",
    "楼下烧烤摊喧哗到凌晨两点",
    "小区里半夜有人唱歌吵死了",
    "对面KTV声音太大了每晚吵到一点",
]


def _examples() -> list[Example]:
    return (
        [Example(t, "GL01") for t in LAMP]
        + [Example(t, "GL03") for t in BINS]
        + [Example(t, "ZF03") for t in NOISE]
    )


@pytest.fixture(scope="module")
def model() -> Model:
    return fit(_examples())


def test_it_learns_how_people_describe_an_item(model: Model) -> None:
    assert ranked(model, "我们这条路晚上黑黢黢的，灯不亮")[0][0] == "GL01"
    assert ranked(model, "桶又满了，好几天没人拉")[0][0] == "GL03"
    assert ranked(model, "半夜楼上咚咚响吵得睡不着")[0][0] == "ZF03"


def test_probabilities_are_a_distribution_best_first(model: Model) -> None:
    result = ranked(model, "灯不亮", top=3)
    assert result[0][0] == "GL01"
    assert sum(p for _, p in result) == pytest.approx(1.0, abs=1e-6)
    assert [p for _, p in result] == sorted((p for _, p in result), reverse=True)


def test_a_homophone_typo_reads_like_the_word(model: Model) -> None:
    # 灯杆 → 登杆: the pinyin features still see "deng gan".
    assert ranked(model, "楼下那根登杆晚上不亮了")[0][0] == "GL01"


def test_the_why_names_the_reports_own_words(model: Model) -> None:
    why = explain(model, "小区垃圾桶满了没人管", ["GL03", "GL01", "XX99"])
    assert why["GL03"][0] == "垃圾桶" and "垃圾桶" not in why["GL01"] and why["XX99"] == []


def test_the_why_is_each_words_weight_as_the_rule_says(model: Model) -> None:
    """A word weighs the sum, over its distinct kept columns (its character grams and the
    word itself), of coefficient × idf; the why lists the heaviest positive ones."""
    for text in [*LAMP, *BINS, *NOISE, "东大街路灯不亮垃圾桶满了还很吵"]:
        words = [w for w in dict.fromkeys(cut(text)) if len(w) >= 2]
        for code in model.classes:
            k = model.classes.index(code)
            weight = {}
            for word in words:
                own = {column(g) for g in char_grams(word)} | {column(f"w:{word}")}
                at = [int(model._position[c]) for c in own if model._position[c] >= 0]
                weight[word] = sum(float(model.coef[k, i] * model.idf[i]) for i in at)
            best = sorted((w for w in words if weight[w] > 0), key=lambda w: -weight[w])
            why = explain(model, text, [code])[code]
            assert [round(weight[w], 6) for w in why] == [round(weight[w], 6) for w in best[:3]]
            assert explain(model, text, [code], cuts=cut(text)) == {code: why}


def test_a_stored_model_answers_the_same(model: Model) -> None:
    again = Model.from_bytes(model.to_bytes())
    texts = ["灯不亮", "桶满了", "好吵"]
    assert again.classes == model.classes and again.counts == model.counts
    assert np.allclose(again.probabilities(texts), model.probabilities(texts))


def test_stored_bytes_never_unpickle(model: Model) -> None:
    class Boom:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("ran",))

    buffer = io.BytesIO()
    np.savez(buffer, columns=np.array([Boom()], dtype=object), meta=np.frombuffer(b"{}", np.uint8))
    with pytest.raises(ValueError):
        Model.from_bytes(buffer.getvalue())
    with pytest.raises(Exception):  # noqa: B017 - any refusal; never a loaded object
        Model.from_bytes(pickle.dumps(model))


def test_one_item_is_nothing_to_learn() -> None:
    with pytest.raises(ValueError):
        fit([Example("灯不亮", "GL01"), Example("路灯坏了", "GL01")])


def test_two_items_give_two_rows_like_many() -> None:
    two = fit([Example(t, "GL01") for t in LAMP] + [Example(t, "GL03") for t in BINS])
    assert two.coef.shape[0] == 2
    assert ranked(two, "灯不亮晚上黑")[0][0] == "GL01"


def test_a_fit_started_from_an_earlier_one_learns_what_the_earlier_one_never_saw() -> None:
    """The refit on every case starts from the held-out fit's weights: the items, words and
    columns it adds (an item first reported in the newest cases) are learned all the same."""
    earlier = fit(
        [e for e in _examples() if e.item != "ZF03"] + [Example(t, "ZF03") for t in NOISE[:2]]
    )
    later = _examples() + [
        Example(t, "ZF08")
        for t in ("小区花园里有人遛狗不拴绳", "大狗不牵绳吓到小孩", "狗不拴绳到处跑")
    ]
    started = fit_hashed(hashed([e.text for e in later]), [e.item for e in later], start=earlier)
    cold = fit(later)
    assert started.classes == cold.classes == ["GL01", "GL03", "ZF03", "ZF08"]
    for text, item in [
        ("遛狗不拴绳", "ZF08"),
        ("楼下KTV吵到半夜", "ZF03"),
        ("路灯不亮黑黢黢", "GL01"),
    ]:
        assert ranked(started, text)[0][0] == ranked(cold, text)[0][0] == item
