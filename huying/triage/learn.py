"""Training the triage model: which item a report is about, from the district's own
labelled history (no HTTP, no database: callers pass examples in and store the bytes out).
Features and scoring live in ``model``; this module, the only one that needs scikit-learn
and scipy, is imported by training alone.

TF-IDF (sublinear) over the columns seen at least twice, then a multinomial logistic
regression, whose probabilities are calibrated well enough to show as confidences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from huying.triage.model import N_FEATURES, Example, Model, counts

#: Columns kept: those seen in at least MIN_DF training texts.
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


def hashed(texts: Sequence[str]) -> sparse.csr_matrix:
    """Raw counts in the hashed space, a row per text (``model.counts``)."""
    indptr, indices, data = [0], list[int](), list[int]()
    for text in texts:
        raw = counts(text)
        indices += raw.keys()
        data += raw.values()
        indptr.append(len(indices))
    matrix = sparse.csr_matrix(
        (np.asarray(data, dtype=np.int64), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(texts), N_FEATURES),
    )
    matrix.sort_indices()
    return matrix


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
