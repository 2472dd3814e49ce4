"""Clusterers for BERTopic's clustering slot (``clustering.method``).

BERTopic calls ``fit(X)`` on its clustering model and reads ``labels_``. HDBSCAN (the
default) finds its own number of clusters and leaves outliers (``-1``); the scikit-learn
methods assign every unit and need a number of clusters:

``kmeans``
    :class:`sklearn.cluster.KMeans` (seeded, ``n_init`` restarts).
``gmm``
    :class:`sklearn.mixture.GaussianMixture` (seeded); ``labels_`` is the most probable
    component of each unit.
``agglomerative``
    :class:`sklearn.cluster.AgglomerativeClustering` (``linkage``, ward by default).

``clustering.n_clusters`` is an integer or ``"auto"``. ``auto`` fits every count from
``clustering.min_clusters`` to an upper bound that grows with the corpus (at most
``clustering.max_clusters``, and no more than one cluster per ``clustering.min_size``
units), scores each with the silhouette on the reduced embeddings, and keeps the smallest
count whose silhouette is within ``clustering.auto_tolerance`` (relative) of the best one.
Silhouette curves over k are flat near their top (differences of a few percent are within
the noise of sampling and k-means restarts), so among near-equal counts the fewest topics,
easier to read and more stable, are preferred. The same config thus adapts to a
70-sentence corpus and to a 3,000-sentence one without knowing how many themes there are.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from toolkit.errors import ConfigError, TopicModelError

__all__ = ["CLUSTER_METHODS", "AutoKClusterer", "FixedKClusterer", "auto_k_range", "build_clusterer"]

log = logging.getLogger(__name__)

CLUSTER_METHODS = ("hdbscan", "kmeans", "gmm", "agglomerative")
"""The values ``clustering.method`` accepts."""

_LINKAGES = ("ward", "average", "complete", "single")
_COVARIANCES = ("full", "tied", "diag", "spherical")
_SILHOUETTE_SAMPLE = 2000


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name}: expected an integer >= {minimum}, got {value!r}")


def _as_points(X: Any, what: str) -> np.ndarray:
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise TopicModelError(f"{what}: need a 2-D matrix with at least 2 rows to cluster, got shape {arr.shape}")
    return arr


def _fit_labels(method: str, X: np.ndarray, k: int, random_state: int, n_init: int, linkage: str,
                covariance_type: str) -> np.ndarray:
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(X).labels_
    if method == "gmm":
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_components=k, covariance_type=covariance_type, n_init=n_init,
                             random_state=random_state, reg_covar=1e-5)
        return gm.fit(X).predict(X)
    from sklearn.cluster import AgglomerativeClustering

    return AgglomerativeClustering(n_clusters=k, linkage=linkage).fit(X).labels_


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Ids 0..k-1 by decreasing size (ties by first occurrence), so runs read the same way."""
    ids, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = {int(ids[i]): rank for rank, i in enumerate(order)}
    return np.asarray([mapping[int(v)] for v in labels], dtype=int)


def _check_shared(est: Any) -> None:
    """The settings both scikit-learn clusterers share."""
    _check_choice("clustering.method", est.method, CLUSTER_METHODS[1:])
    _check_int("clustering.n_init", est.n_init, 1)
    _check_choice("clustering.linkage", est.linkage, _LINKAGES)
    _check_choice("clustering.covariance_type", est.covariance_type, _COVARIANCES)


