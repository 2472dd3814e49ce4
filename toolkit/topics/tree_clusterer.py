"""The topic tree as a clusterer for BERTopic's slot (``clustering.method: hierarchy``, the default).

The tree itself (base clusters, Ward merges, the criterion) is :mod:`toolkit.topics.tree`;
this module wraps it in the toolkit's clusterer conventions (:class:`~toolkit.topics.clusterers.Clusterer`:
parameters declared once, ``config_keys``, ``describe``) and is named in
:data:`toolkit.topics.clustering.CLUSTERERS`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from toolkit.errors import ParameterError
from toolkit.topics.clusterers import Clusterer, Integer, as_points
from toolkit.topics.labels import renumber_by_size

__all__ = ["TreeClusterer"]

log = logging.getLogger(__name__)


class TreeClusterer(Clusterer):
    """The topic tree (``clustering.method: hierarchy``, the default): base clusters merged by
    Ward's criterion, cut at the best-scoring count or at a given one (see
    :mod:`toolkit.topics.tree`).

    Parameters
    ----------
    n_clusters : int or "auto", default "auto"
        Topics; ``"auto"``: the candidate count with the best weighted centroid silhouette.
    min_clusters : int, default 5
        Fewest topics ``"auto"`` considers.
    max_clusters : int or None, default None
        Most topics ``"auto"`` considers; ``None``: one per ``min_size`` units, no cap.
    min_size : int, default 15
        ``"auto"`` considers at most one topic per this many units (one topic for fewer than
        twice as many).
    base_size : int, default 5
        Units per base cluster, on average (the finest level of the tree).
    sample : int, default 20000
        The base k-means is fitted on at most this many units (seeded).
    n_init : int, default 10
        Starts of the base k-means; the one with the least inertia is kept. More starts make
        the chosen count steadier against small changes of the input (docs/benchmarks.md,
        "Embedding precision").
    random_state : int, default 42

    Attributes
    ----------
    labels_ : ndarray of int
        Topic per unit, 0 the largest.
    n_clusters_ : int
    tree_ : TopicTree
        The tree; ``tree_.labels(k)`` gives any other level without refitting.
    scores_ : dict of int to float
        The criterion of every candidate count.
    """

    _constraints: ClassVar[Mapping[str, Any]] = {
        "n_clusters": Integer(2, auto=True),
        "min_clusters": Integer(2),
        "min_size": Integer(1),
        "base_size": Integer(1),
        "sample": Integer(10),
        "n_init": Integer(1),
    }
    config_keys: ClassVar[Mapping[str, str]] = {
        "n_clusters": "clustering.n_clusters",
        "min_clusters": "clustering.min_clusters",
        "max_clusters": "clustering.max_clusters",
        "min_size": "clustering.min_size",
        "base_size": "clustering.base_size",
        "sample": "clustering.tree_sample",
        "n_init": "clustering.n_init",
        "random_state": "seed",
    }

    def __init__(self, n_clusters: int | str = "auto", min_clusters: int = 5, max_clusters: int | None = None,
                 min_size: int = 15, base_size: int = 5, sample: int = 20000, n_init: int = 10,
                 random_state: int = 42) -> None:
        self.n_clusters = n_clusters
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.min_size = min_size
        self.base_size = base_size
        self.sample = sample
        self.n_init = n_init
        self.random_state = random_state

    def _validate(self) -> None:
        super()._validate()
        if self.max_clusters is not None:
            problem = Integer(2).problem(self.max_clusters)
            if problem is not None:
                raise ParameterError("max_clusters", problem + " or None")

    def fit(self, X: Any, y: Any = None) -> TreeClusterer:  # noqa: ARG002 - scikit-learn signature
        """Build the tree on ``X`` (units by reduced dimensions) and cut it; sets ``labels_``."""
        from toolkit.topics.tree import build_tree

        self._validate()
        X = as_points(X, type(self).__name__)
        self.tree_ = build_tree(X, base_size=int(self.base_size), min_clusters=int(self.min_clusters),
                                max_clusters=self.max_clusters, min_size=int(self.min_size),
                                sample=int(self.sample), n_init=int(self.n_init),
                                random_state=int(self.random_state))
        self.scores_ = dict(self.tree_.scores)
        self.best_count_ = self.tree_.best_count()
        k = self.best_count_ if self.n_clusters == "auto" else min(int(self.n_clusters), self.tree_.n_base)
        if self.n_clusters == "auto" and X.shape[0] < 2 * int(self.min_size):
            k = 1  # too few units for two topics of min_size: one topic, not a forced split
            log.info("topic tree: %d units, fewer than 2 x min_size (%d): one topic", X.shape[0], self.min_size)
        self.labels_ = renumber_by_size(self.tree_.labels(k))
        self.n_clusters_ = int(np.unique(self.labels_).size)
        log.info("topic tree: %d topics (best count by the criterion: %d)", self.n_clusters_, self.best_count_)
        return self

    def describe(self, config: Any) -> dict[str, Any]:
        """Method, the count asked for, the count fitted, and the criterion over every candidate."""
        out: dict[str, Any] = {"method": config.clustering.method, "n_clusters": config.clustering.n_clusters}
        if hasattr(self, "tree_"):
            out.update({
                "n_clusters_fitted": int(self.n_clusters_), "best_count": int(self.best_count_),
                "n_base_clusters": int(self.tree_.n_base),
                "criterion": "weighted silhouette of the base-cluster centroids",
                "scores": {str(k): v for k, v in self.scores_.items()},
            })
        return out
