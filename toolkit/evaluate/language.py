"""Do topics cross languages, or do they follow them?

A multilingual model should group units by content; when topics line up with languages, the
embedding (or the vectorizer) is carrying language rather than meaning. Every distinct
language code in ``langs`` counts as one language, ``"und"`` included.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from toolkit.evaluate.shape import OUTLIER, as_topic_array, check_length

__all__ = [
    "language_metrics",
    "embedder_coverage",
    "coverage_warning",
    "normalised_entropy",
    "SINGLE_LANGUAGE_SHARE",
    "LANGUAGE_NMI_WARN",
]

logger = logging.getLogger(__name__)

SINGLE_LANGUAGE_SHARE = 0.9
"""A topic is single-language when one language holds at least this share of its units."""

LANGUAGE_NMI_WARN = 0.2
"""Warn when the NMI between topic and language is above this value."""

_MAX_LISTED = 20


def normalised_entropy(counts: Sequence[int] | np.ndarray, n_categories: int) -> float:
    """Shannon entropy of ``counts`` divided by ``log(n_categories)``.

    Parameters
    ----------
    counts : sequence of int
        Count per category (zeros allowed).
    n_categories : int
        Number of categories the counts could spread over (at least 2).

    Returns
    -------
    float
        0 when all counts fall in one category, 1 when they are spread evenly over
        ``n_categories``.
    """
    if n_categories < 2:
        raise ValueError(f"n_categories must be >= 2, got {n_categories}")
    c = np.asarray(counts, dtype=float)
    c = c[c > 0]
    p = c / c.sum()
    h = float(-(p * np.log(p)).sum())
    return max(0.0, min(1.0, h / math.log(n_categories)))


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    if len(items) > _MAX_LISTED:
        shown += f" and {len(items) - _MAX_LISTED} more"
    return shown


def embedder_coverage(langs: Sequence[str | None], trained_on: Collection[str] | None,
                      model: str = "the embedder") -> dict[str, Any]:
    """Which units are in languages the embedder was not trained on.

    Parameters
    ----------
    langs : sequence of str, shape (n_units,)
        Language code per unit; ``None`` and ``"und"`` (unknown) are never counted as outside.
    trained_on : collection of str or None
        The embedder's training languages (:attr:`toolkit.embedding.Embedder.languages`);
        ``None`` when it does not declare them.
    model : str
        The embedder's name, for the record.

    Returns
    -------
    dict
        ``model``, ``trained_on`` (sorted list, or ``None``), ``declared`` (bool),
        ``uncovered`` (``{lang: {"units": n, "share": share of all units}}``, largest first)
        and ``uncovered_share`` (share of all units; ``None`` when nothing is declared).
    """
    codes = ["und" if lang is None else str(lang) for lang in langs]
    total = max(len(codes), 1)
    out: dict[str, Any] = {"model": model, "trained_on": sorted(trained_on) if trained_on is not None else None,
                           "declared": trained_on is not None, "uncovered": {}, "uncovered_share": None}
    if trained_on is None:
        return out
    known = set(trained_on)
    counts = Counter(c for c in codes if c != "und" and c not in known)
    out["uncovered"] = {lang: {"units": int(n), "share": n / total}
                        for lang, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}
    out["uncovered_share"] = sum(counts.values()) / total
    return out


def coverage_warning(coverage: dict[str, Any]) -> str | None:
    """The warning for an :func:`embedder_coverage` record, or ``None`` when every language is covered."""
    uncovered = coverage.get("uncovered") or {}
    if not uncovered:
        return None
    parts = _listing([f"{lang} {c['share']:.0%}" for lang, c in uncovered.items()])
    return (f"{coverage['model']} was not trained on {len(uncovered)} of the corpus languages "
            f"({parts} of units; {coverage['uncovered_share']:.0%} in all): their units are embedded anyway and "
            "tend to cluster by language or by surface form, not by content; choose an embedder that covers "
            "them (docs/languages.md)")


def language_metrics(
    topics: Any,
    langs: Sequence[str | None],
    *,
    single_share: float = SINGLE_LANGUAGE_SHARE,
    nmi_warn: float = LANGUAGE_NMI_WARN,
    coverage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """How topics spread over languages.

    Parameters
    ----------
    topics : array-like of int, shape (n_units,)
        Topic id per unit, ``-1`` for outliers.
    langs : sequence of str, shape (n_units,)
        Language code per unit; ``None`` is read as ``"und"``.
    single_share : float, default 0.9
        Dominant-language share from which a topic counts as single-language.
    nmi_warn : float, default 0.2
        ``nmi_language`` above which a warning is emitted.
    coverage : dict, optional
        The embedder's :func:`embedder_coverage` record: its warning is added, the
        language-bias warning names the languages it does not cover, and
        ``uncovered_language_share`` is set (``None`` without a record or declaration).

    Returns
    -------
    dict
        ``n_languages``; ``nmi_language`` (NMI between topic, outliers as ``-1``, and
        language over all units); ``mean_language_entropy`` (mean over non-outlier topics
        of the normalised language entropy); ``single_language_topic_share`` (share of
        non-outlier topics that are single-language). The last three are ``None`` when the
        corpus has one language, or when there is no non-outlier topic (the last two).
        ``per_topic`` holds ``lang_counts``, ``dominant_lang``, ``dominant_lang_share``,
        ``language_entropy`` (``None`` with one language) and ``single_language``
        (``None`` with one language) for every topic, outliers included. ``warnings``
        names single-language topics and a high ``nmi_language``.
    """
    t = as_topic_array(topics)
    check_length("langs", langs, t.size)
    codes = ["und" if lang is None else str(lang) for lang in langs]
    corpus_langs = sorted(set(codes))
    n_lang = len(corpus_langs)
    multi = n_lang >= 2

    by_topic: dict[int, Counter] = {}
    for topic, code in zip(t.tolist(), codes):
        by_topic.setdefault(topic, Counter())[code] += 1

    per_topic: dict[int, dict[str, Any]] = {}
    single_topics: list[str] = []
    entropies: list[float] = []
    for topic, counter in sorted(by_topic.items()):
        size = sum(counter.values())
        dom, dom_n = min(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        share = dom_n / size
        entry: dict[str, Any] = {
            "lang_counts": {code: int(counter[code]) for code in sorted(counter)},
            "dominant_lang": dom,
            "dominant_lang_share": float(share),
            "language_entropy": None,
            "single_language": None,
        }
        if multi:
            ent = normalised_entropy([counter[c] for c in corpus_langs], n_lang)
            entry["language_entropy"] = ent
            entry["single_language"] = bool(share >= single_share)
            if topic != OUTLIER:
                entropies.append(ent)
                if share >= single_share:
                    single_topics.append(f"{topic} ({dom} {share:.0%})")
        per_topic[topic] = entry

    warnings: list[str] = []
    out: dict[str, Any] = {
        "n_languages": n_lang,
        "nmi_language": None,
        "mean_language_entropy": None,
        "single_language_topic_share": None,
        "uncovered_language_share": (coverage or {}).get("uncovered_share"),
    }
    uncovered = sorted((coverage or {}).get("uncovered") or {})
    note = coverage_warning(coverage) if coverage else None
    if note:
        warnings.append(note)
    if multi:
        lang_ids = np.unique(np.asarray(codes), return_inverse=True)[1].ravel()
        nmi = float(normalized_mutual_info_score(lang_ids, t))
        out["nmi_language"] = nmi
        if entropies:
            out["mean_language_entropy"] = float(np.mean(entropies))
            out["single_language_topic_share"] = float(len(single_topics) / len(entropies))
        if single_topics:
            warnings.append(
                f"{len(single_topics)} of {len(entropies)} topics are single-language "
                f"(one language >= {single_share:.0%} of units): topic "
                f"{_listing(single_topics)}"
            )
        if nmi > nmi_warn:
            cause = (f"; the embedder was not trained on {', '.join(uncovered)}, whose units cluster by language"
                     if uncovered else "")
            warnings.append(
                f"topics follow language more than content: NMI between topic and language "
                f"is {nmi:.2f} (> {nmi_warn}){cause}; try a multilingual embedding model "
                "that covers every corpus language or language-bias removal (align)"
            )
    out["per_topic"] = per_topic
    out["warnings"] = warnings
    logger.debug("language: %d languages, nmi_language=%s", n_lang, out["nmi_language"])
    return out
