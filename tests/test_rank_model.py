"""The ranker's own tf-idf and classifier against scikit-learn's, on real abstracts.

The ranker stopped importing scikit-learn (a third of a fresh `radar rank`); these pin its
hashing, idf and logistic regression to what scikit-learn computed before, so the measured
ranking quality still holds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    HashingVectorizer,
    TfidfTransformer,
)
from sklearn.linear_model import LogisticRegression

from paperradar.rank.features import N_FEATURES, Idf, counts, text_of
from paperradar.rank.linear import fit_logistic
from paperradar.rank.stopwords import ENGLISH
from paperradar.store import Store

EDGE_TEXTS = [
    "",
    "The the THE of and",  # stop words only
    "Café-au-lait models: state-of-the-art X-rays, 3D-aware ViTs and über-fast GPUs.",
    "a-b ab- -ab 12abc abc12 x",  # hyphens at the edges, digits first, one-letter words
    # Non-ASCII letters next to ASCII ones.
    "Ω-networks naïve Bayes \N{MATHEMATICAL ITALIC SMALL X}-axis",
]


def reference_hasher() -> HashingVectorizer:
    """The vectorizer the ranker used until it counted terms itself."""
    return HashingVectorizer(
        n_features=N_FEATURES,
        ngram_range=(1, 2),
        stop_words="english",
        alternate_sign=False,
        norm=None,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b",
        dtype=np.float32,
    )


@pytest.fixture(scope="module")
def texts(sample_db: Path) -> list[str]:
    with Store.open(sample_db) as store:
        return [text_of(p) for p in store.papers()[:600]] + EDGE_TEXTS


def test_the_stop_list_is_scikit_learns() -> None:
    assert frozenset(ENGLISH_STOP_WORDS) == ENGLISH


def test_hashed_counts_are_scikit_learns(texts: list[str]) -> None:
    ours = counts(texts)
    theirs = reference_hasher().transform(texts)
    assert ours.shape == theirs.shape == (len(texts), N_FEATURES)
    assert ours.nnz > 50_000 and (ours != theirs).nnz == 0
    assert counts([]).shape == (0, N_FEATURES)


@pytest.mark.parametrize(("max_df", "min_df"), [(1.0, 1), (0.1, 2)])
def test_idf_rows_are_scikit_learns(texts: list[str], max_df: float, min_df: int) -> None:
    raw = counts(texts)
    idf = Idf.fit(raw, max_df=max_df, min_df=min_df)
    # How the ranker cut terms before: their idf set to zero, then rows normalised.
    reference = TfidfTransformer(sublinear_tf=True, smooth_idf=True).fit(raw)
    if (max_df, min_df) != (1.0, 1):
        df = np.bincount(raw.indices, minlength=N_FEATURES)
        reference.idf_ = reference.idf_ * ((df >= min_df) & (df <= max_df * raw.shape[0]))
    np.testing.assert_allclose(idf.weights, reference.idf_, rtol=1e-6)
    ours = idf(raw)
    theirs = reference.transform(raw)
    assert abs(ours - theirs).max() < 1e-6
    assert ours.dtype == np.float32 and ours.has_canonical_format
    norms = np.sqrt(ours.multiply(ours).sum(axis=1).A1)
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-6)
    assert idf(raw[:0]).shape == (0, N_FEATURES)  # a reader with no likes


def test_logistic_regression_reaches_liblinears_solution(texts: list[str]) -> None:
    rows = Idf.fit(counts(texts), max_df=0.1, min_df=2)(counts(texts))
    rows = rows[:, np.flatnonzero(np.bincount(rows.indices, minlength=N_FEATURES))].tocsr()
    labels = np.array(["diffusion" in t.lower() for t in texts], dtype=int)
    assert 10 < labels.sum() < len(texts) - 10
    weights = np.where(labels == 1, 5.0, 1.0)
    for c in (0.1, 1.0, 10.0):
        ours = fit_logistic(rows, labels, weights, c=c, tol=1e-8)
        theirs = LogisticRegression(C=c, solver="liblinear", tol=1e-10, max_iter=10_000)
        theirs.fit(rows, labels, sample_weight=weights)
        np.testing.assert_allclose(ours.coef, theirs.coef_[0], atol=1e-5)
        assert ours.intercept == pytest.approx(theirs.intercept_[0], abs=1e-5)
        np.testing.assert_allclose(ours.decision(rows), theirs.decision_function(rows), atol=1e-5)
    dense = fit_logistic(rows.toarray(), labels, weights, tol=1e-8)  # dense rows work alike
    np.testing.assert_allclose(dense.coef, fit_logistic(rows, labels, weights, tol=1e-8).coef)


def test_logistic_regression_on_separable_rows_stays_finite() -> None:
    """Separable data has no finite unregularised optimum; the L2 term keeps the weights finite
    and the Newton steps must not overflow on the growing margins."""
    x = np.array([[3.0, 0.0], [2.0, 0.0], [0.0, 3.0], [0.0, 2.0]])
    model = fit_logistic(x, np.array([1, 1, 0, 0]), c=1e6)
    assert np.isfinite(model.coef).all() and model.iterations < 50
    assert (model.decision(x)[:2] > 5).all() and (model.decision(x)[2:] < -5).all()
