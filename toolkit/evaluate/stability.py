"""Stability of topics across runs (seeds, or small config changes) over the same units.

Two views: pairwise adjusted Rand index of the full assignments (outliers as cluster
``-1``), and topic matching, which pairs the topics of two runs one-to-one so that the
summed Jaccard overlap of their members is largest (Hungarian algorithm).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import combinations, permutations
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from toolkit.errors import ToolkitError
from toolkit.evaluate.shape import OUTLIER, as_topic_array

__all__ = ["stability", "match_topics", "jaccard_matrix", "MATCH_JACCARD"]

logger = logging.getLogger(__name__)

MATCH_JACCARD = 0.5
"""Jaccard overlap from which two matched topics count as the same topic."""


def _pair(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    ta, tb = as_topic_array(a), as_topic_array(b)
    if ta.size != tb.size:
        raise ToolkitError(
            f"the two assignments cover different units ({ta.size} vs {tb.size}); topics "
            "can only be matched between runs over the same corpus and unit."
        )
    return ta, tb


def jaccard_matrix(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Jaccard overlap of the members of every non-outlier topic of ``a`` and of ``b``.

    Parameters
    ----------
    a, b : array-like of int, shape (n_units,)
        Two assignments of the same units, ``-1`` for outliers.

    Returns
    -------
    ids_a, ids_b : ndarray of int
        Sorted non-outlier topic ids of ``a`` and ``b``.
    jaccard : ndarray of float, shape (len(ids_a), len(ids_b))
        ``|A & B| / |A | B|`` for every topic pair.
    """
    ta, tb = _pair(a, b)
    ids_a = np.unique(ta[ta != OUTLIER])
    ids_b = np.unique(tb[tb != OUTLIER])
    # Member counts per topic and per (topic of a, topic of b); outliers take no part.
    in_a, in_b = ta != OUTLIER, tb != OUTLIER
    ia = np.searchsorted(ids_a, ta)
    ib = np.searchsorted(ids_b, tb)
    both = in_a & in_b
    inter = np.zeros((ids_a.size, ids_b.size), dtype=float)
    np.add.at(inter, (ia[both], ib[both]), 1.0)
    size_a = np.bincount(ia[in_a], minlength=ids_a.size).astype(float)
    size_b = np.bincount(ib[in_b], minlength=ids_b.size).astype(float)
    union = size_a[:, None] + size_b[None, :] - inter
    jac = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return ids_a, ids_b, jac


def match_topics(
    a: Any, b: Any, *, min_jaccard: float = 0.0
) -> list[tuple[int, int, float]]:
    """Pair the topics of two runs one-to-one by member overlap.

    Parameters
    ----------
    a, b : array-like of int, shape (n_units,)
        Topic per unit in two runs over the same units, ``-1`` for outliers (never matched).
    min_jaccard : float, default 0.0
        Keep only pairs with at least this Jaccard overlap. Pairs that share no member are
        never returned.

    Returns
    -------
    list of (topic_a, topic_b, jaccard)
        The matching that maximises total Jaccard overlap (Hungarian algorithm), sorted by
        ``topic_a``. Topics left without a partner (the runs differ in topic count, or no
        overlap) do not appear.
    """
    if not 0.0 <= float(min_jaccard) <= 1.0:
        raise ToolkitError(f"min_jaccard must be between 0 and 1, got {min_jaccard!r}.")
    ids_a, ids_b, jac = jaccard_matrix(a, b)
    if jac.size == 0:
        return []
    rows, cols = linear_sum_assignment(jac, maximize=True)
    pairs = [
        (int(ids_a[r]), int(ids_b[c]), float(jac[r, c]))
        for r, c in zip(rows, cols)
        if jac[r, c] > 0 and jac[r, c] >= min_jaccard
    ]
    return sorted(pairs)


def stability(assignments: Sequence[Any]) -> dict[str, Any]:
    """Agreement between several runs over the same units.

    Parameters
    ----------
    assignments : sequence of array-like of int
        Two or more assignments (topic per unit, ``-1`` for outliers) of the same units,
        e.g. one per seed.

    Returns
    -------
    dict
        ``n_runs``; ``ari_mean`` and ``ari_min`` of the adjusted Rand index over all pairs
        of runs (outliers as cluster ``-1``); ``matched_topics``: over every ordered pair
        of runs (i, j), the share of run i's non-outlier topics whose Hungarian partner in
        run j has Jaccard >= 0.5, averaged (``None`` when no run has a topic);
        ``n_topics_mean``, ``n_topics_min``, ``n_topics_max``.
    """
    runs = [as_topic_array(a) for a in assignments]
    if len(runs) < 2:
        raise ToolkitError(
            f"stability needs at least 2 runs to compare, got {len(runs)}; sweep over two "
            "or more seeds."
        )
    sizes = {r.size for r in runs}
    if len(sizes) > 1:
        raise ToolkitError(
            f"stability needs runs over the same units; got runs with {sorted(sizes)} units."
        )
    aris = [float(adjusted_rand_score(x, y)) for x, y in combinations(runs, 2)]
    n_topics = [int(np.unique(r[r != OUTLIER]).size) for r in runs]
    shares: list[float] = []
    for i, j in permutations(range(len(runs)), 2):
        if n_topics[i] == 0:
            continue
        matched = match_topics(runs[i], runs[j], min_jaccard=MATCH_JACCARD)
        shares.append(len(matched) / n_topics[i])
    out = {
        "n_runs": len(runs),
        "ari_mean": float(np.mean(aris)),
        "ari_min": float(np.min(aris)),
        "matched_topics": float(np.mean(shares)) if shares else None,
        "n_topics_mean": float(np.mean(n_topics)),
        "n_topics_min": int(min(n_topics)),
        "n_topics_max": int(max(n_topics)),
    }
    logger.debug("stability over %d runs: %s", len(runs), out)
    return out
