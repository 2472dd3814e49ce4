"""The topic tree: fine base clusters merged by Ward's criterion, cut at any number of topics.

One tree per fit serves every topic count. The units (UMAP-reduced) are first cut into many
small *base clusters* by k-means (about ``base_size`` units each, fitted on a seeded sample of
at most ``sample`` units and assigned to the rest, so the cost does not grow with the square
of the corpus). The base clusters are then merged two at a time by Ward's criterion, weighted
by their sizes (the merge that raises the within-cluster sum of squares least comes first),
until one is left. Cutting that tree after ``m - k`` merges gives ``k`` topics, nested: the
topics at ``k`` are unions of those at ``k + 1``. Changing the number of topics is a cut, never
a refit.

Choosing the count: every cut from ``k_min`` to ``k_max`` is scored by the silhouette of the
base-cluster centroids under that cut, each centroid weighted by its cluster's size, and the
best-scoring cut is kept (no tolerance toward fewer topics). Scoring centroids rather than
units keeps the criterion cheap (``m`` points, whatever the corpus size) and blind to
structure finer than a base cluster, such as the near-identical translations of one sentence
in a parallel corpus, which would otherwise reward hundreds of tiny topics. ``k_max`` is one
topic per ``min_size`` units, uncapped, so a corpus of 50 or 200 subjects can get that many
topics.

The weighted Ward merge is written here because scipy's ``linkage`` takes no weights and
scikit-learn's agglomerative clustering works on units, not on clusters with sizes; the
Lance-Williams update over at most a few thousand base clusters is a few numpy lines.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from toolkit.errors import ParameterError, TopicModelError

__all__ = ["TopicTree", "build_tree", "tree_from_base", "weighted_ward", "cut_merges", "centroid_silhouette", "centroid_silhouette_values",
           "centroid_distances",
           "tree_record", "base_topics", "level_plan", "relabel_record",
           "candidate_counts", "count_range"]

log = logging.getLogger(__name__)


@dataclass
class TopicTree:
    """A fitted topic tree.

    Attributes
    ----------
    base_labels : ndarray of int, shape (n_units,)
        Base cluster of every unit, ``0 .. m-1``.
    merges : ndarray of int, shape (m - 1, 2)
        Ward merges in order; row ``j`` joins nodes ``merges[j]`` into node ``m + j`` (base
        clusters are nodes ``0 .. m-1``, scipy's convention).
    sizes : ndarray of int, shape (m,)
        Units per base cluster.
    scores : dict of int to float
        Criterion (weighted centroid silhouette) of every candidate count.
    """

    base_labels: np.ndarray
    merges: np.ndarray
    sizes: np.ndarray
    centroids: np.ndarray
    scores: dict[int, float] = field(default_factory=dict)

    @property
    def n_base(self) -> int:
        return int(self.sizes.size)

    def cut(self, k: int) -> np.ndarray:
        """Topic of every base cluster when the tree is cut into ``k`` topics (nested in ``k``)."""
        return cut_merges(self.merges, self.n_base, k)

    def labels(self, k: int) -> np.ndarray:
        """Topic of every unit at ``k`` topics."""
        return self.cut(k)[self.base_labels]

    def best_count(self) -> int:
        """The candidate count with the best criterion (the smallest one on a tie)."""
        if not self.scores:
            raise TopicModelError("the topic tree has no scored candidate counts")
        best = max(self.scores.values())
        return min(k for k, v in self.scores.items() if v == best)


def count_range(n_units: int, n_base: int, min_clusters: int, max_clusters: int | None, min_size: int
                ) -> tuple[int, int]:
    """Candidate topic counts ``(k_min, k_max)``, both inclusive.

    ``k_max`` is one topic per ``min_size`` units, at most ``max_clusters`` (when given) and
    at most half the base clusters (a topic spans at least two of them); ``k_min`` is
    ``min_clusters``, lowered on a corpus too small for it.
    """
    hi = n_units // max(min_size, 1)
    if max_clusters is not None:
        hi = min(hi, max_clusters)
    hi = max(2, min(hi, n_base // 2 if n_base >= 4 else n_base))
    lo = max(2, min(min_clusters, hi))
    return lo, hi


def weighted_ward(centroids: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Ward merges of clusters given by their centroids and sizes.

    Merging clusters ``a`` and ``b`` raises the within-cluster sum of squares by
    ``|a||b| / (|a| + |b|) * ||c_a - c_b||^2``; the cheapest merge comes first.

    Returns
    -------
    ndarray of int, shape (m - 1, 2)
        Node pairs in merge order (scipy's numbering: the ``j``-th merge makes node ``m + j``).
    """
    cent = np.asarray(centroids, dtype=np.float64).copy()
    size = np.asarray(sizes, dtype=np.float64).copy()
    m = cent.shape[0]
    if m < 1 or size.shape != (m,) or np.any(size <= 0):
        raise ParameterError("sizes", f"need one positive size per centroid, got {size.shape} for {m} centroids")
    cost = np.full((m, m), np.inf)
    sq = ((cent[:, None, :] - cent[None, :, :]) ** 2).sum(-1)
    w = size[:, None] * size[None, :] / (size[:, None] + size[None, :])
    iu = np.triu_indices(m, 1)
    cost[iu] = (w * sq)[iu]
    node = np.arange(m)
    active = np.ones(m, dtype=bool)
    merges = np.empty((max(m - 1, 0), 2), dtype=np.int64)
    for step in range(m - 1):
        i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
        merges[step] = (node[i], node[j])
        total = size[i] + size[j]
        cent[i] = (size[i] * cent[i] + size[j] * cent[j]) / total
        size[i] = total
        active[j] = False
        cost[j, :] = np.inf
        cost[:, j] = np.inf
        node[i] = m + step
        others = np.flatnonzero(active)
        others = others[others != i]
        if others.size:
            d = size[i] * size[others] / (size[i] + size[others]) * ((cent[others] - cent[i]) ** 2).sum(1)
            cost[np.minimum(i, others), np.maximum(i, others)] = d
    return merges


def cut_merges(merges: np.ndarray, n_base: int, k: int) -> np.ndarray:
    """Topic (``0 .. k-1``, by first base cluster) of every base cluster after ``n_base - k`` merges."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n_base:
        raise ParameterError("k", f"expected a topic count from 1 to {n_base}, got {k!r}")
    parent = np.arange(2 * n_base - 1 if n_base > 0 else 0)
    for j in range(n_base - int(k)):
        a, b = merges[j]
        parent[a] = parent[b] = n_base + j

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    roots = [root(i) for i in range(n_base)]
    ids: dict[int, int] = {}
    return np.array([ids.setdefault(r, len(ids)) for r in roots], dtype=int)


def centroid_distances(centroids: np.ndarray) -> np.ndarray:
    """Euclidean distances between centroids, ``(m, m)``."""
    c = np.asarray(centroids, dtype=np.float64)
    sq = (c ** 2).sum(1)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * (c @ c.T), 0.0))


def centroid_silhouette_values(dist: np.ndarray, sizes: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The silhouette of each centroid under ``groups``, shape ``(m,)`` (see :func:`centroid_silhouette`).

    A centroid's mean distance to a group is weighted by the sizes of that group's centroids,
    itself excluded from its own group; a centroid alone in its group scores 0.
    """
    import scipy.sparse as sp

    groups = np.asarray(groups)
    ids, own = np.unique(groups, return_inverse=True)
    w = np.asarray(sizes, dtype=np.float64)
    m = w.size
    if ids.size < 2:
        return np.full(m, -1.0)
    onehot = sp.csr_matrix((w, (np.arange(m), own)), shape=(m, ids.size))
    sums = np.asarray(dist @ onehot)  # weighted distance sums from each centroid to each group
    mass = np.asarray(onehot.sum(0)).ravel()
    rows = np.arange(m)
    own_mass = mass[own] - w  # the centroid itself is not its own neighbour
    alone = own_mass <= 0
    a = sums[rows, own] / np.where(alone, 1.0, own_mass)
    means = sums / mass[None, :]
    means[rows, own] = np.inf
    b = means.min(1)
    return np.where(alone, 0.0, (b - a) / np.maximum(np.maximum(a, b), 1e-12))


def centroid_silhouette(dist: np.ndarray, sizes: np.ndarray, groups: np.ndarray) -> float:
    """Silhouette of clusters of centroids, each centroid weighted by its size.

    ``dist`` holds the centroid distances (:func:`centroid_distances`). The mean distance of
    a centroid to a group is weighted by the sizes of that group's centroids (a centroid is
    excluded from its own group), so the score approximates the unit silhouette without the
    fine structure inside a base cluster. ``-1`` for fewer than two groups.
    """
    if np.unique(np.asarray(groups)).size < 2:
        return -1.0
    w = np.asarray(sizes, dtype=np.float64)
    return float((centroid_silhouette_values(dist, sizes, groups) * w).sum() / w.sum())


def candidate_counts(lo: int, hi: int, step: float = 1.05, dense_up_to: int = 100) -> list[int]:
    """Every count from ``lo`` to ``dense_up_to``, then counts ``step`` times apart, and ``hi``.

    Above a hundred topics one more or one fewer is not a different solution, and scoring
    every count would cost ``hi`` silhouettes.
    """
    counts = list(range(lo, min(hi, dense_up_to) + 1))
    k = counts[-1] if counts else lo
    while k < hi:
        k = min(hi, max(k + 1, int(round(k * step))))
        counts.append(k)
    return counts


def build_tree(X: np.ndarray, *, base_size: int, min_clusters: int, max_clusters: int | None, min_size: int,
               sample: int, random_state: int, max_base: int = 2000, n_init: int = 10) -> TopicTree:
    """Base clusters, their Ward tree and the criterion of every candidate count.

    Parameters
    ----------
    X : ndarray of shape (n_units, dim)
        Reduced embeddings.
    base_size : int
        Units per base cluster, on average (``n_units // base_size`` base clusters, at most
        ``max_base``).
    min_clusters, max_clusters, min_size : int
        See :func:`count_range`.
    sample : int
        The base k-means is fitted on at most this many units (seeded) and assigns the rest.
    random_state : int
    n_init : int
        Starts of the base k-means (the least inertia is kept). One start let the chosen count
        follow the base clusters' luck: with the vectors and UMAP fixed, six base seeds gave
        6 to 13 topics on SIB-200 ru+de+zh; ten starts halve the NMI difference between a
        float32 and a bfloat16 run (experiments/count_rule_stability.py).
    """
    from sklearn.cluster import KMeans

    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    m = int(max(2, min(max_base, n // max(base_size, 1), n)))
    rng = np.random.default_rng(random_state)
    fit_rows = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    km = KMeans(n_clusters=m, n_init=n_init, random_state=random_state).fit(X[fit_rows])
    base = km.predict(X) if fit_rows.size < n else km.labels_
    return tree_from_base(X, base, min_clusters=min_clusters, max_clusters=max_clusters, min_size=min_size)


def tree_from_base(X: np.ndarray, base: np.ndarray, *, min_clusters: int, max_clusters: int | None,
                   min_size: int) -> TopicTree:
    """The Ward tree over given base clusters of ``X`` and the criterion of every candidate count.

    ``base`` holds a base cluster id per unit; ids that received no unit are dropped.
    """
    X = np.asarray(X, dtype=np.float64)
    present = np.unique(base)
    base = np.searchsorted(present, base)  # base clusters that received no unit are dropped
    sizes = np.bincount(base)
    centroids = np.vstack([X[base == c].mean(0) for c in range(sizes.size)])
    merges = weighted_ward(centroids, sizes)
    tree = TopicTree(base_labels=base, merges=merges, sizes=sizes, centroids=centroids)
    lo, hi = count_range(X.shape[0], tree.n_base, min_clusters, max_clusters, min_size)
    dist = centroid_distances(centroids)
    for k in candidate_counts(lo, hi):
        tree.scores[k] = round(centroid_silhouette(dist, sizes, tree.cut(k)), 4)
    log.info("topic tree: %d base clusters, counts %d..%d scored", tree.n_base, lo, hi)
    return tree


def tree_record(tree: TopicTree, base_topic: np.ndarray) -> dict:
    """The tree as JSON-ready lists, with the final topic of every base cluster (``-1``: none)."""
    return {"merges": tree.merges.tolist(), "sizes": tree.sizes.tolist(),
            "base_topic": [int(t) for t in base_topic]}


def base_topics(base_labels: np.ndarray, topics: np.ndarray, n_base: int) -> np.ndarray:
    """The final topic holding most units of every base cluster (``-1`` when it has none)."""
    out = np.full(n_base, -1, dtype=int)
    for b in range(n_base):
        held = topics[base_labels == b]
        held = held[held >= 0]
        if held.size:
            values, counts = np.unique(held, return_counts=True)
            out[b] = int(values[np.argmax(counts)])
    return out


def level_plan(record: dict | None, present: list[int], n_topics: int) -> dict[int, int]:
    """Merge plan (topic -> topic it joins) that cuts the topic tree at ``n_topics``.

    Parameters
    ----------
    record : dict or None
        :func:`tree_record` of the fit (``details["clustering"]["tree"]``).
    present : list of int
        The topics there are now.
    n_topics : int
        The tree level wanted: at most the number of tree topics there are now (a level
        is a union of the current topics; a finer one needs a new fit).

    Raises
    ------
    ParameterError
        Without a tree (``clustering.method`` other than ``hierarchy``), or for a level that
        is not coarser than the current topics.
    """
    if not record or "merges" not in record:
        raise ParameterError("n_topics", "this model has no topic tree (fit it with clustering.method: hierarchy)")
    base_topic = np.asarray(record["base_topic"], dtype=int)
    n_base = base_topic.size
    if isinstance(n_topics, bool) or not isinstance(n_topics, (int, np.integer)) or not 1 <= n_topics:
        raise ParameterError("n_topics", f"expected an integer >= 1, got {n_topics!r}")
    merges = np.asarray(record["merges"], dtype=np.int64).reshape(-1, 2)
    sizes = np.asarray(record["sizes"], dtype=np.int64)
    # Each current topic follows its largest base cluster up the tree.
    anchor: dict[int, int] = {}
    for b in np.argsort(-sizes, kind="stable"):
        t = int(base_topic[b])
        if t >= 0 and t in present:
            anchor.setdefault(t, int(b))
    if not 1 <= n_topics <= len(anchor):
        raise ParameterError("n_topics", f"expected a level from 1 to {len(anchor)} (the tree's topics now); "
                             f"got {n_topics}: a finer level needs a new fit with clustering.n_clusters={n_topics}")
    for k in range(n_topics, n_base + 1):  # the first cut that leaves n_topics groups of current topics
        cut = cut_merges(merges, n_base, k)
        groups = {t: int(cut[b]) for t, b in anchor.items()}
        if len(set(groups.values())) >= n_topics:
            break
    head: dict[int, int] = {}
    for t in sorted(groups):
        head.setdefault(groups[t], t)
    return {t: head[g] for t, g in groups.items() if head[g] != t}


def relabel_record(record: dict, mapping: dict) -> None:
    """Rename the topics of a :func:`tree_record` in place after a curation (``old -> new`` ids)."""
    new = {int(k): int(v) for k, v in mapping.items()}
    record["base_topic"] = [new.get(t, t) if t >= 0 else t for t in record["base_topic"]]
