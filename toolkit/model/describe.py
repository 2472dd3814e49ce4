"""Describing curated topics again: keywords, representatives, similarity, themes and metrics.

After a merge the keywords come from the merged term counts (c-TF-IDF over counts gives what
it gives over the tokens), representatives, similarity and centres from the reference units,
themes by centre (``themes.mode: match``), and every metric is computed again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from toolkit.model.assign import UnitIndex
from toolkit.model.fitting import evaluate_fit
from toolkit.topics.result import TopicResult

__all__ = ["describe_again", "unit_tokens"]


def unit_tokens(model: Any) -> tuple[list[list[str]], np.ndarray | None]:
    """Tokens for coherence: of every unit when the model has every text (``None`` sample),
    else of the reference units (and their positions)."""
    from toolkit.topics.model import tokenizer_for

    result, corpus = model.result_, model.corpus_
    if len(result.tokens) == len(corpus):
        return result.tokens, None
    tcfg = model.config_.topics
    tokenizer = tokenizer_for(tcfg)
    if model.texts_kept_:
        return tokenizer.tokenize_many(corpus.texts, corpus.langs), None
    ref = model.reference_
    langs = corpus.langs
    return tokenizer.tokenize_many([corpus.segments[i].text for i in ref], [langs[i] for i in ref]), ref


def describe_again(model: Any, topics: np.ndarray) -> None:
    """Set ``model.result_``, ``metrics_`` and ``index_`` for the curated ``topics`` (all units)."""
    from toolkit.topics.keywords import keywords_from_counts
    from toolkit.topics.model import candidate_count, describe_topics
    from toolkit.topics.themes import match_themes, theme_summary

    config, corpus, old = model.config_, model.corpus_, model.result_
    tcfg = config.topics
    ref = model.reference_
    langs = corpus.langs
    vectors = model.index_.vectors
    ref_topics = topics[ref]
    counts, sizes = model.counts_
    candidates = keywords_from_counts(counts, sizes, top_n=candidate_count(tcfg))
    embedder = model.embedder_ if tcfg.representation in {"keybert", "mmr"} else None
    described = describe_topics(vectors, ref_topics, [langs[i] for i in ref], candidates, tcfg, embedder=embedder,
                                label_language=config.report.label_language)
    present = sorted(set(topics.tolist()))
    reps = {t: {lang: [int(ref[i]) for i in idx] for lang, idx in per.items()}
            for t, per in described.representatives.items()}
    labels = {t: described.labels.get(t, str(t)) for t in present}
    labels.update({t: label for t, label in model.custom_labels_.items() if t in labels})
    details = dict(old.details)
    themes: dict[int, str | None] = {t: None for t in present}
    if old.unit_themes is not None:
        # Units keep their own themes; a curated topic is named by the theme most of its units carry.
        from toolkit.model.themes import relabel_topics

        themes = {t: relabel_topics(old.unit_themes, topics).get(t) for t in present}
        details["themes"] = {**details.get("themes", {}), "per_theme": theme_summary(themes, topics)}
    elif model.theme_vectors_ is not None:
        names = list(config.themes.all_names)
        matched, sims = match_themes(vectors, ref_topics, names, model.theme_vectors_,
                                     threshold=config.themes.threshold)
        themes = {t: matched.get(t) for t in present}
        details["themes"] = {**details.get("themes", {}), "mode": "match (curated topics)",
                             "similarity": {str(t): v for t, v in sims.items()},
                             "per_theme": theme_summary(themes, topics)}
    details["named_topics"] = sorted(t for t in model.custom_labels_ if t in labels)
    details["n_topics"] = int(np.sum(np.unique(topics) != -1))
    details["outlier_share"] = round(float(np.mean(topics == -1)), 4)
    tokens, sample = unit_tokens(model)
    result = TopicResult(
        topics=topics, labels=labels, keywords=described.keywords, keywords_by_lang=described.keywords_by_lang,
        representatives=reps, themes=themes, similarity_topics=described.similarity_topics,
        similarity=described.similarity, coords=old.coords, tokens=tokens, details=details,
        counts=model.counts_, model=old.model, unit_themes=old.unit_themes)
    model.result_ = result
    model.metrics_ = evaluate_fit(result, corpus, config, sample, embedder=model.embedder_)
    model.index_ = UnitIndex.build(model.reference16_.astype(np.float32), ref_topics, model.index_.neighbors)
