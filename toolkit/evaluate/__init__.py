"""Metrics for cross-lingual topic quality: pure functions over arrays, no model, no I/O.

:func:`evaluate_run` computes everything a run can offer and returns the JSON-ready dict
written to ``metrics.json``; :func:`stability` and :func:`match_topics` compare runs.
Each area also has its own function (``shape_metrics``, ``label_metrics``,
``language_metrics``, ``parallel_metrics``, ``coherence_metrics``) returning the same kind
of partial dict. Definitions, ranges and what good values look like: ``docs/metrics.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from toolkit.evaluate.coherence import coherence_metrics, npmi, topic_diversity
from toolkit.evaluate.labels import label_metrics, purity
from toolkit.evaluate.language import coverage_warning, embedder_coverage, language_metrics
from toolkit.evaluate.parallel import parallel_metrics
from toolkit.evaluate.shape import as_topic_array, check_length, shape_metrics
from toolkit.evaluate.stability import jaccard_matrix, match_topics, stability

__all__ = [
    "evaluate_run",
    "stability",
    "match_topics",
    "jaccard_matrix",
    "shape_metrics",
    "label_metrics",
    "language_metrics",
    "embedder_coverage",
    "coverage_warning",
    "parallel_metrics",
    "coherence_metrics",
    "purity",
    "npmi",
    "topic_diversity",
]


def evaluate_run(
    topics: np.ndarray,
    langs: Sequence[str],
    *,
    labels: Sequence[str | None] | None = None,
    groups: Sequence[str | None] | None = None,
    topic_words: Mapping[int, Sequence[str]] | None = None,
    tokens: Sequence[Sequence[str]] | None = None,
    top_k: int = 10,
    coverage: dict[str, Any] | None = None,
    doc_ids: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Every metric of one run, ready for ``metrics.json``.

    Parameters
    ----------
    topics : ndarray of int, shape (n_units,)
        Topic id per clustered unit, ``-1`` for outliers.
    langs : sequence of str, shape (n_units,)
        Language code per unit (``None`` is read as ``"und"``).
    labels : sequence of str or None, optional
        Gold label per unit; label metrics are ``None`` without any label.
    groups : sequence of str or None, optional
        Translation group per unit; parallel metrics need a group with 2+ members.
    topic_words : mapping of int to sequence of str, optional
        Ranked top words per topic (for coherence and diversity).
    tokens : sequence of sequence of str, optional
        Tokens per unit as the vectorizer saw them (for coherence).
    top_k : int, default 10
        Top words per topic used by coherence and diversity.
    doc_ids : sequence, optional
        Document per unit: coherence pools each document's units into one reference text.
    coverage : dict, optional
        The embedder's :func:`embedder_coverage` record over ``langs`` (see
        :func:`language_metrics`).

    Returns
    -------
    dict
        Scalar metrics (``float``/``int``, ``None`` where a metric does not apply), then
        ``"warnings"`` (list of str) and ``"per_topic"`` (``{str(topic): {...}}``, outliers
        as ``"-1"``). Every key is always present, so runs can be compared key by key.

    Raises
    ------
    toolkit.errors.ToolkitError
        When ``topics`` is not a non-empty 1-D array of ids >= -1, when a per-unit input
        has a different length, or when ``top_k`` < 2.
    """
    t = as_topic_array(topics)
    check_length("langs", langs, t.size)
    sections = [
        shape_metrics(t),
        label_metrics(t, labels),
        language_metrics(t, langs, coverage=coverage),
        parallel_metrics(t, groups),
        coherence_metrics(t, langs, topic_words, tokens, top_k=top_k, doc_ids=doc_ids),
    ]
    out: dict[str, Any] = {}
    warnings: list[str] = []
    per_topic: dict[int, dict[str, Any]] = {}
    for section in sections:
        warnings.extend(section.pop("warnings"))
        for topic, figures in section.pop("per_topic").items():
            per_topic.setdefault(int(topic), {}).update(figures)
        out.update(section)
    out["warnings"] = warnings
    out["per_topic"] = {str(k): per_topic[k] for k in sorted(per_topic)}
    return out
