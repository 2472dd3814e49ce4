"""Words a reader can trust in topic keywords and labels.

Two corpus-level rules, no word lists:

- **Spread.** A word among the top keywords of many topics in one language (Chinese 可能,
  Russian являться) separates none of them. Per language, a word whose share of topics
  holding it in their top ``top_k`` keywords is at least ``max_spread`` (and at least two
  topics) is dropped from every topic's keywords in that language and from the overall
  lists. Dropping words lets others move up, so the rule is applied again until no word
  is left that breaks it (a few rounds).
- **Balance.** A label takes its words from the topic's languages in proportion to the
  topic's units in each (largest remainders), then in turns, so a topic spread evenly over
  three languages never gets more than half its label from one script; ``label_language``
  takes the label from one language when the topic has keywords in it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from toolkit.errors import ParameterError

__all__ = ["spread_words", "drop_spread_words", "label_shares", "balanced_label_words"]

Keywords = list[tuple[str, float]]


def spread_words(by_lang: Mapping[int, Mapping[str, Keywords]], top_k: int, max_spread: float
                 ) -> dict[str, set[str]]:
    """Per language, the words in the top ``top_k`` of at least ``max_spread`` of its topics.

    Only topics with keywords in a language count for that language, the outlier topic
    ``-1`` never; a word must be shared by at least two topics.
    """
    if isinstance(max_spread, bool) or not 0.0 < float(max_spread) <= 1.0:
        raise ParameterError("max_spread", f"expected a share in (0, 1], got {max_spread!r}")
    holders: dict[str, Counter[str]] = {}
    n_topics: Counter[str] = Counter()
    for topic, per_lang in by_lang.items():
        if int(topic) == -1:
            continue
        for lang, words in per_lang.items():
            top = {w for w, _ in words[:top_k]}
            if top:
                n_topics[lang] += 1
                holders.setdefault(lang, Counter()).update(top)
    out: dict[str, set[str]] = {}
    for lang, counts in holders.items():
        need = max(2, math.ceil(float(max_spread) * n_topics[lang] - 1e-9))
        out[lang] = {w for w, c in counts.items() if c >= need}
    return out


def drop_spread_words(overall: Mapping[int, Keywords], by_lang: Mapping[int, Mapping[str, Keywords]], top_k: int,
                      max_spread: float, max_rounds: int = 5
                      ) -> tuple[dict[int, Keywords], dict[int, dict[str, Keywords]], dict[str, list[str]]]:
    """Keywords without the words that break the spread rule (see the module docstring).

    Returns
    -------
    overall, by_lang : dict
        The lists without the dropped words (order kept).
    dropped : dict of str to list of str
        Per language, the words dropped, sorted.
    """
    by_lang = {t: {lang: list(w) for lang, w in per.items()} for t, per in by_lang.items()}
    overall = {t: list(w) for t, w in overall.items()}
    dropped: dict[str, set[str]] = {}
    if max_spread >= 1.0 and len(by_lang) <= 2:
        return overall, by_lang, {}
    for _ in range(max_rounds):
        found = spread_words(by_lang, top_k, max_spread)
        new = {lang: words - dropped.get(lang, set()) for lang, words in found.items()}
        if not any(new.values()):
            break
        for lang, words in new.items():
            dropped.setdefault(lang, set()).update(words)
        every = {w for words in dropped.values() for w in words}
        for t, per in by_lang.items():
            for lang, words in per.items():
                gone = dropped.get(lang, set())
                per[lang] = [(w, s) for w, s in words if w not in gone]
        for t, words in overall.items():
            overall[t] = [(w, s) for w, s in words if w not in every]
    return overall, by_lang, {lang: sorted(w) for lang, w in dropped.items() if w}


def label_shares(topics: np.ndarray, langs: Sequence[str]) -> dict[int, dict[str, int]]:
    """Units per language of every topic."""
    out: dict[int, dict[str, int]] = {}
    for t, lang in zip(np.asarray(topics).tolist(), langs):
        per = out.setdefault(int(t), {})
        per[lang] = per.get(lang, 0) + 1
    return out


def balanced_label_words(per_lang: Mapping[str, Keywords], units: Mapping[str, int], n_words: int = 4,
                         label_language: str | None = None) -> list[str]:
    """Label words for one topic, balanced over its languages.

    Parameters
    ----------
    per_lang : mapping of str to list of (str, float)
        The topic's keywords per language, best first.
    units : mapping of str to int
        The topic's units per language.
    n_words : int, default 4
    label_language : str, optional
        When the topic has keywords in this language, every label word comes from it.

    Returns
    -------
    list of str
        At most ``n_words`` distinct words. Languages get slots by the largest-remainder
        share of the topic's units (a language with no keywords gets none), then take turns,
        the language with most units first.
    """
    if label_language and per_lang.get(label_language):
        return list(dict.fromkeys(w for w, _ in per_lang[label_language]))[:n_words]
    langs = [lang for lang in per_lang if per_lang[lang] and units.get(lang, 0) > 0]
    if not langs:
        langs = [lang for lang in per_lang if per_lang[lang]]
        units = {lang: 1 for lang in langs}
    if not langs:
        return []
    langs.sort(key=lambda lang: (-units[lang], lang))
    total = sum(units[lang] for lang in langs)
    quota = {lang: n_words * units[lang] / total for lang in langs}
    slots = {lang: int(math.floor(q)) for lang, q in quota.items()}
    spare = n_words - sum(slots.values())
    for lang in sorted(langs, key=lambda lang: (-(quota[lang] - slots[lang]), -units[lang], lang))[:spare]:
        slots[lang] += 1
    queues = {lang: [w for w, _ in per_lang[lang]] for lang in langs}
    out: list[str] = []
    taken = dict.fromkeys(langs, 0)
    progress = True
    while len(out) < n_words and progress:
        progress = False
        for lang in langs:
            if taken[lang] >= slots[lang]:
                continue
            while queues[lang] and queues[lang][0] in out:
                queues[lang].pop(0)
            if queues[lang]:
                out.append(queues[lang].pop(0))
                taken[lang] += 1
                progress = True
                if len(out) == n_words:
                    break
    if len(out) < n_words:  # a language ran out of words: the others fill its slots, in turns
        for lang in langs:
            for w in queues[lang]:
                if len(out) < n_words and w not in out:
                    out.append(w)
    return out
