"""Agreement between topics and gold labels (external clustering metrics).

Each metric is computed twice: over all labelled units, with outliers counted as one more
cluster (``-1``), and over labelled inliers only (keys ending in ``_inliers``). The first
punishes a model for leaving units unassigned; the second measures the topics it did form.
Units whose label is ``None`` are ignored throughout.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn import metrics as skm

from toolkit.evaluate.shape import OUTLIER, as_topic_array, check_length

__all__ = ["label_metrics", "purity", "LABEL_METRICS"]

logger = logging.getLogger(__name__)

LABEL_METRICS = ("nmi", "ami", "ari", "v_measure", "purity")
"""Names of the label metrics; each also appears with the suffix ``_inliers``."""


def purity(topics: Sequence[int] | np.ndarray, labels: Sequence[Any]) -> float:
    """Share of units whose label is the most common label of their topic.

    Parameters
    ----------
    topics : array-like of int
        Topic id per unit.
    labels : sequence
        Gold label per unit (no ``None``).

    Returns
    -------
    float
        In (0, 1]; 1 when every topic holds one label only.
    """
    by_topic: dict[int, Counter] = {}
    for t, lab in zip(np.asarray(topics).tolist(), labels):
        by_topic.setdefault(t, Counter())[lab] += 1
    n = sum(sum(c.values()) for c in by_topic.values())
    if n == 0:
        raise ValueError("purity needs at least one unit")
    return sum(max(c.values()) for c in by_topic.values()) / n


def _scores(topics: np.ndarray, labels: list[Any]) -> dict[str, float]:
    # Integer codes keep scikit-learn's input checks cheap (string arrays are slow there).
    codes = np.unique(np.asarray([str(lab) for lab in labels]), return_inverse=True)[1]
    labels = codes.ravel()
    # NMI with the arithmetic mean of the entropies equals the V-measure with beta=1; both
    # are reported because readers know them under both names.
    return {
        "nmi": float(skm.normalized_mutual_info_score(labels, topics)),
        "ami": float(skm.adjusted_mutual_info_score(labels, topics)),
        "ari": float(skm.adjusted_rand_score(labels, topics)),
        "v_measure": float(skm.v_measure_score(labels, topics)),
        "purity": float(purity(topics, labels)),
    }


def _none_scores(suffix: str = "") -> dict[str, None]:
    return {name + suffix: None for name in LABEL_METRICS}


def label_metrics(
    topics: Any, labels: Sequence[str | None] | None
) -> dict[str, Any]:
    """Compare topics with gold labels.

    Parameters
    ----------
    topics : array-like of int, shape (n_units,)
        Topic id per unit, ``-1`` for outliers.
    labels : sequence of str or None, or None
        Gold label per unit; ``None`` entries are ignored. When ``labels`` is ``None`` or
        holds no label at all, every metric is ``None``.

    Returns
    -------
    dict
        ``nmi``, ``ami``, ``ari``, ``v_measure``, ``purity`` over all labelled units
        (outliers are cluster ``-1``); the same with suffix ``_inliers`` over labelled units
        in non-outlier topics (``None`` when there are none); ``label_coverage``, the share
        of labelled units that are not outliers; ``n_labelled``; ``n_labels`` (distinct
        gold labels); and ``per_topic`` with each topic's ``label_majority`` and
        ``label_majority_share`` (among its labelled units).
    """
    t = as_topic_array(topics)
    empty: dict[str, Any] = {
        **_none_scores(),
        **_none_scores("_inliers"),
        "label_coverage": None,
        "n_labelled": 0 if labels is not None else None,
        "n_labels": None,
        "per_topic": {},
        "warnings": [],
    }
    if labels is None:
        return empty
    check_length("labels", labels, t.size)
    keep = np.array([lab is not None for lab in labels], dtype=bool)
    if not keep.any():
        return empty
    lt = t[keep]
    ll = [lab for lab in labels if lab is not None]
    inl = lt != OUTLIER
    out: dict[str, Any] = dict(_scores(lt, ll))
    if inl.any():
        inl_labels = [lab for lab, i in zip(ll, inl) if i]
        out.update({k + "_inliers": v for k, v in _scores(lt[inl], inl_labels).items()})
    else:
        out.update(_none_scores("_inliers"))
    out["label_coverage"] = float(inl.mean())
    out["n_labelled"] = int(keep.sum())
    out["n_labels"] = len(set(ll))

    per_topic: dict[int, dict[str, Any]] = {}
    by_topic: dict[int, Counter] = {}
    for topic, lab in zip(lt.tolist(), ll):
        by_topic.setdefault(topic, Counter())[lab] += 1
    for topic, counter in sorted(by_topic.items()):
        # Most common label; ties go to the label that sorts first, so output is stable.
        label, count = min(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))
        per_topic[topic] = {
            "label_majority": label,
            "label_majority_share": float(count / sum(counter.values())),
        }
    out["per_topic"] = per_topic
    out["warnings"] = []
    logger.debug("labels: %d labelled units, nmi=%.3f", out["n_labelled"], out["nmi"])
    return out
