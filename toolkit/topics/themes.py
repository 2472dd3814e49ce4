"""Named themes: label topics with theme names given in the config (``themes.*``).

``themes.names`` is a list of short names in any language ("medical tourism", "中医",
"Digitale Gesundheit"). They are embedded with the run's own embedder (and aligned like the
corpus), then:

``match``
    Topics are found as usual; each topic is labelled with the theme whose name embedding is
    most similar (cosine) to the topic centroid, when that similarity reaches
    ``themes.threshold``, else it keeps no theme (and is named by its keywords).
``guided``
    BERTopic's zero-shot topic modelling: every unit whose similarity to a theme name reaches
    ``themes.threshold`` joins that theme's topic first; the rest are clustered as usual.
    Topics formed from a theme carry its name; the others are then matched as in ``match``.

Each unit inherits its topic's theme (:func:`segment_themes`); with gold labels,
:func:`theme_accuracy` is the share of units whose theme equals their label.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from toolkit.errors import ParameterError

__all__ = [
    "THEME_MODES",
    "match_themes",
    "segment_themes",
    "theme_accuracy",
    "themes_from_assignment",
    "zero_shot_assignment",
]

log = logging.getLogger(__name__)

THEME_MODES = ("match", "guided")
"""The values ``themes.mode`` accepts."""


def _unit(M: np.ndarray) -> np.ndarray:
    M = np.asarray(M, dtype=np.float64)
    norms = np.linalg.norm(M, axis=-1, keepdims=True)
    return M / np.where(norms > 0, norms, 1.0)


def _check_names(names: Sequence[str], vectors: np.ndarray) -> None:
    if not names:
        raise ParameterError("names", "is empty: list at least one theme name")
    if len(set(names)) != len(names):
        dup = sorted(n for n, c in Counter(names).items() if c > 1)
        raise ParameterError("names", f"lists {', '.join(map(repr, dup))} more than once")
    if vectors.ndim != 2 or vectors.shape[0] != len(names):
        raise ParameterError("name_vectors", f"got {vectors.shape[0] if vectors.ndim == 2 else 0} name "
                                             f"embeddings for {len(names)} theme names")


def match_themes(embeddings: np.ndarray, topics: np.ndarray, names: Sequence[str], name_vectors: np.ndarray,
                 threshold: float = 0.0) -> tuple[dict[int, str | None], dict[int, dict[str, float]]]:
    """Label each topic with the theme name closest to its centroid.

    Parameters
    ----------
    embeddings : ndarray of shape (n, dim)
        Unit embeddings (the aligned matrix the topics were built from).
    topics : ndarray of int, shape (n,)
        Topic per unit, ``-1`` for outliers (outliers get no theme).
    names : sequence of str
        Theme names.
    name_vectors : ndarray of shape (n_names, dim)
        Embeddings of ``names`` in the same space as ``embeddings``.
    threshold : float, default 0.0
        Minimum cosine similarity between a topic centroid and its theme.

    Returns
    -------
    themes : dict
        Topic id -> theme name or ``None`` (every topic present, ``-1`` included).
    similarity : dict
        Topic id -> theme name -> cosine similarity (non-outlier topics), rounded to 4 places.

    Raises
    ------
    ParameterError
        When ``names`` is empty or repeats a name, the vectors do not match the names, or
        ``topics`` does not match ``embeddings``.
    """
    name_vectors = np.asarray(name_vectors)
    _check_names(names, name_vectors)
    topics = np.asarray(topics)
    if embeddings.shape[0] != topics.shape[0]:
        raise ParameterError("topics", f"{embeddings.shape[0]} embeddings for {topics.shape[0]} topic ids")
    if embeddings.shape[1] != name_vectors.shape[1]:
        raise ParameterError("name_vectors", f"name embeddings have {name_vectors.shape[1]} dimensions, the "
                                             f"corpus {embeddings.shape[1]}; embed the names with the run's embedder")
    themes: dict[int, str | None] = {}
    sims: dict[int, dict[str, float]] = {}
    unit_names = _unit(name_vectors)
    for t in sorted(int(v) for v in np.unique(topics)):
        if t == -1:
            themes[t] = None
            continue
        centroid = _unit(embeddings[topics == t].mean(axis=0))
        s = unit_names @ centroid
        sims[t] = {name: round(float(v), 4) for name, v in zip(names, s)}
        best = int(np.argmax(s))
        themes[t] = names[best] if s[best] >= threshold else None
    return themes, sims


def zero_shot_assignment(embeddings: np.ndarray, name_vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Theme index per unit as BERTopic's zero-shot step assigns it (``-1``: left to clustering).

    A unit goes to the most similar theme name when that cosine similarity reaches
    ``threshold``.
    """
    s = _unit(embeddings) @ _unit(name_vectors).T
    best = np.argmax(s, axis=1)
    return np.where(s[np.arange(s.shape[0]), best] >= threshold, best, -1)


def themes_from_assignment(topics: np.ndarray, assignment: np.ndarray, names: Sequence[str]
                           ) -> dict[int, str | None]:
    """Topic -> theme for guided runs: the most common zero-shot theme among a topic's units.

    Topics none of whose units were assigned by the zero-shot step map to ``None``.
    """
    topics = np.asarray(topics)
    out: dict[int, str | None] = {}
    for t in sorted(int(v) for v in np.unique(topics)):
        if t == -1:
            out[t] = None
            continue
        hits = assignment[(topics == t) & (assignment >= 0)]
        if hits.size == 0:
            out[t] = None
            continue
        counts = np.bincount(hits, minlength=len(names))
        out[t] = names[int(np.argmax(counts))]
    return out


def segment_themes(topics: np.ndarray, themes: Mapping[int, str | None]) -> list[str | None]:
    """The theme of every unit: its topic's theme (``None`` for outliers and unthemed topics)."""
    return [themes.get(int(t)) for t in np.asarray(topics).tolist()]


def theme_accuracy(unit_themes: Sequence[str | None], labels: Sequence[Any]) -> float | None:
    """Share of labelled units whose theme equals their gold label.

    Units with no label are left out; units with no theme count as wrong. Names are compared
    case-insensitively after stripping spaces. ``None`` when no unit has a label.
    """
    if len(unit_themes) != len(labels):
        raise ParameterError("labels", f"{len(unit_themes)} themes for {len(labels)} labels")
    pairs = [(th, lab) for th, lab in zip(unit_themes, labels) if lab is not None and str(lab) != ""]
    if not pairs:
        return None
    right = sum(1 for th, lab in pairs if th is not None and str(th).strip().lower() == str(lab).strip().lower())
    return right / len(pairs)


def theme_summary(themes: Mapping[int, str | None], topics: np.ndarray) -> dict[str, Any]:
    """Units and topics per theme (for the manifest)."""
    topics = np.asarray(topics)
    out: dict[str, Any] = {}
    for t, name in themes.items():
        if name is None:
            continue
        entry = out.setdefault(name, {"topics": [], "units": 0})
        entry["topics"].append(int(t))
        entry["units"] += int(np.sum(topics == t))
    return out
