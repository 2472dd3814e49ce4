"""Assigning new units to fitted topics: nearest neighbours among the training units.

The topics were found by clustering a UMAP layout that only exists for the training units,
so a new unit is placed by the company it keeps in the embedding space (cosine): its ``k``
nearest reference units vote for their topics, each vote weighted by its similarity. A unit
that is (a copy of) a reference unit, similarity at least ``1 - DUPLICATE_GAP``, takes that
unit's topic, so the training texts get their fitted topics back. Outliers (``-1``) vote
too: a unit among outliers stays an outlier.

Each unit also gets a score: its cosine similarity to the centre of the topic it joined (for
an outlier, to the nearest centre). ``far_threshold`` is the 5th percentile of the training
units' similarity to their own centre, learned from the data: a new unit whose best centre
is less similar than that is far from every topic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.arrays import unit_rows
from toolkit.errors import ParameterError

__all__ = ["UnitIndex", "DUPLICATE_GAP", "FAR_QUANTILE", "topic_centres"]

#: A unit this close to a reference unit (1 - cosine) is taken to be that unit.
DUPLICATE_GAP = 1e-4
#: Quantile of the training units' similarity to their own centre below which a unit is far.
FAR_QUANTILE = 0.05
_BLOCK = 2048


def topic_centres(vectors: np.ndarray, topics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length mean vector of each non-outlier topic: ``(topic ids, centres)``."""
    ids = np.array(sorted(int(t) for t in np.unique(topics) if t != -1), dtype=np.int64)
    if ids.size == 0:
        return ids, np.zeros((0, vectors.shape[1]), dtype=np.float32)
    centres = np.vstack([vectors[topics == t].mean(axis=0, dtype=np.float64) for t in ids])
    return ids, unit_rows(centres).astype(np.float32)


@dataclass
class UnitIndex:
    """The reference units a fitted model keeps, and the rule that assigns new units.

    Attributes
    ----------
    vectors : ndarray of shape (n_ref, dim), float32
        Unit-length (aligned) embeddings of the reference units.
    topics : ndarray of shape (n_ref,), int
        Their fitted topics.
    centre_ids, centres : ndarrays
        Non-outlier topic ids and their unit-length centres.
    far_threshold : float
        See the module docstring.
    neighbors : int
        Votes per unit.
    """

    vectors: np.ndarray
    topics: np.ndarray
    centre_ids: np.ndarray
    centres: np.ndarray
    far_threshold: float
    neighbors: int = 10

    @classmethod
    def build(cls, vectors: np.ndarray, topics: np.ndarray, neighbors: int = 10) -> UnitIndex:
        """Index the reference units ``vectors`` with their ``topics``."""
        if isinstance(neighbors, bool) or not isinstance(neighbors, (int, np.integer)) or neighbors < 1:
            raise ParameterError("neighbors", f"expected an integer >= 1, got {neighbors!r}")
        vectors = unit_rows(np.asarray(vectors, dtype=np.float32)).astype(np.float32)
        topics = np.asarray(topics, dtype=np.int64)
        ids, centres = topic_centres(vectors, topics)
        member = topics != -1
        if member.any() and ids.size:
            own = np.searchsorted(ids, topics[member])
            sims = np.einsum("ij,ij->i", vectors[member], centres[own])
            far = float(np.quantile(sims, FAR_QUANTILE))
        else:
            far = 0.0
        return cls(vectors=vectors, topics=topics, centre_ids=ids, centres=centres, far_threshold=far,
                   neighbors=int(neighbors))

    def assign(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Topic, score and best-centre similarity of each row of ``X`` (aligned embeddings).

        Returns
        -------
        topics : ndarray of int
        scores : ndarray of float32
            Cosine similarity to the centre of the assigned topic (outliers: the nearest centre).
        best : ndarray of float32
            Cosine similarity to the nearest centre; below ``far_threshold`` the unit is far
            from every topic.
        """
        X = unit_rows(np.asarray(X, dtype=np.float32)).astype(np.float32)
        n = X.shape[0]
        topics = np.full(n, -1, dtype=np.int64)
        scores = np.zeros(n, dtype=np.float32)
        best = np.zeros(n, dtype=np.float32)
        if n == 0 or self.vectors.shape[0] == 0:
            return topics, scores, best
        k = min(self.neighbors, self.vectors.shape[0])
        labels = np.unique(self.topics)
        for start in range(0, n, _BLOCK):
            block = X[start:start + _BLOCK]
            sims = block @ self.vectors.T
            near = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            near_sims = np.take_along_axis(sims, near, axis=1)
            votes = np.zeros((block.shape[0], labels.size), dtype=np.float64)
            cols = np.searchsorted(labels, self.topics[near])
            np.add.at(votes, (np.repeat(np.arange(block.shape[0]), k), cols.ravel()),
                      np.clip(near_sims, 0.0, None).ravel())
            chosen = labels[np.argmax(votes, axis=1)]
            top = np.argmax(near_sims, axis=1)
            same = near_sims[np.arange(block.shape[0]), top] >= 1.0 - DUPLICATE_GAP
            chosen[same] = self.topics[near[np.arange(block.shape[0]), top]][same]
            topics[start:start + block.shape[0]] = chosen
            scores[start:start + block.shape[0]], best[start:start + block.shape[0]] = self._centre_sims(block, chosen)
        return topics, scores, best

    def score(self, X: np.ndarray, topics: np.ndarray) -> np.ndarray:
        """Cosine similarity of each row of ``X`` to the centre of its topic in ``topics``
        (an outlier: to the nearest centre)."""
        X = unit_rows(np.asarray(X, dtype=np.float32)).astype(np.float32)
        topics = np.asarray(topics, dtype=np.int64)
        out = np.zeros(X.shape[0], dtype=np.float32)
        for start in range(0, X.shape[0], _BLOCK):
            out[start:start + _BLOCK] = self._centre_sims(X[start:start + _BLOCK], topics[start:start + _BLOCK])[0]
        return out

    def _centre_sims(self, block: np.ndarray, topics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.centre_ids.size:
            zeros = np.zeros(block.shape[0], dtype=np.float32)
            return zeros, zeros
        to_centres = block @ self.centres.T
        best = to_centres.max(axis=1)
        own = np.clip(np.searchsorted(self.centre_ids, topics), 0, self.centre_ids.size - 1)
        known = (topics != -1) & (self.centre_ids[own] == topics)
        mine = to_centres[np.arange(block.shape[0]), own]
        return np.where(known, mine, best).astype(np.float32), best.astype(np.float32)
