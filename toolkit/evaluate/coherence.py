"""Topic word quality: NPMI coherence within each language, and topic diversity.

Coherence is measured on the corpus itself, one language at a time. The reference texts are
*windows*: up to ``window`` (5) consecutive units of one document, in one language, pooled
(``doc_ids`` name the documents; a one-unit document is one window, and without ``doc_ids``
every unit is its own window). A window of a few sentences is where topic words co-occur; a
whole long document would count every pair in it as co-occurring, a single sentence almost
none (``npmi_window`` and ``npmi_reference_texts`` record the reference). Single sentences are short, so NPMI over them runs low for
any word list: the value means something only next to the **corpus baseline**
(``npmi_baseline``), the mean NPMI of lists of ``top_k`` words drawn at random (seeded) from
the topics' words in the same language and scored the same way. A topic below it
(``below_baseline``) holds words that occur together no more often than words picked from
different topics. A multilingual topic's
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
    doc_ids: Sequence[Any] | None = None,
    window: int = 5,
    baseline_draws: int = 30,
    seed: int = 0,
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
    doc_ids : sequence, optional
        Document of every unit, units in document order: up to ``window`` consecutive units of
        one document (and language) form one reference text.
    window : int, default 5
        Units per reference window.
    baseline_draws : int, default 30
        Random word lists per language for ``npmi_baseline``.
    seed : int, default 0
        Seed of those draws.

    Returns
    -------
    dict
        ``npmi``: mean over scored topics of each topic's NPMI (``None`` when no topic can
        be scored or ``tokens``/``topic_words`` is missing); ``topic_diversity``
        (needs only ``topic_words``); ``n_topics_scored``; ``per_topic`` with ``npmi``,
        ``npmi_by_lang`` (mean per language) and ``npmi_pairs`` (scored pairs), and
        ``npmi_baseline`` (of the topic's languages) and ``below_baseline``; overall
        ``npmi_baseline``, ``npmi_below_baseline`` (topics below it), ``npmi_window`` (units per
        reference text; 1 without documents of several units) and ``npmi_reference_texts``.
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
        "npmi_baseline": None,
        "npmi_below_baseline": None,
        "npmi_window": None,
        "npmi_reference_texts": None,
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
    if doc_ids is not None:
        check_length("doc_ids", doc_ids, n_units)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ToolkitError(f"window must be an integer >= 1 (units per reference text); got {window!r}.")
    pooled = doc_ids is not None and len(set(doc_ids)) < n_units
    ref_of: dict[tuple[str, Any, int], int] = {}
    position: dict[tuple[str, Any], int] = {}
    for i, (code, toks) in enumerate(zip(codes, tokens)):
        doc = (code, doc_ids[i] if pooled else i)
        at = position.get(doc, 0)
        position[doc] = at + 1
        key = (*doc, at // int(window))
        if key not in ref_of:
            ref_of[key] = len(ref_of)
            n_docs[code] = n_docs.get(code, 0) + 1
        ref = ref_of[key]
        if isinstance(toks, str):
            raise ToolkitError(
                f"tokens[{i}] is a string; pass a list of tokens per unit, "
                "e.g. text.split() or the vectorizer's analyzer output."
            )
        lang_index = index.setdefault(code, {})
        for w in set(toks) & vocab:
            lang_index.setdefault(w, set()).add(ref)

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
    baseline = _baseline(index, n_docs, tops, top_k, baseline_draws, seed)
    below = []
    for topic, rec in per_topic.items():
        lang_base = [baseline[c] for c in rec["npmi_by_lang"] if c in baseline]
        rec["npmi_baseline"] = float(np.mean(lang_base)) if lang_base else None
        rec["below_baseline"] = (rec["npmi"] is not None and bool(lang_base)
                                 and rec["npmi"] < rec["npmi_baseline"])
        if rec["below_baseline"]:
            below.append(topic)
    out["npmi_baseline"] = float(np.mean(list(baseline.values()))) if baseline else None
    out["npmi_below_baseline"] = len(below)
    out["npmi_window"] = int(window) if pooled else 1
    out["npmi_reference_texts"] = int(sum(n_docs.values()))
    out["npmi"] = float(np.mean(scores)) if scores else None
    out["n_topics_scored"] = len(scores)
    out["per_topic"] = per_topic
    logger.debug("coherence: %d topics scored, npmi=%s", len(scores), out["npmi"])
    return out


def _baseline(index: Mapping[str, Mapping[str, set[int]]], n_docs: Mapping[str, int],
              tops: Mapping[int, Sequence[str]], top_k: int, draws: int, seed: int) -> dict[str, float]:
    """Per language, the mean NPMI of ``draws`` random lists of topic words (see the module docstring)."""
    rng = np.random.default_rng(seed)
    out: dict[str, float] = {}
    for code in sorted(index):
        pool = sorted({w for ws in tops.values() for w in ws if w in index[code]})
        if len(pool) < 2:
            continue
        means = []
        for _ in range(draws):
            words = rng.choice(pool, size=min(top_k, len(pool)), replace=False)
            vals = [npmi(len(index[code][a]), len(index[code][b]), len(index[code][a] & index[code][b]), n_docs[code])
                    for a, b in combinations(words, 2)]
            means.append(float(np.mean(vals)))
        out[code] = float(np.mean(means))
    return out
