"""A trained triage model as the web process uses it: features and probabilities for one
report at a time, on numpy alone. Training (``learn``) needs scikit-learn and scipy, which
take ~120 MB of every process that imports them; a web worker only ever scores, so it never
loads them.

Features are hashed, so a model needs no vocabulary to be stored beside it:

- character 1–3-grams — Chinese has no spaces, and a wrong character spoils only the grams
  that touch it;
- jieba words and word pairs, the catalogue's terms taught to jieba first;
- pinyin syllables and syllable pairs — a homophone typo (路登 for 路灯) hashes the same.

The hashing is scikit-learn's ``HashingVectorizer`` (MurmurHash3 x86 32-bit, seed 0, of the
UTF-8 token, ``abs(h) % N_FEATURES``, no alternating sign) written out with ``mmh3``, so the
columns of models trained before stay where they were; a test holds the two to the same
counts. A model is stored as numpy arrays (``np.savez_compressed``, loaded with
``allow_pickle=False``), so reading one from the database can never run code.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import mmh3
import numpy as np

from huying.core.text import cut, syllables

#: The hashed feature space (a power of two: ``abs`` of the hash's most negative value then
#: lands where scikit-learn's own special case puts it, column 0).
N_FEATURES = 2**20
FORMAT = 1

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def clean(text: str) -> str:
    return _PUNCTUATION.sub("", text or "")


def tokens(text: str, cuts: list[str] | None = None) -> list[str]:
    """Words, word pairs, syllables and syllable pairs, each kind prefixed apart. ``cuts``:
    jieba's cut of ``text``, when the caller has it."""
    words = [
        w for w in (cut(text) if cuts is None else cuts)
        if w.strip() and not _PUNCTUATION.fullmatch(w)
    ]  # fmt: skip
    sounds = syllables(clean(text))
    out = [f"w:{w}" for w in words]
    out += [f"ww:{a}|{b}" for a, b in itertools.pairwise(words)]
    out += [f"p:{s}" for s in sounds]
    out += [f"pp:{a}|{b}" for a, b in itertools.pairwise(sounds)]
    return out


def char_grams(text: str) -> list[str]:
    """Character 1-, 2- and 3-grams of the cleaned text, as ``HashingVectorizer(analyzer=
    "char", ngram_range=(1, 3), preprocessor=clean)`` cuts them."""
    text = clean(text)
    grams = list(text)
    for n in (2, 3):
        grams += [text[i : i + n] for i in range(len(text) - n + 1)]
    return grams


def column(token: str) -> int:
    """The hashed column of one token."""
    return abs(mmh3.hash(token, 0)) % N_FEATURES


def counts(text: str, cuts: list[str] | None = None) -> Counter[int]:
    """Raw counts of a text's features by hashed column (both kinds share the space)."""
    return Counter(map(column, char_grams(text) + tokens(text, cuts)))


@dataclass(frozen=True)
class Example:
    """A labelled report: its text, and the item (by code) and level it was handled under."""

    text: str
    item: str
    level: int = 0
    source: str = ""


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

    def kept(self, raw: Counter[int]) -> tuple[np.ndarray, np.ndarray]:
        """A text's features among the model's columns: their positions, and their
        sublinear tf × idf weights normalised to length 1 (what the model was fitted on)."""
        if not raw:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        hashed = np.fromiter(raw.keys(), dtype=np.int64, count=len(raw))
        n = np.fromiter(raw.values(), dtype=np.float32, count=len(raw))
        position = self._position[hashed]
        mask = position >= 0
        position = position[mask]
        weight = (1.0 + np.log(n[mask])) * self.idf[position]
        norm = float(np.sqrt(np.dot(weight, weight)))
        return position, (weight / norm if norm else weight).astype(np.float32)

    def probabilities(
        self, texts: Sequence[str], cuts: Sequence[list[str] | None] = ()
    ) -> np.ndarray:
        """Per text, the probability of each class (in ``classes`` order). ``cuts``: the
        texts' jieba cuts, when the caller has them."""
        scores = np.empty((len(texts), len(self.classes)), dtype=np.float64)
        for row, text in enumerate(texts):
            position, weight = self.kept(counts(text, cuts[row] if cuts else None))
            scores[row] = self.coef[:, position] @ weight + self.intercept
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


def ranked(
    model: Model, text: str, top: int = 5, cuts: list[str] | None = None
) -> list[tuple[str, float]]:
    """The model alone: item codes, best first, with their probabilities."""
    p = model.probabilities([text], [cuts])[0]
    order = np.argsort(-p)[:top]
    return [(model.classes[i], float(p[i])) for i in order]


def explain(
    model: Model, text: str, codes: Sequence[str], n: int = 3, cuts: list[str] | None = None
) -> dict[str, list[str]]:
    """Per item code, the report's own words that weighed most for it (the "why"): each word
    (two characters or more) weighs what its own column and its characters' grams weigh,
    each column once. ``cuts``: jieba's cut of ``text``, when the caller has it."""
    words = [
        w for w in dict.fromkeys(t.strip() for t in (cut(text) if cuts is None else cuts))
        if len(w) >= 2 and not _PUNCTUATION.fullmatch(w)
    ]  # fmt: skip
    wanted = [c for c in codes if c in model.classes]
    if not words or not wanted:
        return {c: [] for c in codes}
    # Every (word, kept column) pair at once: one gather of the coefficients, summed by word
    # in the same order as a loop would (``np.add.at`` is unbuffered).
    rows: list[int] = []
    grams: list[int] = []
    for r, word in enumerate(words):
        mine = dict.fromkeys([*map(column, char_grams(word)), column(f"w:{word}")])
        rows += [r] * len(mine)
        grams += mine
    position = model._position[np.asarray(grams, dtype=np.int64)]
    kept = position >= 0
    position = position[kept]
    classes = np.asarray([model.classes.index(c) for c in wanted], dtype=np.int64)
    weight = np.zeros((len(words), len(classes)), dtype=np.float64)
    np.add.at(
        weight,
        np.asarray(rows, dtype=np.int64)[kept],
        (model.coef[np.ix_(classes, position)] * model.idf[position]).T,
    )
    out: dict[str, list[str]] = {c: [] for c in codes}
    for i, code in enumerate(wanted):
        col = weight[:, i]
        order = np.argsort(-col)
        out[code] = [words[j] for j in order[:n] if col[j] > 0]
    return out
