"""Topic word quality: NPMI coherence within each language, and topic diversity.

Coherence is measured on the corpus itself, one language at a time. A multilingual topic's
top words mix languages (``туризм``, ``Medizin``, ``医疗``); a Russian and a German word can
never co-occur in one segment, so scoring that pair would only measure language, not
meaning. A pair is therefore scored inside language ``L`` only when both words occur in
``L``'s segments, with documents = ``L``'s segments, and every such (pair, language)
score counts once in the topic's mean.

Edge cases (also in ``docs/metrics.md``):

- A pair whose words both occur in ``L`` but never in the same segment scores -1.
- A pair that occurs in every segment of ``L`` scores 1 (``PMI / -log p`` is 0 / 0 there).
- Empty strings and repeated words are dropped from a topic's word list, then the first
  ``top_k`` words are used. A word that occurs in no segment takes part in no pair (it
  still uses one of the ``top_k`` places).
- A topic with fewer than 2 usable words, or with no pair scorable in any language, is
  skipped: its ``npmi`` is ``None`` and it does not enter the overall mean.
- The outlier topic ``-1`` is never scored.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from toolkit.errors import ToolkitError
from toolkit.evaluate.shape import OUTLIER, as_topic_array, check_length

__all__ = ["coherence_metrics", "npmi", "topic_diversity"]

logger = logging.getLogger(__name__)


def npmi(n_i: int, n_j: int, n_ij: int, n_docs: int) -> float:
    """Normalised pointwise mutual information from document counts.

    Parameters
    ----------
    n_i, n_j : int
        Number of documents holding word i, word j (both > 0).
    n_ij : int
        Number of documents holding both.
    n_docs : int
        Number of documents.

    Returns
    -------
    float
        ``log(p_ij / (p_i p_j)) / -log(p_ij)`` with ``p = n / n_docs``, in [-1, 1]; -1
        when the words never co-occur, 1 when they co-occur in every document.
    """
    if n_i <= 0 or n_j <= 0 or n_docs <= 0:
        raise ValueError("npmi needs both words to occur in at least one document")
    if n_ij == 0:
        return -1.0
    if n_ij == n_docs:
        return 1.0
    p_ij = n_ij / n_docs
    pmi = math.log(p_ij / ((n_i / n_docs) * (n_j / n_docs)))
    return max(-1.0, min(1.0, pmi / -math.log(p_ij)))


def _top_words(words: Sequence[str], top_k: int) -> list[str]:
    seen: list[str] = []
    for w in words:
        if w and w not in seen:
            seen.append(w)
        if len(seen) == top_k:
            break
    return seen


def topic_diversity(
    topic_words: Mapping[int, Sequence[str]], top_k: int = 10
) -> float | None:
    """Share of unique words among all non-outlier topics' top-``top_k`` words.

    Parameters
    ----------
    topic_words : mapping of int to sequence of str
        Ranked words per topic; topic ``-1`` and empty strings are ignored.
    top_k : int, default 10
        Words taken per topic.

    Returns
    -------
    float or None
        In (0, 1]; 1 when no word is shared by two topics. ``None`` when there are no words.
    """
    lists = [_top_words(w, top_k) for k, w in topic_words.items() if int(k) != OUTLIER]
    total = sum(len(w) for w in lists)
    if total == 0:
        return None
    return len({w for ws in lists for w in ws}) / total


def coherence_metrics(
    topics: Any,
    langs: Sequence[str | None],
    topic_words: Mapping[int, Sequence[str]] | None,
    tokens: Sequence[Sequence[str]] | None,
    *,
    top_k: int = 10,
) -> dict[str, Any]:
    """NPMI coherence per language and topic diversity.

    Parameters
    ----------
    topics : array-like of int, shape (n_units,)
        Topic id per unit (only its length is used; the reference corpus is all units,
        outliers included).
    langs : sequence of str, shape (n_units,)
        Language code per unit (``None`` read as ``"und"``).
    topic_words : mapping of int to sequence of str, or None
        Ranked top words per topic, in the same normalisation as ``tokens``.
    tokens : sequence of sequence of str, or None
        Tokens of each unit, as the topic vectorizer saw them.
    top_k : int, default 10
        Words per topic to score.

    Returns
    -------
    dict
        ``npmi``: mean over scored topics of each topic's NPMI (``None`` when no topic can
        be scored or ``tokens``/``topic_words`` is missing); ``topic_diversity``
        (needs only ``topic_words``); ``n_topics_scored``; ``per_topic`` with ``npmi``,
        ``npmi_by_lang`` (mean per language) and ``npmi_pairs`` (scored pairs).
    """
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 2:
        raise ToolkitError(
            f"top_k must be an integer >= 2 (a pair of words is needed for coherence); "
            f"got {top_k!r}."
        )
    n_units = as_topic_array(topics).size
    out: dict[str, Any] = {
        "npmi": None,
        "topic_diversity": None,
        "n_topics_scored": None,
        "per_topic": {},
        "warnings": [],
    }
    if topic_words is None:
        return out
    out["topic_diversity"] = topic_diversity(topic_words, top_k)
    if tokens is None:
        return out
    check_length("tokens", tokens, n_units)
    check_length("langs", langs, n_units)
    codes = ["und" if lang is None else str(lang) for lang in langs]

    tops = {
        int(k): _top_words(w, top_k) for k, w in topic_words.items() if int(k) != OUTLIER
    }
    vocab = {w for ws in tops.values() for w in ws}
    # Inverted index restricted to the topic words: lang -> word -> set of segment ids.
    index: dict[str, dict[str, set[int]]] = {}
    n_docs: dict[str, int] = {}
    for i, (code, toks) in enumerate(zip(codes, tokens)):
        n_docs[code] = n_docs.get(code, 0) + 1
        if isinstance(toks, str):
            raise ToolkitError(
                f"tokens[{i}] is a string; pass a list of tokens per unit, "
                "e.g. text.split() or the vectorizer's analyzer output."
            )
        lang_index = index.setdefault(code, {})
        for w in set(toks) & vocab:
            lang_index.setdefault(w, set()).add(i)

    per_topic: dict[int, dict[str, Any]] = {}
    scores: list[float] = []
    for topic in sorted(tops):
        by_lang: dict[str, list[float]] = {}
        for code in sorted(index):
            lang_index = index[code]
            present = [w for w in tops[topic] if w in lang_index]
            for a, b in combinations(present, 2):
                da, db = lang_index[a], lang_index[b]
                by_lang.setdefault(code, []).append(
                    npmi(len(da), len(db), len(da & db), n_docs[code])
                )
        pair_scores = [s for vals in by_lang.values() for s in vals]
        value = float(np.mean(pair_scores)) if pair_scores else None
        per_topic[topic] = {
            "npmi": value,
            "npmi_by_lang": {c: float(np.mean(v)) for c, v in by_lang.items()},
            "npmi_pairs": len(pair_scores),
        }
        if value is not None:
            scores.append(value)
    out["npmi"] = float(np.mean(scores)) if scores else None
    out["n_topics_scored"] = len(scores)
    out["per_topic"] = per_topic
    logger.debug("coherence: %d topics scored, npmi=%s", len(scores), out["npmi"])
    return out
