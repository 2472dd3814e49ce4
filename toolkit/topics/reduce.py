"""UMAP reduction of embedding matrices (seeded, safe on small corpora)."""

from __future__ import annotations

import logging
import warnings

import numpy as np

from toolkit.errors import TopicModelError

__all__ = ["reduce_embeddings", "fit_reducer", "MIN_SEGMENTS"]

log = logging.getLogger(__name__)

#: Fewer units than this cannot form topics.
MIN_SEGMENTS = 6


def reduce_embeddings(embeddings: np.ndarray, *, n_components: int, n_neighbors: int,
                      min_dist: float = 0.0, metric: str = "cosine", seed: int = 42) -> np.ndarray:
    """Reduce with UMAP, deterministically for a given seed.

    ``n_neighbors`` and ``n_components`` are clamped to what the corpus size allows (UMAP's
    spectral initialisation needs fewer components than points), and the clamping is logged.

    Returns
    -------
    numpy.ndarray
        ``(n, n_components)`` float32.
    """
    return fit_reducer(embeddings, n_components=n_components, n_neighbors=n_neighbors,
                       min_dist=min_dist, metric=metric, seed=seed)[1]


def fit_reducer(embeddings: np.ndarray, *, n_components: int, n_neighbors: int, min_dist: float = 0.0,
                metric: str = "cosine", seed: int = 42, approximate: bool = False):
    """Like :func:`reduce_embeddings`, and also return the fitted UMAP (for ``transform``).

    ``approximate=True`` makes UMAP use its NN-descent index even below 4,096 rows. A model
    that will ``transform`` new rows needs it: without the index UMAP measures every new row
    against every training row through a Python callable (about 30 rows/s here).

    Returns
    -------
    model : umap.UMAP
    reduced : numpy.ndarray
        ``(n, n_components)`` float32.
    """
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
    from umap import UMAP

    model = UMAP(n_neighbors=k, n_components=dims, min_dist=min_dist, metric=metric,
                 random_state=seed, low_memory=True, verbose=False, force_approximation_algorithm=approximate)
    with warnings.catch_warnings():
        # UMAP warns that random_state disables parallelism: that is the point (reproducible).
        warnings.filterwarnings("ignore", message=".*n_jobs value.*", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*random_state.*", category=UserWarning)
        reduced = model.fit_transform(embeddings)
    return model, np.asarray(reduced, dtype=np.float32)
