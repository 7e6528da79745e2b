"""The learned part of the triage suggestion: which item a report is about, from the
district's own labelled history (no HTTP, no database: callers pass examples in and store
the bytes out).

Features are hashed, so a model needs no vocabulary to be stored beside it:

- character 1–3-grams — Chinese has no spaces, and a wrong character spoils only the grams
  that touch it;
- jieba words and word pairs, the catalogue's terms taught to jieba first;
- pinyin syllables and syllable pairs — a homophone typo (路登 for 路灯) hashes the same.

TF-IDF (sublinear) over the columns seen at least twice, then a multinomial logistic
regression, whose probabilities are calibrated well enough to show as confidences. A model
is stored as numpy arrays (``np.savez_compressed``, loaded with ``allow_pickle=False``), so
reading one from the database can never run code.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils import murmurhash3_32

from huying.core.text import cut, syllables

#: The hashed feature space (columns kept: those seen in at least MIN_DF training texts).
N_FEATURES = 2**20
MIN_DF = 2
#: At most this many columns are kept, the commonest: the solver's every step costs classes ×
#: columns, and 100 items over 100,000 cases kept 131,000 columns, most seen in a few texts.
MAX_COLUMNS = 50_000
#: Inverse regularisation strength (chosen by k-fold on the labelled reports in tests/data).
C = 20.0
#: The solver's stopping rule. Tighter (sklearn's 1e-4, 300 rounds) changed no answer on the
#: labelled reports, and tripled a fit on 100,000 cases (docs/performance.md §11).
TOL = 1e-3
MAX_ITER = 100
FORMAT = 1

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Example:
    """A labelled report: its text, and the item (by code) and level it was handled under."""

    text: str
    item: str
    level: int = 0
    source: str = ""


def _clean(text: str) -> str:
    return _PUNCTUATION.sub("", text or "")


def _tokens(text: str) -> list[str]:
    """Words, word pairs, syllables and syllable pairs, each kind prefixed apart."""
    words = [w for w in cut(text) if w.strip() and not _PUNCTUATION.fullmatch(w)]
    sounds = syllables(_clean(text))
    out = [f"w:{w}" for w in words]
    out += [f"ww:{a}|{b}" for a, b in itertools.pairwise(words)]
    out += [f"p:{s}" for s in sounds]
    out += [f"pp:{a}|{b}" for a, b in itertools.pairwise(sounds)]
    return out


_CHARS = HashingVectorizer(
    analyzer="char",
    ngram_range=(1, 3),
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    preprocessor=_clean,
)
_WORDS = HashingVectorizer(analyzer=_tokens, n_features=N_FEATURES, alternate_sign=False, norm=None)


def column(token: str) -> int:
    """The hashed column of one token, as ``HashingVectorizer`` places it."""
    return abs(murmurhash3_32(token, seed=0)) % N_FEATURES


def hashed(texts: Sequence[str]) -> sparse.csr_matrix:
    """Raw counts in the hashed space (both feature kinds share it)."""
    return (_CHARS.transform(texts) + _WORDS.transform(texts)).tocsr()


@dataclass
class Model:
    """A fitted model: the kept columns, their idf, the coefficients and the item codes."""

    columns: np.ndarray  # int64, sorted: hashed column of each kept feature
    idf: np.ndarray  # float32, per kept feature
    coef: np.ndarray  # float32, classes × kept features
    intercept: np.ndarray  # float32, per class
    classes: list[str]  # item codes
    counts: dict[str, int]  # training examples per item code

    def __post_init__(self) -> None:
        self._position = np.full(N_FEATURES, -1, dtype=np.int32)
        self._position[self.columns] = np.arange(len(self.columns), dtype=np.int32)

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        raw = hashed(texts)
        return _tfidf(raw, self._position, self.idf)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the probability of each class (in ``classes`` order)."""
        scores = self.features(texts) @ self.coef.T + self.intercept
        scores = np.asarray(scores, dtype=np.float64)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        meta = json.dumps({"format": FORMAT, "classes": self.classes, "counts": self.counts})
        np.savez_compressed(
            buffer,
            columns=self.columns,
            idf=self.idf,
            coef=self.coef,
            intercept=self.intercept,
            meta=np.frombuffer(meta.encode(), dtype=np.uint8),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode())
            if meta.get("format") != FORMAT:
                raise ValueError(f"unknown triage model format {meta.get('format')!r}")
            return cls(
                columns=arrays["columns"],
                idf=arrays["idf"],
                coef=arrays["coef"],
                intercept=arrays["intercept"],
                classes=list(meta["classes"]),
                counts={k: int(v) for k, v in meta["counts"].items()},
            )