class FixedKClusterer:
    """k-means, Gaussian mixture or agglomerative clustering with a given number of clusters.

    Parameters
    ----------
    method : {"kmeans", "gmm", "agglomerative"}, default "kmeans"
    n_clusters : int, default 8
        Clipped to the number of units.
    random_state : int, default 42
    n_init : int, default 10
        Restarts (k-means, Gaussian mixture).
    linkage : {"ward", "average", "complete", "single"}, default "ward"
        Agglomerative linkage.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
        Gaussian mixture covariance.

    Attributes
    ----------
    labels_ : ndarray of int
        Cluster per unit, 0 the largest.
    n_clusters_ : int
    """

    def __init__(self, method: str = "kmeans", n_clusters: int = 8, random_state: int = 42, n_init: int = 10,
                 linkage: str = "ward", covariance_type: str = "full") -> None:
        self.method = method
        self.n_clusters = n_clusters
        self.random_state = random_state
        self.n_init = n_init
        self.linkage = linkage
        self.covariance_type = covariance_type

    def _validate(self) -> None:
        _check_shared(self)
        _check_int("clustering.n_clusters", self.n_clusters, 2)

    def fit(self, X: Any, y: Any = None) -> FixedKClusterer:
        """Cluster ``X`` (units by reduced dimensions); sets ``labels_``."""
        self._validate()
        X = _as_points(X, f"clustering.method={self.method}")
        k = min(int(self.n_clusters), X.shape[0])
        labels = _fit_labels(self.method, X, k, self.random_state, self.n_init, self.linkage,
                             self.covariance_type)
        self.labels_ = _relabel_by_size(labels)
        self.n_clusters_ = int(np.unique(self.labels_).size)
        return self

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit`` and return ``labels_``."""
        return self.fit(X, y).labels_


def auto_k_range(n_units: int, min_clusters: int = 5, max_clusters: int = 30, min_size: int = 15
                 ) -> tuple[int, int]:
    """The cluster counts ``clustering.n_clusters: auto`` tries, for a corpus of ``n_units``.

    The upper bound is ``max_clusters``, and no more than one cluster per ``min_size`` units;
    the lower bound is ``min_clusters``, lowered when the corpus is too small for it.

    Returns
    -------
    (int, int)
        ``(k_min, k_max)``, both inclusive, ``2 <= k_min <= k_max``.

    Raises
    ------
    TopicModelError
        When there are fewer than 3 units (no count from 2 up can be scored).
    """
    if n_units < 3:
        raise TopicModelError(f"only {n_units} units: too few to choose a number of clusters")
    hi = max(2, min(max_clusters, n_units // max(min_size, 1), n_units - 1))
    lo = max(2, min(min_clusters, hi))
    return lo, hi


class AutoKClusterer:
    """Choose the number of clusters by silhouette, then cluster.

    Parameters
    ----------
    method : {"kmeans", "gmm", "agglomerative"}, default "kmeans"
    min_clusters, max_clusters, min_size : int
        See :func:`auto_k_range`.
    tolerance : float, default 0.05
        Keep the smallest count whose silhouette is at least ``(1 - tolerance)`` times the
        best; 0 keeps the best count.
    random_state, n_init, linkage, covariance_type
        As for :class:`FixedKClusterer`.

    Attributes
    ----------
    labels_ : ndarray of int
    n_clusters_ : int
        The chosen count.
    scores_ : dict of int to float
        Silhouette of every count tried (on at most 2,000 sampled units, seeded).
    """

    def __init__(self, method: str = "kmeans", min_clusters: int = 5, max_clusters: int = 30,
                 min_size: int = 15, tolerance: float = 0.05, random_state: int = 42, n_init: int = 10,
                 linkage: str = "ward", covariance_type: str = "full") -> None:
        self.method = method
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.min_size = min_size
        self.tolerance = tolerance
        self.random_state = random_state
        self.n_init = n_init
        self.linkage = linkage
        self.covariance_type = covariance_type

    def _validate(self) -> None:
        _check_shared(self)
        _check_int("clustering.min_clusters", self.min_clusters, 2)
        _check_int("clustering.max_clusters", self.max_clusters, 2)
        _check_int("clustering.min_size", self.min_size, 1)
        if self.max_clusters < self.min_clusters:
            raise ConfigError(f"clustering.max_clusters ({self.max_clusters}) must be at least "
                              f"clustering.min_clusters ({self.min_clusters})")
        if isinstance(self.tolerance, bool) or not isinstance(self.tolerance, (int, float)) \
                or not 0.0 <= float(self.tolerance) < 1.0:
            raise ConfigError(f"clustering.auto_tolerance: expected a number in [0, 1), got {self.tolerance!r}")

    def fit(self, X: Any, y: Any = None) -> AutoKClusterer:
        """Score every count in range, keep the smallest near-best one; sets ``labels_``."""
        from sklearn.metrics import silhouette_score

        self._validate()
        X = _as_points(X, f"clustering.method={self.method}")
        lo, hi = auto_k_range(X.shape[0], self.min_clusters, self.max_clusters, self.min_size)
        sample = min(_SILHOUETTE_SAMPLE, X.shape[0])
        self.scores_: dict[int, float] = {}
        fitted: dict[int, np.ndarray] = {}
        for k in range(lo, hi + 1):
            labels = _fit_labels(self.method, X, k, self.random_state, self.n_init, self.linkage,
                                 self.covariance_type)
            if np.unique(labels).size < 2:
                continue
            score = float(silhouette_score(X, labels, sample_size=sample, random_state=self.random_state))
            self.scores_[k] = round(score, 4)
            fitted[k] = labels
        if not fitted:
            raise TopicModelError(f"clustering.n_clusters=auto: no count in {lo}..{hi} gave two clusters")
        best = max(self.scores_.values())
        floor = best - abs(best) * float(self.tolerance)
        chosen = min(k for k, v in self.scores_.items() if v >= floor)
        self.labels_ = _relabel_by_size(fitted[chosen])
        self.n_clusters_ = int(np.unique(self.labels_).size)
        log.info("clustering %s: chose %d clusters (silhouette %.3f, best %.3f) among %d..%d",
                 self.method, chosen, self.scores_[chosen], best, lo, hi)
        return self

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit`` and return ``labels_``."""
        return self.fit(X, y).labels_


def build_clusterer(config: Any, n_units: int) -> Any:
    """The clustering model for BERTopic, from ``config.clustering`` and ``config.hdbscan``.

    Parameters
    ----------
    config : ExperimentConfig
    n_units : int
        Units to cluster (HDBSCAN's ``min_cluster_size`` is lowered on tiny corpora).

    Returns
    -------
    estimator
        Has ``fit(X)`` and ``labels_``.
    """
    c = config.clustering
    seed = config.seed
    if c.method == "hdbscan":
        from hdbscan import HDBSCAN

        h = config.hdbscan
        size = min(h.min_cluster_size, max(2, n_units // 2))
        if size != h.min_cluster_size:
            log.warning("small corpus (%d units): hdbscan.min_cluster_size %d -> %d", n_units,
                        h.min_cluster_size, size)
        return HDBSCAN(min_cluster_size=size, min_samples=h.min_samples, metric="euclidean",
                       cluster_selection_method=h.cluster_selection_method,
                       cluster_selection_epsilon=h.cluster_selection_epsilon, prediction_data=True)
    common: dict[str, Any] = {"method": c.method, "random_state": seed, "n_init": c.n_init,
                              "linkage": c.linkage, "covariance_type": c.covariance_type}
    if c.n_clusters == "auto":
        return AutoKClusterer(min_clusters=c.min_clusters, max_clusters=c.max_clusters, min_size=c.min_size,
                              tolerance=c.auto_tolerance, **common)
    k = int(c.n_clusters)
    if k > n_units:
        log.warning("small corpus (%d units): clustering.n_clusters %d -> %d", n_units, k, n_units)
    return FixedKClusterer(n_clusters=min(k, n_units), **common)
