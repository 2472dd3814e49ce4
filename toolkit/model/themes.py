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

__all__ = ["theme_prototypes", "fit_unit_themes", "theme_tables", "THEME_EXAMPLES", "themes_to_saved",
           "themes_from_saved", "relabel_topics", "assign_new_units"]

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
    units.scores = units.scores.astype(np.float32)  # as a saved model keeps them
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


# ---------------------------------------------------------------------- saving with a model

_SOURCES = ("", "keyword", "embedding")


def themes_to_saved(units: UnitThemes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """What a saved model keeps of the unit themes: small values for model.json, arrays for
    arrays.safetensors."""
    topic_ids = sorted(units.topic_terms)
    shift_langs = sorted(units.shifts)
    meta = {"names": list(units.names), "alpha": units.alpha, "topic_ids": topic_ids, "shift_langs": shift_langs}
    arrays = {
        "themes.unit": units.theme.astype(np.int32),
        "themes.source": np.asarray([_SOURCES.index(s) for s in units.source], dtype=np.int8),
        "themes.scores": units.scores.astype(np.float32),
        "themes.bars": units.bars.astype(np.float64), "themes.floors": units.floors.astype(np.float64),
        "themes.centres": units.centres.astype(np.float32),
        "themes.center": units.center.astype(np.float64), "themes.scale": units.scale.astype(np.float64),
        "themes.topic_terms": (np.stack([units.topic_terms[t] for t in topic_ids]) if topic_ids
                               else np.zeros((0, len(units.names)))).astype(np.float64),
    }
    if shift_langs:
        arrays["themes.shifts"] = np.stack([units.shifts[lang] for lang in shift_langs]).astype(np.float64)
    return meta, arrays


def themes_from_saved(meta: dict[str, Any] | None, arrays: dict[str, np.ndarray]) -> UnitThemes | None:
    """The :class:`UnitThemes` a saved model kept (``None`` for a model without themes)."""
    if not meta or "themes.unit" not in arrays:
        return None
    names = list(meta["names"])
    theme = np.asarray(arrays["themes.unit"], dtype=np.int64)
    terms = {int(t): np.asarray(v, dtype=np.float64) for t, v in zip(meta["topic_ids"], arrays["themes.topic_terms"])}
    shifts = ({lang: np.asarray(v, dtype=np.float64) for lang, v in zip(meta["shift_langs"], arrays["themes.shifts"])}
              if meta.get("shift_langs") else {})
    return UnitThemes(names=names, theme=theme, scores=np.asarray(arrays["themes.scores"], dtype=np.float32),
                      source=[_SOURCES[int(i)] for i in arrays["themes.source"]],
                      hits=np.zeros((theme.shape[0], len(names)), dtype=np.int32),
                      bars=np.asarray(arrays["themes.bars"]), floors=np.asarray(arrays["themes.floors"]),
                      centres=np.asarray(arrays["themes.centres"], dtype=np.float32),
                      center=np.asarray(arrays["themes.center"]), scale=np.asarray(arrays["themes.scale"]),
                      topic_terms=terms, alpha=float(meta["alpha"]), shifts=shifts)


def relabel_topics(units: UnitThemes, topics: np.ndarray) -> dict[int, str | None]:
    """Topic -> theme for (curated) topics: the theme more than half of each topic's units carry."""
    from toolkit.topics.theme_units import topic_theme_mix, topic_themes

    return topic_themes(topic_theme_mix(topics, units.theme, len(units.names)), units.names)


def assign_new_units(units: UnitThemes, config: ExperimentConfig, corpus: Corpus, vectors: np.ndarray,
                     topics: np.ndarray) -> UnitThemes:
    """Themes of new units (aligned ``vectors``, their assigned ``topics``) against a fit's themes."""
    from toolkit.topics.model import tokenizer_for
    from toolkit.topics.theme_units import keyword_hits, score_units

    tokenizer = tokenizer_for(config.topics)
    tokens = tokenizer.tokenize_many(list(corpus.texts), list(corpus.langs))
    by_name = {d.name: d.keywords for d in config.themes.definitions}
    hits, _ = keyword_hits(tokens, corpus.texts, corpus.langs, [by_name.get(n, []) for n in units.names], tokenizer)
    return score_units(vectors, topics, units.state(), hits, langs=corpus.langs)
