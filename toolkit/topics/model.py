"""Build and fit BERTopic on precomputed, pre-reduced embeddings.

We reduce with UMAP ourselves (so reductions can be cached and shared across a sweep) and hand
BERTopic an identity reduction, our clusterer, and segments already tokenised per language
(see :mod:`toolkit.topics.vectorizer`), so its c-TF-IDF sees real words in every language.
Our embedder is wrapped as BERTopic's backend, so BERTopic never fetches a model of its own.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from toolkit.embedding.base import Embedder
from toolkit.errors import TopicModelError
from toolkit.topics.result import TopicResult

__all__ = ["fit_topics", "topic_similarity", "EmbedderBackend"]

log = logging.getLogger(__name__)


def _backend_base():
    from bertopic.backend import BaseEmbedder

    return BaseEmbedder


class EmbedderBackend:
    """Adapter that lets BERTopic call a toolkit :class:`Embedder` (for KeyBERT/MMR words)."""

    def __new__(cls, embedder: Embedder):
        base = _backend_base()

        class _Backend(base):  # type: ignore[misc, valid-type]
            def __init__(self, inner: Embedder) -> None:
                super().__init__()
                self.inner = inner

            def embed(self, documents, verbose: bool = False) -> np.ndarray:  # noqa: ARG002
                return self.inner.embed(list(documents))

        return _Backend(embedder)


def topic_similarity(embeddings: np.ndarray, topics: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Cosine similarity of the centroid embeddings of non-outlier topics."""
    ids = sorted(int(t) for t in np.unique(topics) if t != -1)
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    centroids = np.vstack([embeddings[topics == t].mean(axis=0) for t in ids])
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = centroids / np.where(norms > 0, norms, 1.0)
    return ids, np.clip(centroids @ centroids.T, -1.0, 1.0).astype(np.float32)


def _clusterer(config, n: int):
    from hdbscan import HDBSCAN

    h = config.hdbscan
    size = min(h.min_cluster_size, max(2, n // 2))
    if size != h.min_cluster_size:
        log.warning("small corpus (%d units): hdbscan.min_cluster_size %d -> %d", n, h.min_cluster_size, size)
    return HDBSCAN(min_cluster_size=size, min_samples=h.min_samples, metric="euclidean",
                   cluster_selection_method=h.cluster_selection_method,
                   cluster_selection_epsilon=h.cluster_selection_epsilon, prediction_data=True)


def fit_topics(embeddings: np.ndarray, reduced: np.ndarray, texts: Sequence[str],
               langs: Sequence[str], config, embedder: Embedder | None = None) -> TopicResult:
    """Cluster segments into topics and describe each topic in every language.

    Parameters
    ----------
    embeddings : ndarray
        ``(n, dim)`` segment embeddings (after any alignment).
    reduced : ndarray
        ``(n, k)`` UMAP reduction of ``embeddings`` used for clustering.
    texts, langs : sequences of str
        Segment texts and ISO 639-1 languages.
    config : ExperimentConfig
    embedder : Embedder, optional
        Needed for the ``keybert`` and ``mmr`` representations.

    Returns
    -------
    TopicResult
    """
    from bertopic import BERTopic
    from bertopic.dimensionality import BaseDimensionalityReduction

    from toolkit.topics.keywords import (
        representative_indices,
        rerank_keywords,
        topic_keywords,
        topic_label,
    )
    from toolkit.topics.vectorizer import MultilingualTokenizer, whitespace_vectorizer

    n = len(texts)
    if not (embeddings.shape[0] == reduced.shape[0] == n == len(langs)):
        raise TopicModelError(f"mismatched inputs: {embeddings.shape[0]} embeddings, "
                              f"{reduced.shape[0]} reduced rows, {n} texts, {len(langs)} languages")
    tcfg = config.topics
    tokenizer = MultilingualTokenizer(lemmatize=tcfg.lemmatize, extra_stopwords=tcfg.stopwords)
    tokens = tokenizer.tokenize_many(list(texts), list(langs))
    docs = [" ".join(t) for t in tokens]
    if not any(docs):
        raise TopicModelError("no words left to describe topics after tokenisation and stopword "
                              "removal; check the corpus language and topics.stopwords")
    backend = EmbedderBackend(embedder) if embedder is not None else None
    model = BERTopic(
        embedding_model=backend,
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=_clusterer(config, n),
        vectorizer_model=whitespace_vectorizer(),
        top_n_words=tcfg.top_n_words,
        calculate_probabilities=False,
        verbose=False,
    )
    try:
        assigned, _ = model.fit_transform(docs, embeddings=reduced)
    except ValueError as exc:
        raise TopicModelError(f"topic fitting failed: {exc}") from exc
    topics = np.asarray(assigned, dtype=int)

    keywords, by_lang = topic_keywords(tokens, topics, list(langs), top_n=max(tcfg.top_n_words * 3, 30))
    if tcfg.representation in {"keybert", "mmr"} and embedder is not None:
        keywords = _rerank(keywords, embeddings, topics, embedder, tcfg, rerank_keywords)
        by_lang = {
            t: _rerank(per_lang, embeddings, topics, embedder, tcfg, rerank_keywords, topic=t)
            for t, per_lang in by_lang.items()
        }
    keywords = {t: words[:tcfg.top_n_words] for t, words in keywords.items()}
    by_lang = {t: {lang: w[:tcfg.top_n_words] for lang, w in per.items()} for t, per in by_lang.items()}
    labels = {t: topic_label(t, [w for w, _ in keywords.get(t, [])]) for t in sorted(set(topics.tolist()))}
    reps = representative_indices(embeddings, topics, list(langs), n=tcfg.n_representatives)
    sim_ids, sim = topic_similarity(embeddings, topics)
    return TopicResult(
        topics=topics, labels=labels, keywords=keywords, keywords_by_lang=by_lang,
        representatives=reps, similarity_topics=sim_ids, similarity=sim, tokens=tokens,
        details={"representation": tcfg.representation}, model=model,
    )


def _rerank(words_by_key, embeddings, topics, embedder, tcfg, rerank, topic=None):
    out = {}
    for key, words in words_by_key.items():
        t = key if topic is None else topic
        if t == -1 or not words:
            out[key] = words
            continue
        centre = embeddings[topics == t].mean(axis=0)
        out[key] = rerank([w for w, _ in words], centre, embedder.embed, method=tcfg.representation,
                          top_n=tcfg.top_n_words, diversity=tcfg.mmr_diversity)
    return out
