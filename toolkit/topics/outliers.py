"""Outlier reassignment and topic merging on a fitted BERTopic model.

``topics.nr_topics`` (``null``, an integer, or ``"auto"``) merges topics with BERTopic's
``reduce_topics``; then ``topics.outliers`` moves outliers (``-1``) into topics:

``embeddings``, ``c-tf-idf``, ``distributions``
    BERTopic's ``reduce_outliers`` strategies (cosine to the topic centroid in the full
    embedding space, to the topic's c-TF-IDF, or the topic distribution of the text), keeping
    only moves whose similarity reaches ``topics.outlier_threshold``.
``reduced``
    The nearest topic centre in the UMAP space the clusters were found in (Euclidean; the
    threshold is not used). Closest to what the clusterer itself saw.

Merging comes first so outliers join the final topics. Both steps return what they did, for
the manifest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from toolkit.errors import ParameterError, TopicModelError

__all__ = ["OUTLIER_STRATEGIES", "merge_topics", "nearest_centre", "nearest_centres", "reassign_outliers",
           "topic_centres"]

log = logging.getLogger(__name__)

OUTLIER_STRATEGIES = ("none", "embeddings", "c-tf-idf", "distributions", "reduced")
"""The values ``topics.outliers`` accepts."""


def _n_topics(topics: np.ndarray) -> int:
    return int(np.sum(np.unique(topics) != -1))


def merge_topics(model: Any, docs: Sequence[str], nr_topics: int | str | None) -> tuple[np.ndarray, dict[str, Any]]:
    """Merge topics of a fitted BERTopic model down to ``nr_topics``.

    Parameters
    ----------
    model : bertopic.BERTopic
        Fitted; its ``topics_`` are updated in place.
    docs : sequence of str
        The documents it was fitted on (as it saw them).
    nr_topics : int, "auto" or None
        ``None`` leaves the topics as they are; an integer is the wanted number of topics
        (outliers not counted); ``"auto"`` lets BERTopic merge similar topics.

    Returns
    -------
    topics : ndarray of int
    info : dict
        ``nr_topics`` (as asked), ``before`` and ``after`` (non-outlier topic counts).
    """
    topics = np.asarray(model.topics_, dtype=int)
    before = _n_topics(topics)
    info: dict[str, Any] = {"nr_topics": nr_topics, "before": before, "after": before}
    if nr_topics is None:
        return topics, info
    if isinstance(nr_topics, str) and nr_topics != "auto":
        raise ParameterError("nr_topics", f"expected null, an integer >= 2 or 'auto', got {nr_topics!r}")
    if isinstance(nr_topics, (int, np.integer)) and not isinstance(nr_topics, bool):
        if nr_topics < 2:
            raise ParameterError("nr_topics", f"expected null, an integer >= 2 or 'auto', got {nr_topics!r}")
        if nr_topics >= before:
            log.info("topics.nr_topics=%d: already %d topics, nothing to merge", nr_topics, before)
            return topics, info
        # BERTopic counts the outlier topic among the topics it reduces to.
        target = nr_topics + (1 if np.any(topics == -1) else 0)
    else:
        target = nr_topics
    if before < 2:
        return topics, info
    try:
        model.reduce_topics(list(docs), nr_topics=target)
    except ValueError as exc:
        raise TopicModelError(f"topics.nr_topics={nr_topics!r}: merging failed: {exc}") from exc
    topics = np.asarray(model.topics_, dtype=int)
    info["after"] = _n_topics(topics)
    log.info("merged topics: %d -> %d", before, info["after"])
    return topics, info


def topic_centres(reduced: np.ndarray, topics: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Non-outlier topic ids (sorted) and each one's centre, the mean of its members (float64)."""
    topics = np.asarray(topics)
    ids = sorted(int(t) for t in np.unique(topics) if t != -1)
    if not ids:
        return [], np.zeros((0, reduced.shape[1]))
    return ids, np.stack([reduced[topics == t].mean(axis=0) for t in ids]).astype(np.float64)


def nearest_centres(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each point's nearest centre (Euclidean) and the distance to it."""
    d = np.sqrt(((np.asarray(points, dtype=np.float64)[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1))
    nearest = np.argmin(d, axis=1)
    return nearest, d[np.arange(len(nearest)), nearest]


def nearest_centre(reduced: np.ndarray, topics: np.ndarray) -> np.ndarray:
    """Outliers moved to the topic whose centre (mean of its members) in ``reduced`` is nearest."""
    topics = np.asarray(topics, dtype=int).copy()
    ids, centres = topic_centres(reduced, topics)
    out = topics == -1
    if not ids or not out.any():
        return topics
    topics[out] = np.asarray(ids)[nearest_centres(reduced[out], centres)[0]]
    return topics


def reassign_outliers(model: Any, docs: Sequence[str], topics: np.ndarray, strategy: str = "none",
                      threshold: float = 0.0, embeddings: np.ndarray | None = None,
                      reduced: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Move outliers into topics with BERTopic's ``reduce_outliers``.

    Parameters
    ----------
    model : bertopic.BERTopic
        Fitted (and merged, if merging was asked).
    docs : sequence of str
    topics : ndarray of int
        Current topic per unit.
    strategy : {"none", "embeddings", "c-tf-idf", "distributions", "reduced"}
    threshold : float
        Minimum similarity for a move (not used by ``reduced``).
    embeddings : ndarray, optional
        The embeddings BERTopic was fitted on (``embeddings`` strategy).
    reduced : ndarray, optional
        The UMAP rows the clusterer saw (``reduced`` strategy).

    Returns
    -------
    topics : ndarray of int
    info : dict
        ``strategy``, ``threshold``, ``outliers_before``, ``outliers_after``.
    """
    if strategy not in OUTLIER_STRATEGIES:
        raise ParameterError("strategy", f"expected one of {', '.join(OUTLIER_STRATEGIES)}, got {strategy!r}")
    topics = np.asarray(topics, dtype=int)
    before = int(np.sum(topics == -1))
    info: dict[str, Any] = {"strategy": strategy, "threshold": float(threshold), "outliers_before": before,
                            "outliers_after": before}
    if strategy == "none" or before == 0 or _n_topics(topics) == 0:
        return topics, info
    if strategy == "reduced":
        if reduced is None:
            raise TopicModelError("topics.outliers=reduced needs the reduced (UMAP) embeddings")
        topics = nearest_centre(np.asarray(reduced), topics)
        info["outliers_after"] = int(np.sum(topics == -1))
        return topics, info
    try:
        new = model.reduce_outliers(list(docs), topics.tolist(), strategy=strategy, threshold=threshold,
                                    embeddings=embeddings if strategy == "embeddings" else None)
    except ValueError as exc:
        raise TopicModelError(f"topics.outliers={strategy}: outlier reduction failed: {exc}") from exc
    topics = np.asarray(new, dtype=int)
    info["outliers_after"] = int(np.sum(topics == -1))
    log.info("outliers (%s, threshold %.2f): %d -> %d", strategy, threshold, before, info["outliers_after"])
    return topics, info
