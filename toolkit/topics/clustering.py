"""Clusterers for BERTopic's clustering slot: one registry, :data:`CLUSTERERS` (``clustering.method``).

BERTopic calls ``fit(X)`` on its clustering model and reads ``labels_``. The topic tree
assigns every unit and keeps every level; HDBSCAN finds its own number of clusters and leaves
outliers (``-1``); the scikit-learn
methods assign every unit and need a number of clusters:

``hierarchy`` (the default)
    The topic tree of :mod:`toolkit.topics.tree`: small base clusters merged by Ward's
    criterion, cut at the count with the best criterion (or at ``clustering.n_clusters``);
    every unit gets a topic, and every other level of the tree stays available.
``hdbscan``
    :class:`hdbscan.HDBSCAN`, settings in the ``hdbscan`` section.
``kmeans``
    :class:`sklearn.cluster.KMeans` (seeded, ``n_init`` restarts).
``gmm``
    :class:`sklearn.mixture.GaussianMixture` (seeded); ``labels_`` is the most probable
    component of each unit.
``agglomerative``
    :class:`sklearn.cluster.AgglomerativeClustering` (``linkage``, ward by default).

``clustering.n_clusters`` is an integer or ``"auto"``. For the scikit-learn methods, ``auto`` fits every count from
``clustering.min_clusters`` to an upper bound that grows with the corpus (at most
``clustering.max_clusters`` when set, and no more than one cluster per ``clustering.min_size``
units), scores each with the silhouette on the reduced embeddings, and keeps the smallest
count whose silhouette is within ``clustering.auto_tolerance`` (relative) of the best one.
Silhouette curves over k are flat near their top (differences of a few percent are within
the noise of sampling and k-means restarts), so among near-equal counts the fewest topics,
easier to read and more stable, are preferred. The same config thus adapts to a
70-sentence corpus and to a 3,000-sentence one without knowing how many themes there are.

The estimator classes live in :mod:`toolkit.topics.clusterers` (the topic tree's in
:mod:`toolkit.topics.tree_clusterer`), which import scikit-learn
and hdbscan; this module only names them, so the config (whose ``clustering.method`` lists
the registry's names) imports in milliseconds. A class is imported the first time the
registry is asked for it. A new method is one class there and one line in :data:`CLUSTERERS`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from toolkit.errors import ParameterError

__all__ = ["CLUSTERERS", "CLUSTER_METHODS", "ClustererRegistry", "build_clusterer"]


class ClustererRegistry(Mapping[str, type]):
    """Method name -> estimator class, each class imported from :mod:`toolkit.topics.clusterers`
    when first asked for.

    Parameters
    ----------
    classes : mapping of str to str
        Method name -> class name in :mod:`toolkit.topics.clusterers`, or ``"module:Class"``
        for a class in another module of :mod:`toolkit.topics`.
    """

    def __init__(self, classes: Mapping[str, str]) -> None:
        self.classes = dict(classes)

    def __getitem__(self, method: str) -> type:
        # Not `from toolkit.topics import clusterers`: that names the package, whose __init__
        # reaches model.py, which imports this module (an import cycle for the checks).
        from importlib import import_module

        module, _, name = self.classes[method].rpartition(":")
        return getattr(import_module(f"toolkit.topics.{module or 'clusterers'}"), name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.classes)

    def __len__(self) -> int:
        return len(self.classes)

    def get_class(self, method: str) -> type:
        """The class of ``method``; a :class:`~toolkit.errors.ParameterError` names the methods there are."""
        if method not in self.classes:
            raise ParameterError("method", f"expected one of {', '.join(self.classes)}, got {method!r}")
        return self[method]


CLUSTERERS = ClustererRegistry({
    "hierarchy": "tree_clusterer:TreeClusterer",
    "hdbscan": "HdbscanClusterer",
    "kmeans": "KMeansClusterer",
    "gmm": "GaussianMixtureClusterer",
    "agglomerative": "AgglomerativeClusterer",
})
"""The clustering methods, ``clustering.method`` -> estimator class."""

CLUSTER_METHODS = tuple(CLUSTERERS)
"""The values ``clustering.method`` accepts (the registry's names)."""


def build_clusterer(config: Any, n_units: int) -> Any:
    """The clustering model for BERTopic, from ``config.clustering`` (and ``config.hdbscan``).

    Parameters
    ----------
    config : ExperimentConfig
    n_units : int
        Units to cluster (HDBSCAN's ``min_cluster_size`` and a fixed cluster count are
        lowered on tiny corpora).

    Returns
    -------
    estimator
        The registered class's ``from_config``: has ``fit(X)``, ``labels_``,
        ``config_keys`` and ``describe(config)``.
    """
    try:
        cls = CLUSTERERS.get_class(config.clustering.method)
    except ParameterError as exc:
        raise exc.for_key("clustering.method") from exc
    return cls.from_config(config, n_units)