def _tfidf(raw: sparse.csr_matrix, position: np.ndarray, idf: np.ndarray) -> sparse.csr_matrix:
    """Keep the model's columns (renumbered), sublinear tf × idf, rows normalised to 1."""
    raw = raw.tocoo()
    kept = position[raw.col]
    mask = kept >= 0
    data = (1.0 + np.log(raw.data[mask])) * idf[kept[mask]]
    x = sparse.csr_matrix(
        (data.astype(np.float32), (raw.row[mask], kept[mask])), shape=(raw.shape[0], len(idf))
    )
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ x, dtype=np.float32)


def fit(examples: Sequence[Example], *, c: float = C) -> Model:
    """A model of ``examples`` (at least two items among them)."""
    return fit_hashed(hashed([e.text for e in examples]), [e.item for e in examples], c=c)


def fit_hashed(
    raw: sparse.csr_matrix, labels: Sequence[str], *, c: float = C, start: Model | None = None
) -> Model:
    """A model of texts already hashed (``hashed``; rows in ``labels`` order): a training run
    that fits twice (held-out check, then all) reads its texts once, and its second fit
    ``start``s from the first one's weights, so it has little left to learn."""
    if len(set(labels)) < 2:
        raise ValueError("a triage model needs examples of at least two items")
    n = raw.shape[0]
    df = np.bincount(raw.indices, minlength=N_FEATURES)
    columns = np.flatnonzero(df >= MIN_DF)
    if not len(columns):
        columns = np.flatnonzero(df)
    if len(columns) > MAX_COLUMNS:  # the commonest; the solver's work grows with their number
        columns = np.sort(columns[np.argsort(-df[columns], kind="stable")[:MAX_COLUMNS]])
    idf = (np.log((1 + n) / (1 + df[columns])) + 1.0).astype(np.float32)
    position = np.full(N_FEATURES, -1, dtype=np.int32)
    position[columns] = np.arange(len(columns), dtype=np.int32)
    x = _tfidf(raw, position, idf)
    classifier = LogisticRegression(C=c, max_iter=MAX_ITER, tol=TOL)
    classes = sorted(set(labels))
    if start is not None and len(classes) > 2 and len(start.classes) > 2:
        classifier.warm_start = True
        classifier.coef_, classifier.intercept_ = _weights_for(start, columns, classes)
    classifier.fit(x, list(labels))
    classes = [str(k) for k in classifier.classes_]
    coef, intercept = classifier.coef_, classifier.intercept_
    if len(classes) == 2:  # binary: sklearn keeps one row; two rows keep one code path
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return Model(
        columns=columns.astype(np.int64),
        idf=idf,
        coef=coef.astype(np.float32),
        intercept=intercept.astype(np.float32),
        classes=classes,
        counts=counts,
    )


def _weights_for(
    model: Model, columns: np.ndarray, classes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``model``'s weights laid out for other columns and classes (zero where it had none)."""
    coef = np.zeros((len(classes), len(columns)), dtype=np.float64)
    intercept = np.zeros(len(classes), dtype=np.float64)
    rows = {code: i for i, code in enumerate(model.classes)}
    mine = model._position[columns]
    shared = np.flatnonzero(mine >= 0)
    for k, code in enumerate(classes):
        if code in rows:
            coef[k, shared] = model.coef[rows[code], mine[shared]]
            intercept[k] = model.intercept[rows[code]]
    return coef, intercept


def ranked(model: Model, text: str, top: int = 5) -> list[tuple[str, float]]:
    """The model alone: item codes, best first, with their probabilities."""
    p = model.probabilities([text])[0]
    order = np.argsort(-p)[:top]
    return [(model.classes[i], float(p[i])) for i in order]


def explain(model: Model, text: str, codes: Sequence[str], n: int = 3) -> dict[str, list[str]]:
    """Per item code, the report's own words that weighed most for it (the "why"): each word
    (two characters or more) weighs what its own column and its characters' grams weigh.
    One hashing pass for all the words and all the codes."""
    words = [
        w for w in dict.fromkeys(t.strip() for t in cut(text))
        if len(w) >= 2 and not _PUNCTUATION.fullmatch(w)
    ]  # fmt: skip
    rows = [model.classes.index(c) for c in codes if c in model.classes]
    if not words or not rows:
        return {c: [] for c in codes}
    grams = _CHARS.transform(words).tocoo()
    pairs = [(r, c) for r, c in zip(grams.row, grams.col, strict=True)]
    pairs += [(r, column(f"w:{w}")) for r, w in enumerate(words)]
    weight = np.zeros((len(words), len(model.classes)), dtype=np.float64)
    for r, c in pairs:
        k = model._position[c]
        if k >= 0:
            weight[r] += model.coef[:, k] * model.idf[k]
    out: dict[str, list[str]] = {}
    for code in codes:
        if code not in model.classes:
            out[code] = []
            continue
        col = weight[:, model.classes.index(code)]
        order = np.argsort(-col)
        out[code] = [words[i] for i in order[:n] if col[i] > 0]
    return out
