"""The UMAP step: exact neighbour graph, determinism, clamping on small corpora."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.errors import ParameterError, TopicModelError
from toolkit.topics.reduce import exact_knn, reduce_embeddings


def _points(n: int = 300, d: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, d)) * 4
    return (centres[rng.integers(0, 4, n)] + rng.normal(size=(n, d))).astype(np.float32)


def _brute_force(x: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    x = x.astype(np.float64)
    if metric == "cosine":
        u = x / np.linalg.norm(x, axis=1, keepdims=True)
        d = 1.0 - u @ u.T
    else:
        d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, -1.0)
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    dist = np.take_along_axis(d, idx, axis=1)
    dist[:, 0] = 0.0
    return idx, dist


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_exact_knn_matches_brute_force(metric, monkeypatch):
    import toolkit.topics.reduce as reduce

    monkeypatch.setattr(reduce, "_KNN_BLOCK", 64)  # several blocks, the last one partial
    x = _points()
    idx, dist = exact_knn(x, 10, metric)
    ref_idx, ref_dist = _brute_force(x, 10, metric)
    assert idx.shape == dist.shape == (300, 10)
    assert dist.dtype == np.float32
    assert (idx[:, 0] == np.arange(300)).all()  # every point is its own first neighbour
    assert all(set(a) == set(b) for a, b in zip(idx, ref_idx))
    np.testing.assert_allclose(dist, ref_dist, atol=1e-4)
    assert (np.diff(dist, axis=1) >= 0).all()  # sorted by distance


def test_exact_knn_self_first_even_with_duplicates():
    x = np.repeat(_points(20), 2, axis=0)  # every row twice: a twin at distance 0
    idx, dist = exact_knn(x, 3, "cosine")
    assert (idx[:, 0] == np.arange(40)).all()
    twins = np.arange(40) ^ 1
    assert (idx[:, 1] == twins).all()
    assert dist[:, 1].max() < 1e-5


def test_exact_knn_rejects_other_metrics():
    with pytest.raises(ParameterError, match="^metric: exact_knn supports .*, not 'manhattan'"):
        exact_knn(_points(), 5, "manhattan")


def test_reduce_is_seeded_and_uses_the_exact_graph(monkeypatch):
    x = _points(200)
    a = reduce_embeddings(x, n_components=3, n_neighbors=10, seed=1)
    b = reduce_embeddings(x, n_components=3, n_neighbors=10, seed=1)
    assert a.shape == (200, 3) and a.dtype == np.float32
    assert np.array_equal(a, b)

    import toolkit.topics.reduce as reduce

    calls = []
    real = reduce.exact_knn
    monkeypatch.setattr(reduce, "exact_knn", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    reduce_embeddings(x, n_components=2, n_neighbors=10, seed=1, n_epochs=50)
    assert calls == [10]
    monkeypatch.setattr(reduce, "EXACT_KNN_MAX", 100)  # above the limit UMAP builds the graph
    reduce_embeddings(x, n_components=2, n_neighbors=10, seed=1, n_epochs=50)
    assert calls == [10]


def test_reduce_keeps_clusters_apart():
    rng = np.random.default_rng(3)
    x = np.vstack([rng.normal(size=(60, 8)) + 10 * np.eye(8)[i] for i in range(3)]).astype(np.float32)
    r = reduce_embeddings(x, n_components=2, n_neighbors=10, seed=0, metric="euclidean")
    centres = np.stack([r[i * 60:(i + 1) * 60].mean(0) for i in range(3)])
    spread = max(np.linalg.norm(r[i * 60:(i + 1) * 60] - centres[i], axis=1).mean() for i in range(3))
    gaps = [np.linalg.norm(centres[i] - centres[j]) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) > 2 * spread


def test_reduce_too_few_units_is_a_clear_error():
    with pytest.raises(TopicModelError, match="only 4 units"):
        reduce_embeddings(_points(4), n_components=2, n_neighbors=5)
