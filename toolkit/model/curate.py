"""Curating fitted topics: merging, renaming, reducing; pure functions on topic ids and counts.

:class:`toolkit.model.TopicBridge` applies the result and describes the curated topics again
(keywords from the merged term counts, representatives, similarity, themes, metrics), so every
later view shows the curated state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from toolkit.errors import ParameterError, TopicModelError
from toolkit.topics.labels import renumber_by_size

__all__ = ["check_topics", "merge_plan", "apply_plan", "check_labels", "reduce_plan", "rename_counts", "rename_sizes",
           "carry_labels"]


def check_topics(ids: Iterable[Any], present: Sequence[int], what: str) -> list[int]:
    """``ids`` as ints, each an existing non-outlier topic; otherwise a TopicModelError naming it."""
    out = []
    known = sorted(int(t) for t in present if t != -1)
    for raw in ids:
        if isinstance(raw, bool) or not isinstance(raw, (int, np.integer)):
            raise ParameterError(what, f"topic ids are integers, got {raw!r}")
        t = int(raw)
        if t == -1:
            raise TopicModelError(f"{what}: -1 is the outliers, not a topic; curate topics 0 to {max(known, default=0)}")
        if t not in known:
            raise TopicModelError(f"{what}: topic {t} does not exist; the topics are "
                                  f"{', '.join(map(str, known)) or 'none'}")
        out.append(t)
    return out


def merge_plan(groups: Sequence[Sequence[int]], present: Sequence[int]) -> dict[int, int]:
    """Old topic id -> the id of its group (the group's first id), for ``groups`` of ids to merge.

    Raises
    ------
    ParameterError
        ``groups`` is not a list of lists, a group has fewer than two topics, or a topic is in
        two groups.
    TopicModelError
        A topic does not exist.
    """
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence) or not groups:
        raise ParameterError("topics_to_merge", "expected a list of lists of topic ids, e.g. [[1, 4], [2, 7]]")
    if all(isinstance(g, (int, np.integer)) and not isinstance(g, bool) for g in groups):
        groups = [groups]  # one group given flat: [1, 4]
    plan: dict[int, int] = {}
    for group in groups:
        if isinstance(group, (str, bytes)) or not isinstance(group, Sequence):
            raise ParameterError("topics_to_merge", f"each group is a list of topic ids, got {group!r}")
        ids = check_topics(group, present, "topics_to_merge")
        if len(set(ids)) < 2:
            raise ParameterError("topics_to_merge", f"a group needs two or more different topics, got {list(group)!r}")
        for t in ids:
            if t in plan:
                raise ParameterError("topics_to_merge", f"topic {t} is in two groups")
            plan[t] = ids[0]
    return plan


def apply_plan(topics: np.ndarray, plan: Mapping[int, int]) -> tuple[np.ndarray, dict[int, int]]:
    """Merge by ``plan`` and renumber by size: ``(new topics, old id -> new id)``."""
    merged = np.asarray([plan.get(int(t), int(t)) for t in topics], dtype=np.int64)
    renumbered = renumber_by_size(merged)
    mapping: dict[int, int] = {}
    for old, new in zip(np.asarray(topics).tolist(), renumbered.tolist()):
        mapping.setdefault(int(old), int(new))
    return renumbered.astype(np.int64), mapping


def carry_labels(labels: Mapping[int, str], mapping: Mapping[int, int], sizes: Mapping[int, int]) -> dict[int, str]:
    """Custom labels after a merge: a merged topic keeps the label of its largest labelled member."""
    out: dict[int, str] = {}
    for old in sorted(labels, key=lambda t: -sizes.get(t, 0)):
        new = mapping.get(old)
        if new is not None and new not in out:
            out[new] = labels[old]
    return out


def check_labels(labels: Any, present: Sequence[int]) -> dict[int, str]:
    """``{topic: label}`` with existing topics (``-1`` allowed: the outliers) and non-empty one-line labels."""
    if not isinstance(labels, Mapping) or not labels:
        raise ParameterError("topic_labels", "expected a mapping of topic id to label, e.g. {3: 'Medical tourism'}")
    known = set(int(t) for t in present)
    out: dict[int, str] = {}
    for raw, label in labels.items():
        if isinstance(raw, bool) or not isinstance(raw, (int, np.integer)):
            raise ParameterError("topic_labels", f"topic ids are integers, got {raw!r}")
        if int(raw) not in known:
            raise TopicModelError(f"topic_labels: topic {int(raw)} does not exist; the topics are "
                                  f"{', '.join(str(t) for t in sorted(known)) or 'none'}")
        if not isinstance(label, str) or not label.strip() or "\n" in label:
            raise ParameterError("topic_labels", f"the label of topic {int(raw)} must be a non-empty "
                                                 f"one-line string, got {label!r}")
        out[int(raw)] = label.strip()
    return out


def reduce_plan(topics: np.ndarray, centres: np.ndarray, ids: Sequence[int], n: int) -> dict[int, int]:
    """A merge plan that leaves ``n`` topics, joining the two most similar topics again and again.

    ``centres`` are the unit-length centres of ``ids``; a merged topic's centre is the
    size-weighted mean of its parts (renormalised). Ties go to the lower ids.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError("nr_topics", f"expected an integer >= 1, got {n!r}")
    ids = [int(t) for t in ids]
    if n >= len(ids):
        return {}
    sizes = {t: float(np.sum(topics == t)) for t in ids}
    vec = {t: np.asarray(centres[i], dtype=np.float64) * sizes[t] for i, t in enumerate(ids)}
    owner = {t: t for t in ids}
    alive = sorted(ids)
    while len(alive) > n:
        best, pair = -np.inf, None
        units = {t: vec[t] / (np.linalg.norm(vec[t]) or 1.0) for t in alive}
        for i, a in enumerate(alive):
            for b in alive[i + 1:]:
                sim = float(units[a] @ units[b])
                if sim > best:
                    best, pair = sim, (a, b)
        a, b = pair  # type: ignore[misc]
        vec[a] = vec[a] + vec[b]
        alive.remove(b)
        for t, o in owner.items():
            if o == b:
                owner[t] = a
    return dict(owner)


def rename_counts(counts: Mapping[tuple[int, str], Mapping[str, int]], mapping: Mapping[int, int]
                 ) -> dict[tuple[int, str], dict[str, int]]:
    """Term counts per (topic, language) after topics were renamed or merged by ``mapping``."""
    out: dict[tuple[int, str], dict[str, int]] = {}
    for (t, lang), terms in counts.items():
        target = out.setdefault((int(mapping.get(int(t), int(t))), lang), {})
        for w, c in terms.items():
            target[w] = target.get(w, 0) + int(c)
    return out


def rename_sizes(sizes: Mapping[tuple[int, str], int], mapping: Mapping[int, int]) -> dict[tuple[int, str], int]:
    """Units per (topic, language) after topics were renamed or merged by ``mapping``."""
    out: dict[tuple[int, str], int] = {}
    for (t, lang), n in sizes.items():
        key = (int(mapping.get(int(t), int(t))), lang)
        out[key] = out.get(key, 0) + int(n)
    return out
