"""UMAP reduction of embedding matrices (seeded, safe on small corpora)."""

from __future__ import annotations

import logging
import warnings

import numpy as np

from toolkit.arrays import as_matrix
from toolkit.errors import ParameterError, TopicModelError

__all__ = ["exact_knn", "reduce_embeddings", "fit_reducer", "MIN_SEGMENTS", "EXACT_KNN_MAX", "MAP_EPOCHS", "REDUCE_METHOD"]

log = logging.getLogger(__name__)

#: Fewer units than this cannot form topics.
MIN_SEGMENTS = 6

#: Up to this many units the neighbour graph is computed exactly here (blocked matrix products).
#: UMAP's own exact path (below 4,096 points) evaluates its compiled metric once per pair from
#: Python (sklearn's callable-metric loop): 19 s of a 25 s fit on 3,012 SIB-200 sentences,
#: where a matrix product takes well under a second; above 4,096 points it switches to
#: NN-descent, whose just-in-time compilation alone costs about a minute per process.
#: 20,000 x 20,000 distances in blocks stay cheap (about 5 s on two cores).
EXACT_KNN_MAX = 20_000

_KNN_BLOCK = 2048

#: Names how reductions are computed; part of every cached reduction's key, so a change of
#: method never serves a reduction computed the old way.
REDUCE_METHOD = f"umap+exact-knn<={EXACT_KNN_MAX}"

#: Layout epochs of the 2-D document map. The map is a picture, not an input to clustering;
#: 200 is what UMAP itself uses from 10,000 points up, and it costs 40% of the 500 epochs UMAP
#: spends on smaller corpora.
MAP_EPOCHS = 200


def reduce_embeddings(embeddings: np.ndarray, *, n_components: int, n_neighbors: int,
                      min_dist: float = 0.0, metric: str = "cosine", seed: int = 42,
                      n_epochs: int | None = None) -> np.ndarray:
    """Reduce with UMAP, deterministically for a given seed.

    ``n_neighbors`` and ``n_components`` are clamped to what the corpus size allows (UMAP's
    spectral initialisation needs fewer components than points), and the clamping is logged.
    Up to :data:`EXACT_KNN_MAX` units the neighbour graph is exact (:func:`exact_knn`); above,
    UMAP's NN-descent builds it. ``n_epochs`` ``None`` keeps UMAP's default (500 epochs below
    10,000 units, 200 above).

    Returns
    -------
    numpy.ndarray
        ``(n, n_components)`` float32.
    """
    return fit_reducer(embeddings, n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist,
                       metric=metric, seed=seed, n_epochs=n_epochs)[1]


def fit_reducer(embeddings: np.ndarray, *, n_components: int, n_neighbors: int, min_dist: float = 0.0,
                metric: str = "cosine", seed: int = 42, n_epochs: int | None = None, approximate: bool = False):
    """Like :func:`reduce_embeddings`, and also return the fitted UMAP.

    ``approximate=True`` is for a model that will ``transform`` new rows (``topics.fit_sample``):
    it skips the exact neighbour graph and makes UMAP build its NN-descent search index at any
    size (``force_approximation_algorithm``). Without an index UMAP cannot transform, and with
    its own exact path it measures every new row against every training row from Python
    (about 30 rows/s here).

    Returns
    -------
    model : umap.UMAP
    reduced : numpy.ndarray
        ``(n, n_components)`` float32.
    """
    embeddings = as_matrix(embeddings, None, "embeddings")
    n = embeddings.shape[0]
    if n < MIN_SEGMENTS:
        raise TopicModelError(
            f"only {n} units to cluster (at least {MIN_SEGMENTS} needed); add documents or use a "
            f"finer corpus.unit (paragraph or sentence)"
        )
    k = min(n_neighbors, n - 1)
    dims = min(n_components, n - 2)
    if (k, dims) != (n_neighbors, n_components):
        log.warning("small corpus (%d units): UMAP n_neighbors %d -> %d, n_components %d -> %d",
                    n, n_neighbors, k, n_components, dims)
    from toolkit.topics.jit_cache import import_umap

    UMAP = import_umap().UMAP
    knn = None
    if not approximate and n <= EXACT_KNN_MAX and metric in _EXACT_METRICS:
        knn = exact_knn(embeddings, k, metric)
    model = UMAP(n_neighbors=k, n_components=dims, min_dist=min_dist, metric=metric,
                 random_state=seed, low_memory=True, verbose=False, n_epochs=n_epochs,
                 precomputed_knn=knn if knn is not None else (None, None, None),
                 force_approximation_algorithm=approximate)
    with warnings.catch_warnings():
        # UMAP warns that random_state disables parallelism: that is the point (reproducible).
        warnings.filterwarnings("ignore", message=".*n_jobs value.*", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*random_state.*", category=UserWarning)
        # Without a search index UMAP cannot transform new points; we never ask it to.
        warnings.filterwarnings("ignore", message=".*knn_search_index.*", category=UserWarning)
        reduced = model.fit_transform(embeddings)
    return model, np.asarray(reduced, dtype=np.float32)


_EXACT_METRICS = ("cosine", "euclidean")


def exact_knn(embeddings: np.ndarray, k: int, metric: str = "cosine") -> tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest neighbours of every row, itself included first (distance 0).

    Distances are computed block by block (``_KNN_BLOCK`` rows at a time), so memory stays at
    ``block x n`` floats. The result depends only on the input (no randomness).

    Parameters
    ----------
    embeddings : ndarray, shape (n, d)
    k : int
        Neighbours per row, including the row itself.
    metric : {"cosine", "euclidean"}

    Returns
    -------
    (indices, distances) : (ndarray of int64, ndarray of float32), each ``(n, k)``
    """
    if metric not in _EXACT_METRICS:
        raise ParameterError("metric", f"exact_knn supports {_EXACT_METRICS}, not {metric!r}")
    x = np.asarray(embeddings, dtype=np.float32)
    n = x.shape[0]
    k = min(k, n)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    else:
        sq = np.einsum("ij,ij->i", x, x)
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, _KNN_BLOCK):
        stop = min(start + _KNN_BLOCK, n)
        dots = x[start:stop] @ x.T
        if metric == "cosine":
            d = 1.0 - dots
        else:
            d = sq[start:stop, None] + sq[None, :] - 2.0 * dots
        np.maximum(d, 0.0, out=d)
        rows = np.arange(stop - start)
        d[rows, start + rows] = -1.0  # the row itself always comes first
        # argpartition picks the k smallest; a stable sort of those (gathered in index
        # order) orders them by distance, then index.
        part = np.sort(np.argpartition(d, k - 1, axis=1)[:, :k], axis=1)
        pd = np.take_along_axis(d, part, axis=1)
        order = np.argsort(pd, axis=1, kind="stable")
        indices[start:stop] = np.take_along_axis(part, order, axis=1)
        distances[start:stop] = np.take_along_axis(pd, order, axis=1)
    distances[:, 0] = 0.0
    if metric == "euclidean":
        np.sqrt(distances, out=distances)
    return indices, distances
