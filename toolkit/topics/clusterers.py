"""The estimators behind ``clustering.method``, one class per method.

:data:`toolkit.topics.clustering.CLUSTERERS` names them; this module holds the classes (it
imports scikit-learn and hdbscan, which the registry's importers, the config among them, do
not need). Every class is a scikit-learn clusterer (``get_params``, ``set_params``,
``sklearn.base.clone``; ``fit`` sets ``labels_``) and also knows

- ``config_keys``: each parameter's config key path (``tolerance`` ->
  ``clustering.auto_tolerance``, ``random_state`` -> ``seed``);
- ``from_config(config, n_units)``: the estimator a run's config asks for, adjusted to the
  corpus size;
- ``describe(config)``: what it did, for the run manifest (``details["clustering"]``).

The scikit-learn methods share :class:`CountClusterer`: a number of clusters, or ``"auto"``
(see :mod:`toolkit.topics.clustering`), and their parameters declared once in
``_constraints``, checked in ``fit`` by one :meth:`Clusterer._validate` (``__init__`` only
stores). A new method is a subclass with its parameters, their keys and ``_labels(X, k)``,
plus one registry line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from hdbscan import HDBSCAN
from sklearn.base import BaseEstimator, ClusterMixin

from toolkit.errors import ParameterError, TopicModelError
from toolkit.topics.labels import renumber_by_size

__all__ = [
    "AgglomerativeClusterer",
    "ConfigBuilt",
    "Clusterer",
    "CountClusterer",
    "GaussianMixtureClusterer",
    "HdbscanClusterer",
    "KMeansClusterer",
    "as_points",
    "auto_k_range",
    "config_value",
]

log = logging.getLogger(__name__)

_SILHOUETTE_SAMPLE = 2000


# ---------------------------------------------------------------- parameter declarations


@dataclass(frozen=True)
class Integer:
    """An integer of at least ``minimum``; with ``auto``, the string ``"auto"`` too."""

    minimum: int
    auto: bool = False

    def problem(self, value: Any) -> str | None:
        if self.auto and value == "auto":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < self.minimum:
            allowed = f"an integer >= {self.minimum}" + (" or 'auto'" if self.auto else "")
            return f"expected {allowed}, got {value!r}"
        return None


@dataclass(frozen=True)
class OneOf:
    """One of ``choices``."""

    choices: tuple[str, ...]

    def problem(self, value: Any) -> str | None:
        if value not in self.choices:
            return f"expected one of {', '.join(self.choices)}, got {value!r}"
        return None


@dataclass(frozen=True)
class Fraction:
    """A number in ``[0, 1)``."""

    def problem(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) < 1.0:
            return f"expected a number in [0, 1), got {value!r}"
        return None


def config_value(config: Any, key: str) -> Any:
    """The value at a dotted key path of a config (``"clustering.n_init"``, ``"seed"``)."""
    value = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


# ---------------------------------------------------------------- shared behaviour


class ConfigBuilt:
    """What every registry entry adds to its estimator: built from a config, described after fit.

    ``config_keys`` maps each parameter that comes from the config to its key path; a
    :class:`~toolkit.errors.ParameterError` on one of them can then name the key
    (``toolkit.topics.model.fit_topics`` does).
    """

    config_keys: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def config_params(cls, config: Any) -> dict[str, Any]:
        """Every parameter in ``config_keys``, read from ``config``."""
        return {param: config_value(config, key) for param, key in cls.config_keys.items()}

    @classmethod
    def from_config(cls, config: Any, n_units: int) -> ConfigBuilt:  # noqa: ARG003 - for subclasses
        """The estimator ``config`` asks for, for a corpus of ``n_units`` units."""
        return cls(**cls.config_params(config))

    def describe(self, config: Any) -> dict[str, Any]:
        """What the fitted estimator did (``details["clustering"]`` of a run)."""
        raise NotImplementedError


class Clusterer(ConfigBuilt, ClusterMixin, BaseEstimator):
    """Base of the toolkit's own clusterers: parameters declared in ``_constraints``.

    ``_constraints`` maps a parameter name to a declaration (:class:`Integer`, :class:`OneOf`,
    :class:`Fraction`) whose ``problem(value)`` says what is wrong, or ``None``.
    """

    _constraints: ClassVar[Mapping[str, Any]] = {}

    def _validate(self) -> None:
        for name, constraint in self._constraints.items():
            problem = constraint.problem(getattr(self, name))
            if problem is not None:
                raise ParameterError(name, problem)


def as_points(X: Any, what: str) -> np.ndarray:
    """``X`` as a float64 matrix of at least 2 rows; a :class:`TopicModelError` otherwise."""
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise TopicModelError(f"{what}: need a 2-D matrix with at least 2 rows to cluster, got shape {arr.shape}")
    return arr


def auto_k_range(n_units: int, min_clusters: int = 5, max_clusters: int | None = 30, min_size: int = 15
                 ) -> tuple[int, int]:
    """The cluster counts ``n_clusters="auto"`` tries, for a corpus of ``n_units``.

    The upper bound is ``max_clusters`` (``None``: no cap), and no more than one cluster per
    ``min_size`` units;
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
    cap = n_units if max_clusters is None else max_clusters
    hi = max(2, min(cap, n_units // max(min_size, 1), n_units - 1))
    lo = max(2, min(min_clusters, hi))
    return lo, hi


class CountClusterer(Clusterer):
    """A clusterer that needs a number of clusters: a given one, or the best by silhouette.

    Subclasses add their own parameters (to ``__init__``, ``_constraints`` and
    ``config_keys``) and ``_labels(X, k)``, the raw labels for ``k`` clusters.

    Parameters
    ----------
    n_clusters : int or "auto", default "auto"
        An integer >= 2 (clipped to the number of units), or ``"auto"``: fit every count
        from :func:`auto_k_range`, score each with the silhouette, keep the smallest count
        whose silhouette is at least ``(1 - tolerance)`` times the best.
    min_clusters, max_clusters, min_size : int, default 5, 30, 15
        See :func:`auto_k_range` (``"auto"`` only); ``max_clusters=None``: no cap.
    tolerance : float, default 0.05
        In [0, 1); 0 keeps the best count (``"auto"`` only).
    random_state : int, default 42

    Attributes
    ----------
    labels_ : ndarray of int
        Cluster per unit, 0 the largest.
    n_clusters_ : int
        Clusters found.
    scores_ : dict of int to float
        With ``"auto"``, the silhouette of every count tried (on at most 2,000 sampled units,
        seeded); empty for a given count.
    """

    _constraints: ClassVar[Mapping[str, Any]] = {
        "n_clusters": Integer(2, auto=True),
        "min_clusters": Integer(2),
        "min_size": Integer(1),
        "tolerance": Fraction(),
    }
    config_keys: ClassVar[Mapping[str, str]] = {
        "n_clusters": "clustering.n_clusters",
        "min_clusters": "clustering.min_clusters",
        "max_clusters": "clustering.max_clusters",
        "min_size": "clustering.min_size",
        "tolerance": "clustering.auto_tolerance",
        "random_state": "seed",
    }

    def __init__(self, n_clusters: int | str = "auto", min_clusters: int = 5, max_clusters: int = 30,
                 min_size: int = 15, tolerance: float = 0.05, random_state: int = 42) -> None:
        self.n_clusters = n_clusters
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.min_size = min_size
        self.tolerance = tolerance
        self.random_state = random_state

    def _labels(self, X: np.ndarray, k: int) -> np.ndarray:
        raise NotImplementedError

    def _validate(self) -> None:
        super()._validate()
        if self.max_clusters is None:
            return
        problem = Integer(2).problem(self.max_clusters)
        if problem is not None:
            raise ParameterError("max_clusters", problem + " or None")
        if self.max_clusters < self.min_clusters:
            raise ParameterError("max_clusters", f"must be at least min_clusters ({self.min_clusters}), "
                                                 f"got {self.max_clusters}")

    @classmethod
    def from_config(cls, config: Any, n_units: int) -> CountClusterer:
        """From ``config.clustering`` and ``config.seed``; a count above ``n_units`` is clipped."""
        params = cls.config_params(config)
        k = params["n_clusters"]
        if k != "auto" and int(k) > n_units:
            log.warning("small corpus (%d units): clustering.n_clusters %d -> %d", n_units, k, n_units)
            params["n_clusters"] = n_units
        return cls(**params)

    def fit(self, X: Any, y: Any = None) -> CountClusterer:  # noqa: ARG002 - scikit-learn signature
        """Cluster ``X`` (units by reduced dimensions); sets ``labels_``."""
        self._validate()
        X = as_points(X, type(self).__name__)
        if self.n_clusters == "auto":
            labels, self.scores_ = self._best_count(X)
        else:
            labels, self.scores_ = self._labels(X, min(int(self.n_clusters), X.shape[0])), {}
        self.labels_ = renumber_by_size(labels)
        self.n_clusters_ = int(np.unique(self.labels_).size)
        return self

    def _best_count(self, X: np.ndarray) -> tuple[np.ndarray, dict[int, float]]:
        """Labels of the smallest near-best count by silhouette, and every count's score."""
        from sklearn.metrics import silhouette_score

        lo, hi = auto_k_range(X.shape[0], self.min_clusters, self.max_clusters, self.min_size)
        sample = min(_SILHOUETTE_SAMPLE, X.shape[0])
        scores: dict[int, float] = {}
        fitted: dict[int, np.ndarray] = {}
        for k in range(lo, hi + 1):
            labels = self._labels(X, k)
            if np.unique(labels).size < 2:
                continue
            score = float(silhouette_score(X, labels, sample_size=sample, random_state=self.random_state))
            scores[k] = round(score, 4)
            fitted[k] = labels
        if not fitted:
            raise TopicModelError(f"n_clusters=auto: no count in {lo}..{hi} gave two clusters")
        best = max(scores.values())
        floor = best - abs(best) * float(self.tolerance)
        chosen = min(k for k, v in scores.items() if v >= floor)
        log.info("clustering %s: chose %d clusters (silhouette %.3f, best %.3f) among %d..%d",
                 type(self).__name__, chosen, scores[chosen], best, lo, hi)
        return fitted[chosen], scores

    def describe(self, config: Any) -> dict[str, Any]:
        """Method, the count asked for (before any clipping), the count found, silhouettes."""
        out: dict[str, Any] = {"method": config.clustering.method, "n_clusters": config.clustering.n_clusters}
        if hasattr(self, "n_clusters_"):
            out["n_clusters_fitted"] = int(self.n_clusters_)
        if getattr(self, "scores_", None):
            out["silhouette"] = {str(k): v for k, v in self.scores_.items()}
        return out


class KMeansClusterer(CountClusterer):
    """:class:`sklearn.cluster.KMeans`, seeded, ``n_init`` restarts (``clustering.method: kmeans``).

    Parameters
    ----------
    n_clusters, min_clusters, max_clusters, min_size, tolerance, random_state
        See :class:`CountClusterer`.
    n_init : int, default 10
        Restarts; the best is kept.
    """

    _constraints: ClassVar[Mapping[str, Any]] = {**CountClusterer._constraints, "n_init": Integer(1)}
    config_keys: ClassVar[Mapping[str, str]] = {**CountClusterer.config_keys, "n_init": "clustering.n_init"}

    def __init__(self, n_clusters: int | str = "auto", min_clusters: int = 5, max_clusters: int = 30,
                 min_size: int = 15, tolerance: float = 0.05, random_state: int = 42, n_init: int = 10) -> None:
        super().__init__(n_clusters, min_clusters, max_clusters, min_size, tolerance, random_state)
        self.n_init = n_init

    def _labels(self, X: np.ndarray, k: int) -> np.ndarray:
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state).fit(X).labels_


class GaussianMixtureClusterer(CountClusterer):
    """:class:`sklearn.mixture.GaussianMixture`, seeded (``clustering.method: gmm``).

    ``labels_`` is the most probable component of each unit.

    Parameters
    ----------
    n_clusters, min_clusters, max_clusters, min_size, tolerance, random_state
        See :class:`CountClusterer`.
    n_init : int, default 10
        Restarts; the best is kept.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
    """

    _constraints: ClassVar[Mapping[str, Any]] = {
        **CountClusterer._constraints,
        "n_init": Integer(1),
        "covariance_type": OneOf(("full", "tied", "diag", "spherical")),
    }
    config_keys: ClassVar[Mapping[str, str]] = {
        **CountClusterer.config_keys,
        "n_init": "clustering.n_init",
        "covariance_type": "clustering.covariance_type",
    }

    def __init__(self, n_clusters: int | str = "auto", min_clusters: int = 5, max_clusters: int = 30,
                 min_size: int = 15, tolerance: float = 0.05, random_state: int = 42, n_init: int = 10,
                 covariance_type: str = "full") -> None:
        super().__init__(n_clusters, min_clusters, max_clusters, min_size, tolerance, random_state)
        self.n_init = n_init
        self.covariance_type = covariance_type

    def _labels(self, X: np.ndarray, k: int) -> np.ndarray:
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_components=k, covariance_type=self.covariance_type, n_init=self.n_init,
                             random_state=self.random_state, reg_covar=1e-5)
        return gm.fit(X).predict(X)


