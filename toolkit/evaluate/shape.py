"""The shape of a topic assignment: how many topics, how big, how many outliers.

Also holds the small input checks that every ``toolkit.evaluate`` module shares, so that
all of them reject a malformed assignment with the same message.

Every metric function in this package returns a partial metrics dict of one schema: scalar
top-level keys, plus optional ``"per_topic"`` (``{topic id: {figure: value}}``) and
``"warnings"`` (``list[str]``). :func:`toolkit.evaluate.evaluate_run` merges them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from toolkit.errors import ToolkitError

__all__ = ["shape_metrics", "OUTLIER", "OUTLIER_WARN_SHARE"]

logger = logging.getLogger(__name__)

OUTLIER = -1
"""Topic id of units that no topic claims (the HDBSCAN noise cluster)."""

OUTLIER_WARN_SHARE = 0.5
"""Warn when more than this share of units are outliers."""


def as_topic_array(topics: Any) -> np.ndarray:
    """Return ``topics`` as a 1-D ``int64`` array, or raise a :class:`ToolkitError`.

    Topic ids are integers ``>= -1``; ``-1`` marks outliers. Integral floats (as read back
    from a CSV) are accepted.
    """
    arr = np.asarray(topics)
    if arr.ndim != 1:
        raise ToolkitError(
            f"topics must be a 1-D array of topic ids, one per unit; got shape {arr.shape}. "
            "Pass the topic column of the assignments (e.g. TopicResult.topics)."
        )
    if arr.size == 0:
        raise ToolkitError(
            "topics is empty: there is nothing to evaluate. Check that the corpus produced "
            "at least one unit."
        )
    if arr.dtype.kind in "b":
        raise ToolkitError("topics must hold integer topic ids, got booleans.")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            bad = float(arr[~(np.isfinite(arr) & (arr == np.round(arr)))][0])
            raise ToolkitError(
                f"topics must hold integer topic ids; found the value {bad!r}. "
                "Use whole numbers, with -1 for outliers (never NaN)."
            )
    elif arr.dtype.kind not in "iu":
        raise ToolkitError(
            f"topics must hold integer topic ids; got values of type {arr.dtype} "
            f"(first value {arr.tolist()[0]!r})."
        )
    out = arr.astype(np.int64)
    if out.min() < OUTLIER:
        raise ToolkitError(
            f"topic ids must be >= -1 (-1 marks outliers); found {int(out.min())}."
        )
    return out


def check_length(name: str, values: Sequence[Any], n_units: int) -> None:
    """Raise a :class:`ToolkitError` unless ``values`` has one entry per unit."""
    if len(values) != n_units:
        raise ToolkitError(
            f"{name} has {len(values)} entries but topics has {n_units}: pass one {name} "
            "entry per clustered unit, in the same order as the topics."
        )


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values`` (0 = all equal, towards 1 = one dominates)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0 or x.sum() == 0:
        return 0.0
    # Mean absolute difference over all ordered pairs / (2 * mean), via the sorted-rank form.
    ranks = np.arange(1, n + 1)
    return float(np.sum((2 * ranks - n - 1) * x) / (n * x.sum()))


def shape_metrics(topics: Any) -> dict[str, Any]:
    """Size figures of a topic assignment.

    Parameters
    ----------
    topics : array-like of int, shape (n_units,)
        Topic id per unit, ``-1`` for outliers.

    Returns
    -------
    dict
        ``n_units``, ``n_outliers``, ``n_topics`` (non-outlier topics), ``outlier_share``,
        ``topic_size_min``, ``topic_size_median``, ``topic_size_max``, ``topic_size_gini``
        and ``topic_size_cv`` (coefficient of variation, population std / mean) over
        non-outlier topic sizes (``None`` when there is no topic), ``per_topic``
        (``size`` and ``share`` of all units, outliers included) and ``warnings``.
    """
    t = as_topic_array(topics)
    n_units = int(t.size)
    ids, counts = np.unique(t, return_counts=True)
    per_topic: dict[int, dict[str, Any]] = {
        int(k): {"size": int(c), "share": float(c / n_units)} for k, c in zip(ids, counts)
    }
    n_outliers = int(np.sum(t == OUTLIER))
    sizes = counts[ids != OUTLIER].astype(float)
    warnings: list[str] = []
    out: dict[str, Any] = {
        "n_units": n_units,
        "n_outliers": n_outliers,
        "n_topics": int(sizes.size),
        "outlier_share": float(n_outliers / n_units),
    }
    if sizes.size:
        out.update(
            topic_size_min=int(sizes.min()),
            topic_size_median=float(np.median(sizes)),
            topic_size_max=int(sizes.max()),
            topic_size_gini=gini(sizes),
            topic_size_cv=float(sizes.std() / sizes.mean()),
        )
    else:
        out.update(
            topic_size_min=None,
            topic_size_median=None,
            topic_size_max=None,
            topic_size_gini=None,
            topic_size_cv=None,
        )
        warnings.append(
            f"no topics were found: all {n_units} units are outliers; lower "
            "hdbscan.min_cluster_size or use more units."
        )
    if sizes.size and out["outlier_share"] > OUTLIER_WARN_SHARE:
        warnings.append(
            f"{out['outlier_share']:.0%} of units are outliers (topic -1); consider a smaller "
            "hdbscan.min_cluster_size or outlier reduction."
        )
    out["per_topic"] = per_topic
    out["warnings"] = warnings
    logger.debug("shape: %d units, %d topics, %d outliers", n_units, sizes.size, n_outliers)
    return out
