"""Named themes of a fit: each unit's theme, topic labels from their units, and the run's tables.

:func:`fit_unit_themes` embeds each theme's name, description and examples with the run's
embedder (aligned like the corpus), matches its keywords with the run's tokenizer, and gives
every unit zero or one theme (:mod:`toolkit.topics.theme_units`). A topic is then labelled with
a theme only when most of its units carry it. :func:`theme_tables` computes what themes.csv and
themes.json hold: prevalence with intervals overall, per language, per document and per month,
each theme's match strength, and its most typical and borderline units per language.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from toolkit.config import ExperimentConfig
from toolkit.corpus import Corpus
from toolkit.embedding import Embedder
from toolkit.topics.result import TopicResult
from toolkit.topics.theme_units import UnitThemes

__all__ = ["theme_prototypes", "fit_unit_themes", "theme_tables", "THEME_EXAMPLES"]

#: Typical and borderline units listed per theme and language in themes.json and the report.
THEME_EXAMPLES = 3


def theme_prototypes(config: ExperimentConfig, embedder: Embedder, aligner: Any) -> np.ndarray:
    """Per theme, the mean of its embedded name, description and examples (unit rows, aligned)."""
    from toolkit.arrays import unit_rows

    defs = config.themes.definitions
    texts: list[str] = []
    owner: list[int] = []
    for k, item in enumerate(defs):
        for text in [item.name, *([item.description] if item.description else []), *item.examples]:
            texts.append(text)
            owner.append(k)
    vectors = unit_rows(np.asarray(aligner.transform(embedder.embed(texts)), dtype=np.float64))
    owner_arr = np.asarray(owner)
    return unit_rows(np.stack([vectors[owner_arr == k].mean(axis=0) for k in range(len(defs))]))


def fit_unit_themes(result: TopicResult, corpus: Corpus, config: ExperimentConfig, embeddings: np.ndarray,
                    embedder: Embedder, aligner: Any) -> UnitThemes | None:
    """Give each unit its theme and relabel the topics by their units (``None`` without themes).

    Sets ``result.unit_themes``, ``result.themes`` (topic -> theme most of its units carry) and
    ``result.details["themes"]``."""
    from toolkit.topics.model import tokenizer_for
    from toolkit.topics.theme_units import assign_unit_themes, keyword_hits, topic_theme_mix, topic_themes

    cfg = config.themes
    defs = cfg.definitions
    if not defs:
        return None
    names = [d.name for d in defs]
    prototypes = theme_prototypes(config, embedder, aligner)
    tokenizer = tokenizer_for(config.topics)
    n = len(corpus)
    tokens = result.tokens if len(result.tokens) == n else tokenizer.tokenize_many(list(corpus.texts),
                                                                                   list(corpus.langs))
    hits, unmatched = keyword_hits(tokens, corpus.texts, corpus.langs, [d.keywords for d in defs], tokenizer)
    units = assign_unit_themes(embeddings, result.topics, names, prototypes, hits, langs=corpus.langs,
                               alpha=cfg.alpha)
    mix = topic_theme_mix(result.topics, units.theme, len(names))
    result.themes = topic_themes(mix, names)
    result.unit_themes = units
    info = dict(result.details.get("themes") or {})
    info.update({
        "names": names, "mode": cfg.mode, "alpha": cfg.alpha, "method": "unit",
        "keywords": {d.name: len(d.keywords) for d in defs if d.keywords},
        "keywords_that_never_match_as_words": unmatched,
        "units": {name: int(np.sum(units.theme == k)) for k, name in enumerate(names)},
        "unthemed_units": int(np.sum(units.theme < 0)),
        "topic_mix": {str(t): {names[k]: round(float(v), 4) for k, v in enumerate(shares) if v > 0}
                      for t, shares in mix.items()},
        "per_theme": {name: {"topics": [t for t, th in result.themes.items() if th == name],
                             "units": int(np.sum(units.theme == k))} for k, name in enumerate(names)},
    })
    result.details["themes"] = info
    return units


def _month(date: str | None) -> str | None:
    return date[:7] if date and len(date) >= 7 else None


def theme_tables(units: UnitThemes, corpus: Corpus, config: ExperimentConfig) -> tuple[list[dict[str, Any]],
                                                                                       dict[str, Any]]:
    """The rows of themes.csv and the content of themes.json for a fit with unit themes."""
    from toolkit.evaluate.themes import prevalence_rows

    cfg = config.themes
    labels = units.labels
    groups: dict[str, list[Any]] = {"lang": [s.lang or "und" for s in corpus.segments]}
    doc_ids = [s.doc_id for s in corpus.segments]
    if len(set(doc_ids)) < len(doc_ids):  # units are parts of documents: a per-document table means something
        groups["doc"] = doc_ids
    months = [_month(s.date) for s in corpus.segments]
    if any(months):
        groups["month"] = months
    rows = prevalence_rows(labels, units.names, groups, confidence=cfg.confidence, resamples=cfg.bootstrap,
                           seed=config.seed)
    strength = units.strength
    langs = np.asarray([s.lang or "und" for s in corpus.segments])
    themes_json: dict[str, Any] = {"names": units.names, "alpha": units.alpha, "confidence": cfg.confidence,
                                   "bootstrap": cfg.bootstrap, "themes": []}
    for k, name in enumerate(units.names):
        mine = np.nonzero(units.theme == k)[0]
        keyword = sum(1 for i in mine if units.source[i] == "keyword")
        entry: dict[str, Any] = {
            "name": name, "units": int(mine.size), "keyword_units": keyword,
            "embedding_units": int(mine.size - keyword),
            "bar": None if not np.isfinite(units.bars[k]) else round(float(units.bars[k]), 4),
            # Match strength: how far the theme's median unit stands above the units about other
            # themes (in units of the corpus's spread of similarity to the theme).
            "strength": None if mine.size == 0 else round(float(np.nanmedian(strength[mine])), 4),
            "typical": {}, "borderline": {},
        }
        for lang in sorted(set(langs[mine].tolist())):
            own = mine[langs[mine] == lang]
            order = own[np.argsort(-units.scores[own, k], kind="stable")]
            entry["typical"][lang] = [corpus.segments[i].id for i in order[:THEME_EXAMPLES]]
            entry["borderline"][lang] = [corpus.segments[i].id for i in order[::-1][:THEME_EXAMPLES]]
        themes_json["themes"].append(entry)
    return rows, themes_json