class AgglomerativeClusterer(CountClusterer):
    """:class:`sklearn.cluster.AgglomerativeClustering` (``clustering.method: agglomerative``).

    Parameters
    ----------
    n_clusters, min_clusters, max_clusters, min_size, tolerance, random_state
        See :class:`CountClusterer` (the clustering itself draws no random numbers; the
        silhouette sample of ``"auto"`` does).
    linkage : {"ward", "average", "complete", "single"}, default "ward"
    """

    _constraints: ClassVar[Mapping[str, Any]] = {
        **CountClusterer._constraints,
        "linkage": OneOf(("ward", "average", "complete", "single")),
    }
    config_keys: ClassVar[Mapping[str, str]] = {**CountClusterer.config_keys, "linkage": "clustering.linkage"}

    def __init__(self, n_clusters: int | str = "auto", min_clusters: int = 5, max_clusters: int = 30,
                 min_size: int = 15, tolerance: float = 0.05, random_state: int = 42, linkage: str = "ward") -> None:
        super().__init__(n_clusters, min_clusters, max_clusters, min_size, tolerance, random_state)
        self.linkage = linkage

    def _labels(self, X: np.ndarray, k: int) -> np.ndarray:
        from sklearn.cluster import AgglomerativeClustering

        return AgglomerativeClustering(n_clusters=k, linkage=self.linkage).fit(X).labels_


