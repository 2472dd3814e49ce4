"""Topic ids that read the same way in every run: numbered by decreasing size."""

from __future__ import annotations

import numpy as np

__all__ = ["renumber_by_size"]


def renumber_by_size(topics: np.ndarray) -> np.ndarray:
    """Topic ids 0, 1, ... by decreasing size (ties: first occurrence); ``-1`` stays ``-1``.

    Parameters
    ----------
    topics : array-like of int
        Topic or cluster id per unit, ``-1`` for outliers.

    Returns
    -------
    ndarray of int
        The same partition, ``0`` the largest topic.
    """
    topics = np.asarray(topics, dtype=int)
    ids, first, inverse, counts = np.unique(topics, return_index=True, return_inverse=True, return_counts=True)
    order = sorted((i for i in range(ids.size) if ids[i] != -1), key=lambda i: (-counts[i], first[i]))
    new_ids = np.full(ids.size, -1, dtype=int)
    new_ids[order] = np.arange(len(order))
    return new_ids[inverse.reshape(-1)]
