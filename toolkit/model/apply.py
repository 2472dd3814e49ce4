"""A new corpus assigned to a fitted model's topics, as a result a run directory can show.

The topics keep the model's labels, keywords and themes; sizes, representatives (the units
most similar to their topic's centre) and metrics are those of the new corpus, and
``metrics["drift"]`` compares each topic's share with the training corpus and lists the units
far from every topic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from toolkit.config import ExperimentConfig
from toolkit.corpus import Corpus
from toolkit.model.fitting import evaluate_fit
from toolkit.topics.result import TopicResult

__all__ = ["applied_result", "score_representatives", "drift_metrics"]


def score_representatives(topics: np.ndarray, scores: np.ndarray, langs: list[str], n: int
                          ) -> dict[int, dict[str, list[int]]]:
    """Per topic and language, the ``n`` units with the highest score (ties: corpus order)."""
    out: dict[int, dict[str, list[int]]] = {}
    order = np.lexsort((np.arange(len(topics)), -scores))
    for i in order.tolist():
        t, lang = int(topics[i]), langs[i]
        if t == -1:
            continue
        bucket = out.setdefault(t, {}).setdefault(lang, [])
        if len(bucket) < n:
            bucket.append(i)
    return out


def drift_metrics(model: Any, corpus: Corpus, topics: np.ndarray, best: np.ndarray, source: Path,
                  n_examples: int) -> dict[str, Any]:
    """Each topic's share here and in the training corpus, and the units far from every topic."""
    trained = model.topics_
    ids = sorted(set(np.unique(trained).tolist()) | set(np.unique(topics).tolist()))
    labels = model.result_.labels
    threshold = float(model.index_.far_threshold)
    far = best < threshold
    rows = [{"topic": int(t), "label": labels.get(int(t), "outliers" if t == -1 else str(t)),
             "training_share": round(float(np.mean(trained == t)), 4), "share": round(float(np.mean(topics == t)), 4)}
            for t in ids]
    examples = []
    for i in np.argsort(best, kind="stable")[:n_examples].tolist():
        if not far[i]:
            break
        seg = corpus.segments[i]
        examples.append({"id": seg.id, "lang": seg.lang or "und", "text": seg.text,
                         "similarity": round(float(best[i]), 4)})
    return {"source_run": str(source), "far_threshold": round(threshold, 4), "far_units": int(far.sum()),
            "far_share": round(float(far.mean()), 4), "topics": rows, "far_examples": examples}


def applied_result(model: Any, config: ExperimentConfig, corpus: Corpus, topics: np.ndarray, scores: np.ndarray,
                   best: np.ndarray, source: Path, n_examples: int) -> tuple[TopicResult, dict[str, Any]]:
    """The :class:`TopicResult` and metrics of ``corpus`` assigned to ``model``'s topics."""
    from toolkit.topics.model import tokenizer_for

    tcfg = config.topics
    tokenizer = tokenizer_for(tcfg)
    tokens = tokenizer.tokenize_many(corpus.texts, corpus.langs)
    trained = model.result_
    present = sorted(set(topics.tolist()))
    keep = [i for i, t in enumerate(trained.similarity_topics) if t in present]
    sim = np.asarray(trained.similarity)
    sim = sim[np.ix_(keep, keep)] if sim.size else sim
    far = best < model.index_.far_threshold
    details = {
        "applied": {"source_run": str(source), "neighbors": model.index_.neighbors,
                    "far_threshold": round(float(model.index_.far_threshold), 4)},
        "n_topics": int(sum(t != -1 for t in present)),
        "outlier_share": round(float(np.mean(topics == -1)), 4),
    }
    result = TopicResult(
        topics=np.asarray(topics, dtype=np.int64),
        labels={t: trained.labels.get(t, str(t)) for t in present},
        keywords={t: list(trained.keywords.get(t, [])) for t in present},
        keywords_by_lang={t: dict(trained.keywords_by_lang.get(t, {})) for t in present},
        representatives=score_representatives(topics, scores, corpus.langs, tcfg.n_representatives),
        themes={t: trained.themes.get(t) for t in present},
        similarity_topics=[trained.similarity_topics[i] for i in keep], similarity=sim,
        tokens=tokens, details=details)
    metrics = evaluate_fit(result, corpus, config, embedder=model.embedder_)
    metrics["far_share"] = round(float(far.mean()), 4)
    metrics["mean_score"] = round(float(np.mean(scores)), 4)
    metrics["drift"] = drift_metrics(model, corpus, topics, best, source, n_examples)
    return result, metrics