class HdbscanClusterer(ConfigBuilt, HDBSCAN):
    """:class:`hdbscan.HDBSCAN` itself (``clustering.method: hdbscan``, the default), built from
    the ``hdbscan`` config section.

    A subclass, not a wrapper: BERTopic recognises HDBSCAN models (``isinstance``) for its
    probabilities and ``approximate_predict``. Parameters and validation are HDBSCAN's.
    """

    config_keys: ClassVar[Mapping[str, str]] = {
        "min_cluster_size": "hdbscan.min_cluster_size",
        "min_samples": "hdbscan.min_samples",
        "cluster_selection_method": "hdbscan.cluster_selection_method",
        "cluster_selection_epsilon": "hdbscan.cluster_selection_epsilon",
    }

    @classmethod
    def from_config(cls, config: Any, n_units: int) -> HdbscanClusterer:
        """From ``config.hdbscan``; ``min_cluster_size`` lowered to half of a tiny corpus."""
        params = cls.config_params(config)
        asked = params["min_cluster_size"]
        params["min_cluster_size"] = min(asked, max(2, n_units // 2))
        if params["min_cluster_size"] != asked:
            log.warning("small corpus (%d units): hdbscan.min_cluster_size %d -> %d", n_units, asked,
                        params["min_cluster_size"])
        return cls(metric="euclidean", prediction_data=True, **params)

    def describe(self, config: Any) -> dict[str, Any]:
        """Method and the ``min_cluster_size`` used."""
        return {"method": config.clustering.method, "min_cluster_size": int(self.min_cluster_size)}

