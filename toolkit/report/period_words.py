"""Keywords of each topic in each period, for the hover of the topics-over-time figure.

Like BERTopic's ``topics_over_time``: the units of one topic in one period are tokenised with
the run's own tokenizer settings (``topics.lemmatize``, ``topics.stopwords``, one language at
a time) and their words ranked by count in that period times how rare the word is among the
topic's other periods, so a period shows what was new in it rather than the topic's
constant words. At most ``max_units`` units are tokenised in all (a seeded sample beyond).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

from toolkit.report.data import ReportData

__all__ = ["period_keywords"]


def _tokenizer(data: ReportData):
    from toolkit.topics.model import tokenizer_for

    topics = data.config.get("topics") if isinstance(data.config.get("topics"), dict) else {}

    class _Settings:  # the two keys tokenizer_for reads, from the run's config.yaml
        lemmatize = bool(topics.get("lemmatize", True))
        stopwords = list(topics.get("stopwords") or [])

    return tokenizer_for(_Settings)


def period_keywords(data: ReportData, frame: pd.DataFrame, top: int = 5, max_units: int = 20_000,
                    per_cell: int = 200, seed: int = 0) -> dict[tuple[str, int], list[str]]:
    """``(period, topic) -> words`` for the dated units of ``frame`` (columns ``period``,
    ``topic``, ``lang``, ``text``); outliers and cells of fewer than 2 units get none.

    Parameters
    ----------
    top : int
        Words per cell.
    max_units : int
        Units tokenised in all; a larger frame is sampled (seeded).
    per_cell : int
        Units tokenised per (period, topic) at most.
    """
    frame = frame[frame["topic"] != -1]
    if frame.empty:
        return {}
    rng = np.random.default_rng(seed)
    picks = []
    for _, cell in frame.groupby(["period", "topic"], sort=True):
        if len(cell) >= 2:
            picks.append(cell.iloc[np.sort(rng.choice(len(cell), size=min(per_cell, len(cell)), replace=False))])
    if not picks:
        return {}
    sample = pd.concat(picks)
    if len(sample) > max_units:
        sample = sample.iloc[np.sort(rng.choice(len(sample), size=max_units, replace=False))]
    tokenizer = _tokenizer(data)
    counts: dict[tuple[str, int], Counter] = {}
    for period, topic, lang, text in zip(sample["period"], sample["topic"], sample["lang"], sample["text"]):
        counts.setdefault((period, int(topic)), Counter()).update(set(tokenizer.tokenize(str(text), lang or None)))
    periods_of: dict[int, int] = Counter(topic for _, topic in counts)
    spread: dict[int, Counter] = {}
    for (_, topic), words in counts.items():
        spread.setdefault(topic, Counter()).update(words.keys())
    out = {}
    for (period, topic), words in counts.items():
        n = periods_of[topic]
        scored = sorted(words, key=lambda w: (-words[w] * math.log(1 + n / spread[topic][w]), w))
        out[(period, topic)] = scored[:top]
    return out
