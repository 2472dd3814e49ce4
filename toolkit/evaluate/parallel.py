"""Do translations of one text land in one topic?

On a parallel corpus (units sharing a ``group`` are translations of each other) a
language-independent model should put every member of a group in the same topic.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from toolkit.evaluate.shape import OUTLIER, as_topic_array, check_length

__all__ = ["parallel_metrics"]

logger = logging.getLogger(__name__)


def parallel_metrics(topics: Any, groups: Sequence[str | None] | None) -> dict[str, Any]:
    """Agreement of topics within translation groups.

    Parameters
    ----------
    topics : array-like of int, shape (n_units,)
        Topic id per unit, ``-1`` for outliers.
    groups : sequence of str or None, or None
        Translation group per unit; ``None`` entries belong to no group. Groups with a
        single member are ignored.

    Returns
    -------
    dict
        ``n_groups``: groups with 2+ members (``None`` when ``groups`` is ``None``).
        ``parallel_agreement``: share of those groups whose members all fall in the same
        non-outlier topic. ``parallel_pair_agreement``: share of member pairs (within a
        group) that fall in the same non-outlier topic, which gives partial credit when
        two of three translations agree. Both are ``None`` when ``n_groups`` is 0 or
        ``None``.
    """
    t = as_topic_array(topics)
    out: dict[str, Any] = {
        "n_groups": None,
        "parallel_agreement": None,
        "parallel_pair_agreement": None,
        "per_topic": {},
        "warnings": [],
    }
    if groups is None:
        return out
    check_length("groups", groups, t.size)
    members: dict[str, list[int]] = {}
    for topic, group in zip(t.tolist(), groups):
        if group is not None:
            members.setdefault(str(group), []).append(topic)
    multi = [m for m in members.values() if len(m) >= 2]
    out["n_groups"] = len(multi)
    if not multi:
        return out
    agree = 0
    pairs = pairs_same = 0
    for m in multi:
        arr = np.asarray(m)
        if arr[0] != OUTLIER and np.all(arr == arr[0]):
            agree += 1
        inl = arr[arr != OUTLIER]
        _, counts = np.unique(inl, return_counts=True)
        pairs += len(m) * (len(m) - 1) // 2
        pairs_same += int(np.sum(counts * (counts - 1) // 2))
    out["parallel_agreement"] = agree / len(multi)
    out["parallel_pair_agreement"] = pairs_same / pairs
    logger.debug("parallel: %d groups, agreement=%.3f", len(multi), out["parallel_agreement"])
    return out
