"""The bundle every later step (evaluation, run files, report) reads from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["TopicResult"]


@dataclass
class TopicResult:
    """Topics of one fitted run.

    Attributes
    ----------
    topics : ndarray of int
        Topic id per segment, ``-1`` for outliers.
    labels : dict
        Topic id -> short label (``3_туризм_medizin_医疗``).
    keywords : dict
        Topic id -> ``[(word, score), ...]`` over all languages, best first.
    keywords_by_lang : dict
        Topic id -> language -> ``[(word, score), ...]``.
    representatives : dict
        Topic id -> language -> segment indices closest to the topic centre.
    themes : dict
        Topic id -> matched named theme, or None.
    similarity_topics, similarity : list, ndarray
        Non-outlier topic ids and the cosine similarity of their centroid embeddings.
    coords : ndarray or None
        ``(n, 2)`` map coordinates.
    tokens : list of list of str
        The per-language tokens of each segment used for topic words and coherence.
    details : dict
        Choices made while fitting (e.g. outlier reduction), recorded in the manifest.
    counts : tuple of two dicts, optional
        Term counts per (topic, language) and units per (topic, language) over the whole
        corpus (:func:`toolkit.topics.sample.term_counts`), when the tokens of every unit are
        not kept (``topics.fit_sample``); topics can be described again from them.
    unit_themes : UnitThemes or None
        Each unit's named theme and the evidence behind it (:mod:`toolkit.topics.theme_units`),
        when the config names themes.
    model : object
        The fitted BERTopic model, when there is one (a saved model keeps everything else).
    """

    topics: np.ndarray
    labels: dict[int, str]
    keywords: dict[int, list[tuple[str, float]]]
    keywords_by_lang: dict[int, dict[str, list[tuple[str, float]]]]
    representatives: dict[int, dict[str, list[int]]]
    themes: dict[int, str | None] = field(default_factory=dict)
    similarity_topics: list[int] = field(default_factory=list)
    similarity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    coords: np.ndarray | None = None
    tokens: list[list[str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    counts: Any = None
    unit_themes: Any = None
    model: Any = None

    @property
    def topic_ids(self) -> list[int]:
        """All topic ids present, outliers (-1) first."""
        return sorted(int(t) for t in np.unique(self.topics))

    def size(self, topic: int) -> int:
        return int(np.sum(self.topics == topic))
