"""The model as the web process scores with it: its hashing is scikit-learn's, column for
column (models trained before keep their meaning), its numpy scoring gives what the sparse
training transform gives, and a web process never loads scikit-learn or scipy."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer

from huying.triage.learn import _tfidf, fit, hashed
from huying.triage.model import N_FEATURES, Example, clean, counts, tokens

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

# The vectorizers the models so far were trained with, as they were defined.
_CHARS = HashingVectorizer(
    analyzer="char",
    ngram_range=(1, 3),
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    preprocessor=clean,
)
_WORDS = HashingVectorizer(analyzer=tokens, n_features=N_FEATURES, alternate_sign=False, norm=None)

REPORTS = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
        st.sampled_from("路灯坏了垃圾桶满噪音扰民 ，。！？、\n\t-_/()（）0123abcXYZ😀"),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(REPORTS)
def test_the_hashing_is_scikit_learns(text: str) -> None:
    old = (_CHARS.transform([text]) + _WORDS.transform([text])).tocsr()
    assert dict(zip(old.indices.tolist(), old.data.tolist(), strict=True)) == dict(counts(text))


def test_the_training_matrix_is_the_hashing_row_by_row() -> None:
    texts = ["东大街路灯不亮", "", "！！！", "垃圾桶满了 溢出来", "路灯路灯路灯"]
    matrix = hashed(texts)
    for row, text in enumerate(texts):
        line = matrix.getrow(row)
        assert dict(zip(line.indices.tolist(), line.data.tolist(), strict=True)) == counts(text)


def test_scoring_one_text_is_the_training_transform() -> None:
    model = fit(
        [
            Example("东大街路灯晚上不亮", "lamp"),
            Example("三号楼下灯杆不亮了", "lamp"),
            Example("垃圾桶满了没人拉", "bins"),
            Example("小区垃圾站好几天没清运", "bins"),
            Example("半夜广场舞音响太吵", "noise"),
            Example("楼上装修电钻吵得睡不着", "noise"),
        ]
    )
    texts = ["路灯坏了", "垃圾没人清运，臭", "！", "晚上吵得睡不着觉，楼下的灯也不亮"]
    x = _tfidf(hashed(texts), model._position, model.idf)
    scores = np.asarray(x @ model.coef.T + model.intercept, dtype=np.float64)
    expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(model.probabilities(texts), expected, atol=1e-5)


def test_a_web_process_never_loads_scikit_learn_or_scipy() -> None:
    """Every view and API module imported, as a web worker does before its first request:
    the ~120 MB of scikit-learn and scipy stay with the processes that train."""
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import huying.triage.suggest, huying.ops.worker; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "huying.settings"},
    )
    assert out.stdout.strip() == "[]", out.stderr
